package supervisor

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/faldash/faldash/server"
)

// Bounds on what one runner's log keeps.
const (
	maxLineBytes = 8 << 10 // longer lines are cut, marked with an ellipsis
	maxLogBytes  = 2 << 20 // the oldest lines go first past this
)

// logBuffer keeps a runner's most recent output lines, across the
// processes of its slot, and wakes followers as lines arrive. It is closed
// once the runner has ended and its output is drained.
type logBuffer struct {
	mu      sync.Mutex
	ring    []server.LogEntry // capacity maxLines; oldest at head
	head    int
	n       int
	bytes   int
	next    uint64    // sequence number of the next line
	last    time.Time // the newest line's time, kept after it is dropped
	refs    int       // open output streams, plus one while the runner lives
	closed  bool
	changed chan struct{} // closed and replaced on every change
}

func newLogBuffer(maxLines int) *logBuffer {
	return &logBuffer{ring: make([]server.LogEntry, max(maxLines, 1)), refs: 1, changed: make(chan struct{})}
}

func (b *logBuffer) add(e server.LogEntry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	// fal's REST API pages by timestamp with an exclusive bound, so two
	// lines must never share one: the stdout and stderr readers race, and
	// the clock may step back.
	e.Time = e.Time.Truncate(time.Microsecond)
	if !e.Time.After(b.last) {
		e.Time = b.last.Add(time.Microsecond)
	}
	b.last = e.Time
	for b.n > 0 && (b.n == len(b.ring) || b.bytes+len(e.Line) > maxLogBytes) {
		b.bytes -= len(b.ring[b.head].Line)
		b.ring[b.head] = server.LogEntry{}
		b.head = (b.head + 1) % len(b.ring)
		b.n--
	}
	b.ring[(b.head+b.n)%len(b.ring)] = e
	b.n++
	b.bytes += len(e.Line)
	b.next++
	b.signal()
}

func (b *logBuffer) signal() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// hold counts n more output streams that will call release at their end.
func (b *logBuffer) hold(n int) {
	b.mu.Lock()
	b.refs += n
	b.mu.Unlock()
}

func (b *logBuffer) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.refs--; b.refs <= 0 && !b.closed {
		b.closed = true
		b.signal()
	}
}

// since returns the lines from sequence number seq on (or from the oldest
// kept), the sequence number after them, whether the buffer is closed, and
// a channel closed on the next change.
func (b *logBuffer) since(seq uint64) ([]server.LogEntry, uint64, bool, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	first := b.next - uint64(b.n)
	seq = max(seq, first)
	out := make([]server.LogEntry, 0, b.next-seq)
	for i := seq - first; i < uint64(b.n); i++ {
		out = append(out, b.ring[(b.head+int(i))%len(b.ring)])
	}
	return out, b.next, b.closed, b.changed
}

// logFilter is a server.LogQuery ready to test lines against.
type logFilter struct {
	since, until time.Time
	search       string // lower-cased
}

func newLogFilter(q server.LogQuery) logFilter {
	return logFilter{since: q.Since, until: q.Until, search: strings.ToLower(q.Search)}
}

// early reports whether e is before the range.
func (f logFilter) early(e server.LogEntry) bool { return e.Time.Before(f.since) }

// late reports whether e is at or past the range's end.
func (f logFilter) late(e server.LogEntry) bool { return !f.until.IsZero() && !e.Time.Before(f.until) }

func (f logFilter) matches(e server.LogEntry) bool {
	return f.search == "" || strings.Contains(strings.ToLower(e.Line), f.search)
}

// history returns the newest limit lines f selects (all when limit <= 0),
// oldest first, and whether older ones it selects remain. Lines are in
// time order, so the walk back stops at the range's start.
func (b *logBuffer) history(f logFilter, limit int) ([]server.LogEntry, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []server.LogEntry
	more := false
	for i := b.n - 1; i >= 0; i-- {
		e := b.ring[(b.head+i)%len(b.ring)]
		if f.early(e) {
			break
		}
		if f.late(e) || !f.matches(e) {
			continue
		}
		if limit > 0 && len(out) == limit {
			more = true
			break
		}
		out = append(out, e)
	}
	slices.Reverse(out)
	return out, more
}

// end returns the newest line's time and whether the buffer is closed.
func (b *logBuffer) end() (time.Time, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last, b.closed
}

// follow sends the lines f selects from seq on until the buffer closes, a
// line reaches f's end (or now does), or ctx ends; then it closes ch. A
// follower slower than the buffer's bounds skips what was dropped rather
// than holding the runner's output back.
func (b *logBuffer) follow(ctx context.Context, seq uint64, f logFilter, now func() time.Time, ch chan<- server.LogEntry) {
	defer close(ch)
	var deadline <-chan time.Time
	if !f.until.IsZero() {
		t := time.NewTimer(f.until.Sub(now()))
		defer t.Stop()
		deadline = t.C
	}
	for last := false; ; {
		lines, next, closed, changed := b.since(seq)
		for _, l := range lines {
			if f.late(l) {
				return
			}
			if f.early(l) || !f.matches(l) {
				continue
			}
			select {
			case ch <- l:
			case <-ctx.Done():
				return
			}
		}
		seq = next
		switch {
		case last:
			return
		case len(lines) > 0:
			continue
		case closed:
			return
		}
		select {
		case <-changed:
		case <-deadline:
			// One more pass for a line stamped before the end but
			// stored after the timer fired.
			last = true
		case <-ctx.Done():
			return
		}
	}
}

// readLines copies r's lines into b until r ends, then releases its hold.
func readLines(r io.Reader, stream string, b *logBuffer, now func() time.Time) {
	defer b.release()
	br := bufio.NewReaderSize(r, maxLineBytes)
	cut := false // the rest of an over-long line is being skipped
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 && !cut {
			line := string(bytes.TrimRight(chunk, "\r\n"))
			if errors.Is(err, bufio.ErrBufferFull) {
				line += "…"
			}
			// The lines travel in protobuf strings, which must be UTF-8.
			b.add(server.LogEntry{Time: now(), Stream: stream, Line: strings.ToValidUTF8(line, "\uFFFD")})
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			cut = true
		case err != nil:
			return
		default:
			cut = false
		}
	}
}

// runner returns runner id, which may have ended.
func (s *Supervisor) runner(id string) (*runner, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.runners[id]; r != nil {
		return r, nil
	}
	return nil, fmt.Errorf("runner %q: %w", id, server.ErrNoRunner)
}

// LogHistory returns the newest limit lines of runner id that q selects,
// oldest first, and whether older ones remain.
func (s *Supervisor) LogHistory(id string, q server.LogQuery, limit int) ([]server.LogEntry, bool, error) {
	r, err := s.runner(id)
	if err != nil {
		return nil, false, err
	}
	lines, more := r.logs.history(newLogFilter(q), limit)
	return lines, more, nil
}

// FollowLogs sends the lines of runner id that q selects, the kept ones
// first, until the runner's output ends (a runner in FAILURE_DELAY keeps
// it open: its next attempt writes to the same log), q.Until is reached,
// or ctx ends.
func (s *Supervisor) FollowLogs(ctx context.Context, id string, q server.LogQuery) (<-chan server.LogEntry, error) {
	r, err := s.runner(id)
	if err != nil {
		return nil, err
	}
	ch := make(chan server.LogEntry, 64)
	go r.logs.follow(ctx, 0, newLogFilter(q), s.now, ch)
	return ch, nil
}

// RunnerSpan reports runner id's lifetime. It starts when the runner slot
// was created, before any of its processes wrote a line; it ends once the
// runner has ended and its output is drained, after its last line, so a
// reader that bounds the logs by it misses nothing.
func (s *Supervisor) RunnerSpan(id string) (server.RunnerSpan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.runners[id]
	if r == nil {
		return server.RunnerSpan{}, fmt.Errorf("runner %q: %w", id, server.ErrNoRunner)
	}
	span := server.RunnerSpan{ID: r.id, Alias: r.alias, State: r.state, StartedAt: r.created.Truncate(time.Microsecond)}
	if last, drained := r.logs.end(); !r.live() && drained {
		span.EndedAt = r.endedAt.Truncate(time.Microsecond)
		if !span.EndedAt.After(last) {
			span.EndedAt = last.Add(time.Microsecond)
		}
	}
	return span, nil
}
