package client

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// restPageSize is the page size of /logs/history, fal's CLI's own.
const restPageSize = 1000

// Lines reach fal's log store, and a local runner's two output pipes, a
// little out of timestamp order. A reconnected stream therefore starts this
// far before the newest line delivered, and the lines of that stretch
// already delivered are skipped by content.
const restReplayWindow = time.Second

// A follow that starts with no line delivered asks for the lines from this
// long before it began: none existed by the history's account, and the
// margin covers a client clock ahead of the server's.
const restFollowSkew = time.Minute

// restErrorEvents is how many error events in a row, with no line in
// between, end a follow.
const restErrorEvents = 3

// restLogItem is one line of /logs/history and /logs/stream.
type restLogItem struct {
	Timestamp string `json:"timestamp"`
	Level     string `json:"level"`
	Message   string `json:"message"`
	Source    string `json:"source"`
}

func (it restLogItem) line() (LogLine, error) {
	t, err := parseRESTTime(it.Timestamp)
	if err != nil {
		return LogLine{}, fmt.Errorf("a log line's timestamp %q is not an ISO-8601 time", clipDetail(it.Timestamp))
	}
	src := it.Source
	if src == "" {
		src = "user"
	}
	return LogLine{Time: t, Source: src, Level: strings.ToLower(it.Level), Message: it.Message}, nil
}

// RunnerLogs reads the history first, so a refused or unknown runner is an
// error here rather than on the first Recv; the live stream, with Follow,
// opens on the Recv after the history's last line.
func (g *GRPC) RunnerLogs(ctx context.Context, id RunnerID, q LogQuery) (LogStream, error) {
	op := fmt.Sprintf("logs of runner %q", id)
	switch {
	case checkRunnerID(id) != nil:
		return nil, invalid(op, checkRunnerID(id))
	case q.Tail < 0:
		return nil, invalid(op, fmt.Errorf("cannot show the last %d lines", q.Tail))
	case !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since):
		return nil, invalid(op, errors.New("the end of the time range is not after its start"))
	}
	s := &logReader{g: g, ctx: ctx, op: op, id: id, q: q, seen: newLineSet()}
	began := time.Now()
	lines, err := s.history()
	if err != nil {
		return nil, err
	}
	s.pending = lines
	if q.Follow {
		s.since = s.followFrom(lines, began)
	}
	return s, nil
}

// logReader is the LogStream of RunnerLogs: the history's lines, then with
// Follow the live stream's, reconnected as needed.
type logReader struct {
	g    *GRPC
	ctx  context.Context
	op   string
	id   RunnerID
	q    LogQuery
	seen *lineSet

	pending   []LogLine // history lines not yet received
	oldest    time.Time // of the history lines read (delivered or not)
	newest    time.Time // of the lines delivered
	since     time.Time // where the next stream connection starts
	events    *sseReader
	body      io.Closer
	tries     int   // connection attempts since a line last arrived
	errEvents int   // error events since a line last arrived
	end       error // the stream is over: io.EOF or why not
}

func (s *logReader) params(since, until time.Time) url.Values {
	v := url.Values{"job_id": {string(s.id)}}
	if s.q.Search != "" {
		v.Set("search", s.q.Search)
	}
	if !since.IsZero() {
		v.Set("since", since.UTC().Truncate(time.Microsecond).Format(restTimeLayout))
	}
	if !until.IsZero() {
		v.Set("until", ceilMicro(until).Format(restTimeLayout))
	}
	return v
}

// ceilMicro rounds up to the microsecond, so an exclusive bound sent at
// fal's precision keeps every line before it.
func ceilMicro(t time.Time) time.Time {
	t = t.UTC()
	if c := t.Truncate(time.Microsecond); !c.Equal(t) {
		return c.Add(time.Microsecond)
	}
	return t
}

func (s *logReader) inRange(l LogLine) bool {
	return (s.q.Since.IsZero() || !l.Time.Before(s.q.Since)) && (s.q.Until.IsZero() || l.Time.Before(s.q.Until))
}

// history pages back from q.Until until it holds q.Tail lines (every line
// in range when 0), and returns the newest q.Tail oldest first.
//
// A page is the newest page_size lines before `until`, and next_until, the
// page's oldest timestamp, is the next page's (exclusive) until. Lines
// sharing that timestamp may straddle two pages, so the next page is asked
// to reach a microsecond past it, and the lines it repeats are skipped.
func (s *logReader) history() ([]LogLine, error) {
	size := restPageSize
	if s.q.Tail > 0 {
		size = min(s.q.Tail, restPageSize)
	}
	since := s.q.Since
	until := time.Time{}
	if !s.q.Until.IsZero() {
		until = ceilMicro(s.q.Until)
	}
	var (
		pages       [][]LogLine // newest page first, each in the server's order
		n           int
		newestFirst bool
	)
	for {
		page, err := s.page(since, until, size)
		if err != nil {
			return nil, err
		}
		s.seen.restart()
		var lines []LogLine
		for _, it := range page.Items {
			l, err := it.line()
			if err != nil {
				return nil, &Error{Kind: Other, Op: s.op, Msg: err.Error()}
			}
			if s.inRange(l) && s.seen.fresh(l) {
				lines = append(lines, l)
			}
		}
		if len(lines) > 1 && lines[0].Time.After(lines[len(lines)-1].Time) {
			newestFirst = true
		}
		pages = append(pages, lines)
		n += len(lines)
		if s.q.Tail > 0 && n >= s.q.Tail || page.NextUntil == nil || *page.NextUntil == "" {
			break
		}
		next, err := parseRESTTime(*page.NextUntil)
		if err != nil {
			return nil, &Error{Kind: Other, Op: s.op, Msg: "the REST API's next_until is not an ISO-8601 time"}
		}
		if !since.IsZero() && !next.After(since) {
			break
		}
		overlap := ceilMicro(next.Add(time.Microsecond))
		switch {
		case until.IsZero() || overlap.Before(until):
			until = overlap
		case ceilMicro(next).Before(until):
			// The whole page shares one timestamp: step past it.
			until = ceilMicro(next)
		default:
			return nil, &Error{Kind: Other, Op: s.op, Msg: "the REST API's log pages do not move back in time"}
		}
	}
	// Lines sharing a timestamp keep the order they were written in only
	// if the pages are joined oldest first, each read in time order: a
	// server that lists a page newest first does so on every page.
	got := make([]LogLine, 0, n)
	for _, p := range slices.Backward(pages) {
		if newestFirst {
			slices.Reverse(p)
		}
		got = append(got, p...)
	}
	slices.SortStableFunc(got, func(a, b LogLine) int { return a.Time.Compare(b.Time) })
	if len(got) > 0 {
		s.oldest = got[0].Time
	}
	if s.q.Tail > 0 && len(got) > s.q.Tail {
		got = got[len(got)-s.q.Tail:]
	}
	if len(got) > 0 {
		s.newest = got[len(got)-1].Time
	}
	return got, nil
}

type restLogPage struct {
	Items     []restLogItem `json:"items"`
	NextUntil *string       `json:"next_until"`
}

// page reads one page of history. The reader retries it, as it reconnects
// its stream: a read that cannot reach the REST API, or that it answered
// 5xx, is tried again, but not one that timed out (the API is slow, and
// asking again multiplies the wait).
func (s *logReader) page(since, until time.Time, size int) (restLogPage, error) {
	q := s.params(since, until)
	q.Set("page_size", strconv.Itoa(size))
	for n := 0; ; n++ {
		var page restLogPage
		err := s.g.restJSON(s.ctx, s.op, http.MethodPost, []string{"logs", "history"}, q, &page)
		var e *Error
		if err == nil || !errors.As(err, &e) || e.Kind != Unavailable || e.timedOut() ||
			n+1 >= s.g.retry.attempts || !sleepCtx(s.ctx, s.g.retry.backoff(n)) {
			return page, err
		}
	}
}

// followFrom is where the live stream starts: a little before the newest
// line delivered (see restReplayWindow), but not before the oldest line
// the history read, since the lines before it were never seen and would
// come back as new. Nothing delivered: the history found no line at all,
// so the stream may start anywhere before the history was asked.
func (s *logReader) followFrom(delivered []LogLine, began time.Time) time.Time {
	from := streamStart(began.Add(-restFollowSkew))
	if len(delivered) > 0 {
		from = streamStart(s.newest.Add(-restReplayWindow))
		if oldest := ceilMicro(s.oldest); from.Before(oldest) {
			from = oldest
		}
	}
	if !s.q.Since.IsZero() && from.Before(s.q.Since) {
		from = s.q.Since
	}
	return from
}

// Recv returns the history's lines, then with Follow the stream's. It
// returns ctx's error once ctx has ended, whatever else happened.
func (s *logReader) Recv() (LogLine, error) {
	for {
		if err := s.ctx.Err(); err != nil {
			s.close()
			return LogLine{}, err
		}
		if len(s.pending) > 0 {
			l := s.pending[0]
			s.pending = s.pending[1:]
			return l, nil
		}
		if s.end != nil {
			return LogLine{}, s.end
		}
		if !s.q.Follow {
			s.end = io.EOF
			continue
		}
		l, err := s.next()
		if err != nil {
			s.close()
			s.end = err
			continue
		}
		return l, nil
	}
}

func (s *logReader) close() {
	if s.body != nil {
		s.body.Close()
		s.body, s.events = nil, nil
	}
}

// next returns the stream's next line not delivered yet, connecting again
// whenever the stream stops while the runner lives on.
func (s *logReader) next() (LogLine, error) {
	for {
		if s.events == nil {
			if err := s.connect(); err != nil {
				return LogLine{}, err
			}
		}
		ev, err := s.events.Next()
		if err != nil {
			s.close()
			if s.ctx.Err() != nil {
				return LogLine{}, s.ctx.Err()
			}
			if !errors.Is(err, io.EOF) {
				continue // cut off: connect again from where it was
			}
			if done, err := s.over(); done || err != nil {
				return LogLine{}, err
			}
			continue
		}
		switch ev.Name {
		case "error":
			// A server going down says so before it goes (the local
			// controller does), so one error is taken as a cut; the same
			// error on every connection is not one to wait out.
			s.errEvents++
			if s.errEvents >= restErrorEvents {
				return LogLine{}, &Error{Kind: Other, Op: s.op, Msg: "the REST API ended the log stream: " + clipDetail(ev.Data)}
			}
			s.close()
			continue
		case "message":
		default:
			continue
		}
		var it restLogItem
		if err := json.Unmarshal([]byte(ev.Data), &it); err != nil {
			return LogLine{}, &Error{Kind: Other, Op: s.op, Msg: "the REST API sent a log line that is not JSON", Err: err}
		}
		l, err := it.line()
		if err != nil {
			return LogLine{}, &Error{Kind: Other, Op: s.op, Msg: err.Error()}
		}
		if !s.inRange(l) || !s.seen.fresh(l) {
			continue
		}
		s.tries, s.errEvents = 0, 0
		if l.Time.After(s.newest) {
			s.newest = l.Time
			s.seen.trim(streamStart(s.newest.Add(-restReplayWindow)))
		}
		return l, nil
	}
}

// over tells, once a stream has ended cleanly, whether the logs are over:
// the range asked for is closed, or the runner has ended (or is gone).
// io.EOF says so.
func (s *logReader) over() (bool, error) {
	if !s.q.Until.IsZero() {
		return true, io.EOF
	}
	info, err := s.g.RunnerInfo(s.ctx, s.id)
	switch {
	case err == nil && !info.EndedAt.IsZero(), errors.Is(err, ErrNotFound):
		return true, io.EOF
	case err == nil, errors.Is(err, ErrUnavailable):
		return false, nil // alive, or not known yet: connect again
	case s.ctx.Err() != nil:
		return true, s.ctx.Err()
	}
	return true, err
}

// connect opens the stream from where the lines delivered so far end,
// waiting between attempts while the REST API cannot be reached or
// answers 5xx. Any other refusal ends the stream.
func (s *logReader) connect() error {
	if !s.newest.IsZero() {
		if from := streamStart(s.newest.Add(-restReplayWindow)); from.After(s.since) {
			s.since = from
		}
	}
	s.seen.trim(s.since)
	for {
		if s.tries > 0 && !sleepCtx(s.ctx, s.g.retry.backoff(s.tries-1)) {
			return s.ctx.Err()
		}
		s.tries++
		req, err := s.g.restRequest(s.ctx, s.op, http.MethodPost, []string{"logs", "stream"}, s.params(s.since, s.q.Until), "text/event-stream")
		var resp *http.Response
		if err == nil {
			resp, err = s.g.restSend(s.ctx, s.op, req)
		}
		switch {
		case s.ctx.Err() != nil:
			return s.ctx.Err()
		case err == nil:
			s.seen.restart()
			s.body, s.events = resp.Body, newSSEReader(resp.Body, maxSSELine)
			return nil
		case KindOf(err) != Unavailable:
			return err
		}
	}
}

// streamStart is the since that gets a stream every line from t on: a
// microsecond early at fal's precision, whether the server's since is
// inclusive or exclusive.
func streamStart(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond).Add(-time.Microsecond)
}

// lineSet counts lines by content (time, level, source, message) so that a
// request that starts early on purpose (a history page overlapping the one
// before, a stream reconnected a little back) can skip what it repeats.
// Identical lines are counted, so a line the program really wrote twice
// is delivered twice: a request repeats a line only while it has sent no
// more copies of it than were kept before.
type lineSet struct {
	seed  maphash.Seed
	kept  map[uint64]int // lines kept so far
	now   map[uint64]int // lines of the current request so far
	order []stampedKey   // kept lines, for trim
	floor int            // len(order) after the last full trim
}

type stampedKey struct {
	t time.Time
	k uint64
}

func newLineSet() *lineSet {
	return &lineSet{seed: maphash.MakeSeed(), kept: map[uint64]int{}, now: map[uint64]int{}}
}

func (s *lineSet) key(l LogLine) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	var ts [8]byte
	binary.LittleEndian.PutUint64(ts[:], uint64(l.Time.UnixNano()))
	h.Write(ts[:])
	for _, f := range [...]string{l.Level, l.Source, l.Message} {
		h.WriteString(strconv.Itoa(len(f)))
		h.WriteByte(':')
		h.WriteString(f)
	}
	return h.Sum64()
}

// restart begins a new request.
func (s *lineSet) restart() { clear(s.now) }

// fresh counts l as a line of the current request and reports whether it
// is new, keeping it if so.
func (s *lineSet) fresh(l LogLine) bool {
	k := s.key(l)
	s.now[k]++
	if s.now[k] <= s.kept[k] {
		return false
	}
	s.kept[k]++
	s.order = append(s.order, stampedKey{l.Time, k})
	return true
}

// trim forgets the lines before t, which no later request asks for again.
// It scans the kept lines only once their number has doubled, so a long
// stream pays a constant cost per line.
func (s *lineSet) trim(t time.Time) {
	if len(s.order) < 2*s.floor+1024 {
		return
	}
	keep := s.order[:0]
	for _, e := range s.order {
		if !e.t.Before(t) {
			keep = append(keep, e)
			continue
		}
		if s.kept[e.k]--; s.kept[e.k] <= 0 {
			delete(s.kept, e.k)
		}
		if s.now[e.k] > s.kept[e.k] {
			s.now[e.k] = s.kept[e.k]
		}
		if s.now[e.k] <= 0 {
			delete(s.now, e.k)
		}
	}
	clear(s.order[len(keep):])
	s.order = keep
	s.floor = len(keep)
}
