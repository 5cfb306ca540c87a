package supervisor

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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
	next    uint64 // sequence number of the next line
	refs    int    // open output streams, plus one while the runner lives
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

// tail returns the last n lines (all when n <= 0) and the sequence number
// after them.
func (b *logBuffer) tail(n int) ([]server.LogEntry, uint64) {
	b.mu.Lock()
	next, kept := b.next, b.n
	b.mu.Unlock()
	from := next - uint64(kept)
	if n > 0 && n < kept {
		from = next - uint64(n)
	}
	lines, upTo, _, _ := b.since(from)
	return lines, upTo
}

// follow sends lines from seq on until the buffer closes or ctx ends, then
// closes ch. A follower slower than the buffer's bounds skips what was
// dropped rather than holding the runner's output back.
func (b *logBuffer) follow(ctx context.Context, seq uint64, ch chan<- server.LogEntry) {
	defer close(ch)
	for {
		lines, next, closed, changed := b.since(seq)
		for _, l := range lines {
			select {
			case ch <- l:
			case <-ctx.Done():
				return
			}
		}
		seq = next
		if len(lines) > 0 {
			continue
		}
		if closed {
			return
		}
		select {
		case <-changed:
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

// RunnerLogs returns runner id's last tail lines and, with follow, a
// channel of the lines after them. The channel is closed once the runner
// has ended and its output is drained, or when ctx ends; a runner in
// FAILURE_DELAY keeps it open, since its next attempt writes to the same
// log.
func (s *Supervisor) RunnerLogs(ctx context.Context, id string, tail int, follow bool) ([]server.LogEntry, <-chan server.LogEntry, error) {
	s.mu.Lock()
	r := s.runners[id]
	s.mu.Unlock()
	if r == nil {
		return nil, nil, fmt.Errorf("runner %q: %w", id, server.ErrNoRunner)
	}
	lines, next := r.logs.tail(tail)
	if !follow {
		return lines, nil, nil
	}
	ch := make(chan server.LogEntry, 64)
	go r.logs.follow(ctx, next, ch)
	return lines, ch, nil
}
