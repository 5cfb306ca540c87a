package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeLogs stands in for fal's log endpoints (/logs/history, /logs/stream
// and /runners/{id}) over one runner's lines, with knobs for the ways a
// real server is awkward.
type fakeLogs struct {
	mu      sync.Mutex
	lines   []restLogItem // in the order they were written
	ended   bool
	changed chan struct{}

	maxPage     int  // page_size is capped at this; 0: not capped
	newestFirst bool // a page lists its lines newest first
	cutAfter    int  // a stream is cut after this many events; 0: never
	endStreams  bool // a stream ends cleanly once it has sent what there is
	streamFails []int
	errorEvents []string // one connection each answers with this error event

	streams []url.Values // the query of every stream request
	history []url.Values
}

// logT0 is the time of the fake's first lines: now, since a follow with no
// history asks for the lines of the last minute.
var logT0 = time.Now().UTC().Truncate(time.Second)

func newFakeLogs(t testing.TB) (*fakeLogs, *GRPC) {
	f := &fakeLogs{changed: make(chan struct{})}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, dialREST(t, srv.URL, DialOptions{})
}

// add writes lines; each is "µs offset from logT0 / level / message".
func (f *fakeLogs) add(lines ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range lines {
		parts := strings.SplitN(l, "/", 3)
		us, _ := strconv.Atoi(parts[0])
		f.lines = append(f.lines, restLogItem{
			Timestamp: logT0.Add(time.Duration(us) * time.Microsecond).Format(time.RFC3339Nano),
			Level:     parts[1], Message: parts[2],
		})
	}
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *fakeLogs) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = true
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *fakeLogs) streamQueries() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.streams)
}

func (f *fakeLogs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case r.URL.Path == "/runners/r-1":
		f.mu.Lock()
		ended := f.ended
		f.mu.Unlock()
		if ended {
			io.WriteString(w, `{"started_at":"2026-05-06T07:08:09Z","ended_at":"2026-05-06T08:00:00Z"}`)
		} else {
			io.WriteString(w, `{"started_at":"2026-05-06T07:08:09Z","ended_at":null}`)
		}
	case q.Get("job_id") != "r-1" || r.Method != http.MethodPost:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"detail":"no such job"}`)
	case r.URL.Path == "/logs/history":
		f.serveHistory(w, q)
	case r.URL.Path == "/logs/stream":
		f.serveStream(w, r, q)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// matching is the lines in q's range and search, in the order written.
func itemTime(it restLogItem) time.Time {
	t, err := time.Parse(time.RFC3339Nano, it.Timestamp)
	if err != nil {
		panic(err)
	}
	return t
}

func (f *fakeLogs) matching(q url.Values) []restLogItem {
	bound := func(name string) time.Time {
		t, _ := time.Parse(time.RFC3339Nano, q.Get(name))
		return t
	}
	since, until := bound("since"), bound("until")
	var out []restLogItem
	for _, it := range f.lines {
		ts := itemTime(it)
		if (since.IsZero() || !ts.Before(since)) && (until.IsZero() || ts.Before(until)) &&
			strings.Contains(it.Message, q.Get("search")) {
			out = append(out, it)
		}
	}
	return out
}

func (f *fakeLogs) serveHistory(w http.ResponseWriter, q url.Values) {
	f.mu.Lock()
	f.history = append(f.history, q)
	lines := f.matching(q)
	f.mu.Unlock()
	slices.SortStableFunc(lines, func(a, b restLogItem) int { return itemTime(a).Compare(itemTime(b)) })
	size, _ := strconv.Atoi(q.Get("page_size"))
	if f.maxPage > 0 {
		size = min(size, f.maxPage)
	}
	var resp struct {
		Items     []restLogItem `json:"items"`
		NextUntil *string       `json:"next_until"`
	}
	resp.Items = lines[max(len(lines)-size, 0):]
	if len(resp.Items) < len(lines) {
		resp.NextUntil = &resp.Items[0].Timestamp
	}
	if f.newestFirst {
		slices.Reverse(resp.Items)
	}
	json.NewEncoder(w).Encode(resp)
}

func (f *fakeLogs) serveStream(w http.ResponseWriter, r *http.Request, q url.Values) {
	f.mu.Lock()
	f.streams = append(f.streams, q)
	var errorEvent string
	if len(f.errorEvents) > 0 {
		errorEvent = f.errorEvents[0]
		f.errorEvents = f.errorEvents[1:]
	}
	if len(f.streamFails) > 0 {
		code := f.streamFails[0]
		f.streamFails = f.streamFails[1:]
		f.mu.Unlock()
		w.WriteHeader(code)
		io.WriteString(w, `{"detail":"stream refused"}`)
		return
	}
	f.mu.Unlock()
	if r.Header.Get("Accept") != "text/event-stream" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	fl := w.(http.Flusher)
	io.WriteString(w, ": connected\r\n\r\n")
	fl.Flush()
	if errorEvent != "" {
		fmt.Fprintf(w, "event: error\ndata: %s\n\n", errorEvent)
		return
	}
	sent, events := 0, 0
	for {
		f.mu.Lock()
		lines, ended, changed := f.matching(q), f.ended, f.changed
		f.mu.Unlock()
		for _, it := range lines[sent:] {
			if f.cutAfter > 0 && events == f.cutAfter {
				fl.Flush()
				panic(http.ErrAbortHandler) // the connection drops mid-stream
			}
			b, _ := json.Marshal(it)
			// The item split over two data lines, as SSE allows.
			fmt.Fprintf(w, "data: %s\ndata: %s\n\n", b[:1], b[1:])
			sent++
			events++
		}
		io.WriteString(w, ": keepalive\n\n")
		fl.Flush()
		if ended || f.endStreams {
			return
		}
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		}
	}
}

// recvN receives n lines, failing the test on any error.
func recvN(t *testing.T, s LogStream, n int) []LogLine {
	t.Helper()
	var out []LogLine
	for len(out) < n {
		l, err := s.Recv()
		if err != nil {
			t.Fatalf("after %d of %d lines: %v", len(out), n, err)
		}
		out = append(out, l)
	}
	return out
}

// openLogs opens runner r-1's logs as q asks, failing the test if it
// cannot.
func openLogs(t *testing.T, g *GRPC, q LogQuery) LogStream {
	t.Helper()
	s, err := g.RunnerLogs(withDeadline(t), "r-1", q)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// followFails follows the last line of runner r-1's logs and wants the
// stream, after that line, to end with an error of kind that mentions
// what.
func followFails(t *testing.T, g *GRPC, kind error, what string) {
	t.Helper()
	s := openLogs(t, g, LogQuery{Tail: 1, Follow: true})
	recvN(t, s, 1)
	_, err := s.Recv()
	wantErrKind(t, err, kind, what)
}

func recvAll(s LogStream) ([]LogLine, error) {
	var out []LogLine
	for {
		l, err := s.Recv()
		if err != nil {
			return out, err
		}
		out = append(out, l)
	}
}

// texts is each line as "µs/level/message", the form fakeLogs.add takes.
func texts(lines []LogLine) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = fmt.Sprintf("%d/%s/%s", l.Time.Sub(logT0).Microseconds(), l.Level, l.Message)
	}
	return out
}

// manyLines is n lines, three to a timestamp 10µs apart, so pages split
// timestamps.
func manyLines(from, n int) []string { return spacedLines(from, n, 10*time.Microsecond) }

func spacedLines(from, n int, step time.Duration) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%d/info/line %d", (time.Duration((from+i)/3) * step).Microseconds(), from+i)
	}
	return out
}

func withDeadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestLogsHistoryTailAndRange(t *testing.T) {
	f, g := newFakeLogs(t)
	f.maxPage, f.newestFirst = 4, true
	all := manyLines(0, 25)
	f.add(all...)
	f.add("240/INFO/line 24") // the program wrote the same line twice at once
	all = append(all, "240/info/line 24")
	for _, tc := range []struct {
		name string
		q    LogQuery
		want []string
	}{
		{"tail", LogQuery{Tail: 10}, all[len(all)-10:]},
		{"all", LogQuery{}, all},
		{"tail over all", LogQuery{Tail: 100}, all},
		{"range", LogQuery{Since: logT0.Add(20 * time.Microsecond), Until: logT0.Add(60 * time.Microsecond)}, all[6:18]},
		{"tail of range", LogQuery{Tail: 5, Until: logT0.Add(60 * time.Microsecond)}, all[13:18]},
		{"search", LogQuery{Search: "line 2"}, []string{all[2], all[20], all[21], all[22], all[23], all[24], all[25]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openLogs(t, g, tc.q)
			got, err := recvAll(s)
			if !errors.Is(err, io.EOF) {
				t.Fatalf("end: %v", err)
			}
			if !slices.Equal(texts(got), tc.want) {
				t.Fatalf("lines\n%q\nwant\n%q", texts(got), tc.want)
			}
			for _, l := range got {
				if l.Source != "user" || l.Time.Location() != time.UTC {
					t.Fatalf("line %+v", l)
				}
			}
		})
	}
}

func TestLogsHistoryRequests(t *testing.T) {
	f, g := newFakeLogs(t)
	f.add(manyLines(0, 3)...)
	since := time.Date(2026, 5, 6, 9, 8, 9, 123456789, time.FixedZone("CEST", 2*3600))
	s := openLogs(t, g, LogQuery{Tail: 7, Search: "a b&c", Since: since, Until: since.Add(time.Hour)})
	if _, err := recvAll(s); !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	q := f.history[0]
	want := url.Values{"job_id": {"r-1"}, "search": {"a b&c"}, "page_size": {"7"},
		"since": {"2026-05-06T07:08:09.123456Z"}, "until": {"2026-05-06T08:08:09.123457Z"}}
	if fmt.Sprint(q) != fmt.Sprint(want) {
		t.Fatalf("history query %v, want %v", q, want)
	}
}

func TestLogsRefuseBadQueries(t *testing.T) {
	f, g := newFakeLogs(t)
	for _, q := range []LogQuery{{Tail: -1}, {Since: logT0, Until: logT0}, {Since: logT0, Until: logT0.Add(-time.Second)}} {
		_, err := g.RunnerLogs(t.Context(), "r-1", q)
		wantErrKind(t, err, ErrInvalid)
	}
	_, err := g.RunnerLogs(t.Context(), "", LogQuery{})
	wantErrKind(t, err, ErrInvalid, "no runner id")
	if len(f.history) != 0 {
		t.Fatal("a refused query was sent")
	}
	_, err = g.RunnerLogs(t.Context(), "r-2", LogQuery{})
	wantErrKind(t, err, ErrNotFound, "no such job")
}

func TestLogsHistoryThatDoesNotMoveBackIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"items":[{"timestamp":"2026-05-06T07:08:09Z","level":"info","message":"x"}],"next_until":"2026-05-06T07:08:10Z"}`)
	}))
	defer srv.Close()
	_, err := dialREST(t, srv.URL, DialOptions{}).RunnerLogs(withDeadline(t), "r-1", LogQuery{})
	wantErrKind(t, err, errOther, "do not move back")
}

func TestLogsHistoryBadLine(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"items":[{"timestamp":"noon","level":"info","message":"x"}]}`)
	}))
	defer srv.Close()
	_, err := dialREST(t, srv.URL, DialOptions{}).RunnerLogs(withDeadline(t), "r-1", LogQuery{})
	wantErrKind(t, err, errOther, `"noon"`)
}

// The follow delivers every line exactly once and in order across streams
// cut every few events, lines sharing timestamps and lines written twice.
// The lines are 400ms apart, so that a reconnection's replay of the last
// second (restReplayWindow) leaves room for new lines before the next cut.
func TestLogsFollowAcrossCutStreams(t *testing.T) {
	f, g := newFakeLogs(t)
	f.maxPage, f.cutAfter = 4, 12
	const step = 400 * time.Millisecond
	f.add(spacedLines(0, 10, step)...)
	s := openLogs(t, g, LogQuery{Tail: 4, Follow: true})
	want := spacedLines(6, 4, step)
	if got := texts(recvN(t, s, 4)); !slices.Equal(got, want) {
		t.Fatalf("tail %q, want %q", got, want)
	}
	for round := range 3 {
		more := spacedLines(10+round*7, 7, step)
		more = append(more, more[6]) // written twice at once
		f.add(more...)
		if got := texts(recvN(t, s, len(more))); !slices.Equal(got, more) {
			t.Fatalf("round %d: %q, want %q", round, got, more)
		}
	}
	if n := len(f.streamQueries()); n < 4 {
		t.Fatalf("%d stream connections; the cuts did not happen", n)
	}
	f.end()
	if l, err := s.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the runner ended: %+v, %v", l, err)
	}
	if _, err := s.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("the end is not sticky: %v", err)
	}
}

// A stream that ends cleanly while the runner lives is connected again.
func TestLogsFollowReconnectsAfterCleanEndWhileAlive(t *testing.T) {
	f, g := newFakeLogs(t)
	f.endStreams = true
	s := openLogs(t, g, LogQuery{Follow: true})
	for i := range 3 {
		f.add(fmt.Sprintf("%d/info/line %d", i*10, i))
		if got := texts(recvN(t, s, 1)); got[0] != fmt.Sprintf("%d/info/line %d", i*10, i) {
			t.Fatalf("line %d: %q", i, got)
		}
	}
	if n := len(f.streamQueries()); n < 2 {
		t.Fatalf("%d stream connections", n)
	}
	f.end()
	if _, err := s.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the runner ended: %v", err)
	}
}

func TestLogsFollowStartsWhereHistoryEnds(t *testing.T) {
	f, g := newFakeLogs(t)
	f.add("1000/info/old", "2000000/info/older than the window", "9000000/info/newest")
	for _, tc := range []struct {
		tail  int
		since time.Duration
	}{
		// A little before the newest line, to catch lines that arrive late
		{3, 9*time.Second - restReplayWindow - time.Microsecond},
		// but never before the oldest line the history read (the one
		// written by the first case).
		{1, 9*time.Second + time.Microsecond},
	} {
		before := len(f.streamQueries())
		s := openLogs(t, g, LogQuery{Tail: tc.tail, Follow: true})
		recvN(t, s, tc.tail)
		f.add(fmt.Sprintf("%d/info/next %d", 9000001+before, tc.tail))
		if got := texts(recvN(t, s, 1)); got[0] != fmt.Sprintf("%d/info/next %d", 9000001+before, tc.tail) {
			t.Fatalf("next line %q", got)
		}
		since, _ := time.Parse(time.RFC3339Nano, f.streamQueries()[before].Get("since"))
		if want := logT0.Add(tc.since); !since.Equal(want) {
			t.Fatalf("tail %d: stream since %v, want %v", tc.tail, since, want)
		}
	}
}

func TestLogsFollowWithoutHistory(t *testing.T) {
	f, g := newFakeLogs(t)
	began := time.Now()
	s := openLogs(t, g, LogQuery{Tail: 5, Follow: true, Search: "needle"})
	f.add("5/info/hay", "6/warning/a needle")
	got := recvN(t, s, 1)
	if texts(got)[0] != "6/warning/a needle" || got[0].Level != "warning" {
		t.Fatalf("line %+v", got)
	}
	q := f.streamQueries()[0]
	since, err := time.Parse(time.RFC3339Nano, q.Get("since"))
	if err != nil || since.After(began) || q.Get("search") != "needle" {
		t.Fatalf("stream query %v", q)
	}
}

func TestLogsFollowRetriesRefusedConnections(t *testing.T) {
	f, g := newFakeLogs(t)
	f.streamFails = []int{http.StatusServiceUnavailable, http.StatusBadGateway}
	f.add("1/info/a")
	s := openLogs(t, g, LogQuery{Follow: true})
	recvN(t, s, 1)
	f.add("2/info/b")
	if got := texts(recvN(t, s, 1)); got[0] != "2/info/b" {
		t.Fatalf("%q", got)
	}
	if n := len(f.streamQueries()); n != 3 {
		t.Fatalf("%d stream requests, want 3", n)
	}

	f.mu.Lock()
	f.streamFails = []int{http.StatusUnauthorized}
	f.mu.Unlock()
	followFails(t, g, ErrUnauthenticated, "stream refused")
}

// An error event is taken as a cut (a server that shuts down sends one),
// unless it comes again on every connection.
func TestLogsFollowErrorEvent(t *testing.T) {
	f, g := newFakeLogs(t)
	f.errorEvents = []string{"the controller is shutting down"}
	f.add("1/info/a")
	s := openLogs(t, g, LogQuery{Follow: true})
	f.add("2/info/b")
	if got := texts(recvN(t, s, 2)); !slices.Equal(got, []string{"1/info/a", "2/info/b"}) {
		t.Fatalf("%q", got)
	}

	f.mu.Lock()
	f.errorEvents = slices.Repeat([]string{"log store unavailable"}, restErrorEvents)
	f.mu.Unlock()
	followFails(t, g, errOther, "log store unavailable")
}

func TestLogsFollowEndsWithContext(t *testing.T) {
	f, g := newFakeLogs(t)
	f.add("1/info/a")
	ctx, cancel := context.WithCancel(withDeadline(t))
	s, err := g.RunnerLogs(ctx, "r-1", LogQuery{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	recvN(t, s, 1)
	f.add("2/info/b")
	if got := texts(recvN(t, s, 1)); got[0] != "2/info/b" {
		t.Fatalf("%q", got)
	}
	// Now the stream is open and waits for lines: the cancel must end it.
	done := make(chan error, 1)
	go func() {
		_, err := s.Recv()
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Recv after cancel: %v", err)
	}
}

// BenchmarkLogsHistory10000 reads 10,000 lines of history in pages of
// 1,000, fal's CLI's page size.
func BenchmarkLogsHistory10000(b *testing.B) {
	f, g := newFakeLogs(b)
	lines := make([]string, 10000)
	for i := range lines {
		lines[i] = fmt.Sprintf("%d/info/GET /predict 200 in %d ms, request %d", i*7, i%300, i)
	}
	f.add(lines...)
	ctx := b.Context()
	for b.Loop() {
		s, err := g.RunnerLogs(ctx, "r-1", LogQuery{})
		if err != nil {
			b.Fatal(err)
		}
		got, err := recvAll(s)
		if !errors.Is(err, io.EOF) || len(got) != 10000 {
			b.Fatalf("%d lines, %v", len(got), err)
		}
	}
}

func TestLogsFollowWithinRangeEndsWithTheStream(t *testing.T) {
	f, g := newFakeLogs(t)
	f.endStreams = true
	f.add("10/info/a", "20/info/b", "60/info/c")
	s := openLogs(t, g, LogQuery{Tail: 1, Follow: true, Until: logT0.Add(50 * time.Microsecond)})
	got, err := recvAll(s)
	if !errors.Is(err, io.EOF) || !slices.Equal(texts(got), []string{"20/info/b"}) {
		t.Fatalf("lines %q, %v", texts(got), err)
	}
	if q := f.streamQueries(); len(q) != 1 || q[0].Get("until") == "" {
		t.Fatalf("stream queries %v", q)
	}
}

func TestLineSet(t *testing.T) {
	line := func(ms int, msg string) LogLine {
		return LogLine{Time: logT0.Add(time.Duration(ms) * time.Millisecond), Level: "info", Source: "user", Message: msg}
	}
	s := newLineSet()
	for i, want := range []bool{true, true, true} { // a line written twice, then another
		if got := s.fresh(line(1, []string{"a", "a", "b"}[i])); got != want {
			t.Fatalf("first request, line %d: fresh %v", i, got)
		}
	}
	s.restart()
	for i, l := range []LogLine{line(1, "a"), line(1, "a"), line(1, "a"), line(1, "b"), line(2, "b"), line(1, "c")} {
		// The request repeats a twice and b once; the third a and the
		// rest are new.
		if got, want := s.fresh(l), i >= 2 && i != 3; got != want {
			t.Fatalf("second request, line %d: fresh %v", i, got)
		}
	}

	s = newLineSet()
	for i := range 3000 {
		s.fresh(line(i, "x"))
	}
	s.trim(logT0.Add(2000 * time.Millisecond))
	if len(s.order) != 1000 || len(s.kept) != 1000 {
		t.Fatalf("after trim: %d in order, %d kept", len(s.order), len(s.kept))
	}
	s.restart()
	if !s.fresh(line(10, "x")) || s.fresh(line(2500, "x")) {
		t.Fatal("trim forgot the wrong lines")
	}
	// Trimming again right away costs nothing: the kept lines have not
	// doubled.
	s.trim(logT0.Add(2900 * time.Millisecond))
	if len(s.order) != 1001 {
		t.Fatalf("a second trim scanned: %d left", len(s.order))
	}
}
