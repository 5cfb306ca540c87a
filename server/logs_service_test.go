package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/faldash/faldash/localpb"
)

// logRuntime is a fakeRuntime that also keeps output: lines[id] are the
// kept lines of runner id, and a follower receives what feed sends until
// end closes it.
type logRuntime struct {
	fakeRuntime
	mu        sync.Mutex
	lines     map[string][]LogEntry
	followers []chan LogEntry
	following chan struct{} // gets a value each time a follower subscribes
}

func newLogRuntime() *logRuntime {
	return &logRuntime{lines: map[string][]LogEntry{}, following: make(chan struct{}, 8)}
}

func (r *logRuntime) RunnerLogs(ctx context.Context, id string, tail int, follow bool) ([]LogEntry, <-chan LogEntry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	kept, ok := r.lines[id]
	if !ok {
		return nil, nil, fmt.Errorf("logs of %s: %w", id, ErrNoRunner)
	}
	if tail > 0 && tail < len(kept) {
		kept = kept[len(kept)-tail:]
	}
	kept = append([]LogEntry(nil), kept...)
	if !follow {
		return kept, nil, nil
	}
	ch := make(chan LogEntry, 16)
	r.followers = append(r.followers, ch)
	r.following <- struct{}{}
	return kept, ch, nil
}

func (r *logRuntime) feed(e LogEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ch := range r.followers {
		ch <- e
	}
}

func (r *logRuntime) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ch := range r.followers {
		close(ch)
	}
	r.followers = nil
}

var logEpoch = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func entries(n int) []LogEntry {
	out := make([]LogEntry, n)
	for i := range out {
		stream := "stdout"
		if i%2 == 1 {
			stream = "stderr"
		}
		out[i] = LogEntry{Time: logEpoch.Add(time.Duration(i) * time.Second), Stream: stream, Line: fmt.Sprintf("line %d", i)}
	}
	return out
}

func startLogs(t *testing.T) (*harness, *logRuntime, localpb.LocalControllerClient) {
	t.Helper()
	rt := newLogRuntime()
	rt.lines["r-1"] = entries(5)
	h := start(t, func(c *Config) { c.Runtime = rt })
	return h, rt, localpb.NewLocalControllerClient(h.conn)
}

// recvAll reads a stream to its end.
func recvAll(t *testing.T, s interface {
	Recv() (*localpb.RunnerLogLine, error)
}) ([]*localpb.RunnerLogLine, error) {
	t.Helper()
	var out []*localpb.RunnerLogLine
	for {
		m, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
}

func TestRunnerLogsTail(t *testing.T) {
	h, _, cl := startLogs(t)
	for _, tc := range []struct {
		tail  int32
		first int
	}{{0, 0}, {2, 3}, {5, 0}, {50, 0}, {-1, 0}} {
		s, err := cl.RunnerLogs(h.ctx(), &localpb.RunnerLogsRequest{RunnerId: "r-1", Tail: tc.tail})
		if err != nil {
			t.Fatal(err)
		}
		got, err := recvAll(t, s)
		if err != nil {
			t.Fatalf("tail %d: %v", tc.tail, err)
		}
		want := entries(5)[tc.first:]
		if len(got) != len(want) {
			t.Fatalf("tail %d: %d lines, want %d", tc.tail, len(got), len(want))
		}
		for i, l := range got {
			w := want[i]
			if l.GetLine() != w.Line || l.GetStream() != w.Stream || !l.GetTime().AsTime().Equal(w.Time) {
				t.Errorf("tail %d, line %d: %v, want %+v", tc.tail, i, l, w)
			}
		}
	}
}

func TestRunnerLogsFollow(t *testing.T) {
	h, rt, cl := startLogs(t)
	s, err := cl.RunnerLogs(h.ctx(), &localpb.RunnerLogsRequest{RunnerId: "r-1", Tail: 1, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Recv()
	if err != nil || first.GetLine() != "line 4" {
		t.Fatalf("first line %v, %v", first, err)
	}
	<-rt.following
	rt.feed(LogEntry{Time: logEpoch, Stream: "stdout", Line: "new line"})
	m, err := s.Recv()
	if err != nil || m.GetLine() != "new line" {
		t.Fatalf("followed line %v, %v", m, err)
	}
	rt.end()
	if rest, err := recvAll(t, s); err != nil || len(rest) != 0 {
		t.Fatalf("after the output ended: %v, %v", rest, err)
	}
}

func TestRunnerLogsFollowEndsWithCaller(t *testing.T) {
	h, rt, cl := startLogs(t)
	ctx, cancel := context.WithCancel(h.ctx())
	s, err := cl.RunnerLogs(ctx, &localpb.RunnerLogsRequest{RunnerId: "r-1", Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	<-rt.following
	cancel()
	_, err = recvAll(t, s)
	wantCode(t, err, codes.Canceled)
}

func TestRunnerLogsErrors(t *testing.T) {
	h, _, cl := startLogs(t)
	_, err := recvAll(t, must(cl.RunnerLogs(h.ctx(), &localpb.RunnerLogsRequest{RunnerId: "r-9"})).get(t))
	wantCode(t, err, codes.NotFound, "r-9")
	_, err = recvAll(t, must(cl.RunnerLogs(h.ctx(), &localpb.RunnerLogsRequest{})).get(t))
	wantCode(t, err, codes.InvalidArgument, "runner_id")

	// The controller's key checks cover this service too.
	_, err = recvAll(t, must(cl.RunnerLogs(t.Context(), &localpb.RunnerLogsRequest{RunnerId: "r-1"})).get(t))
	wantCode(t, err, codes.Unauthenticated)
	id, _ := h.ctl.AdminKey()
	_, err = recvAll(t, must(cl.RunnerLogs(withKey(t.Context(), id, "wrong"), &localpb.RunnerLogsRequest{RunnerId: "r-1"})).get(t))
	wantCode(t, err, codes.Unauthenticated)
	if err := h.ctl.Keys().Add(Key{ID: "ro", Secret: "ro-secret", Scope: ScopeReadOnly}); err != nil {
		t.Fatal(err)
	}
	_, err = recvAll(t, must(cl.RunnerLogs(withKey(t.Context(), "ro", "ro-secret"), &localpb.RunnerLogsRequest{RunnerId: "r-1"})).get(t))
	wantCode(t, err, codes.PermissionDenied)
}

func TestRunnerLogsUnimplementedWithoutLogSource(t *testing.T) {
	h := start(t, func(c *Config) { c.Runtime = &fakeRuntime{} })
	cl := localpb.NewLocalControllerClient(h.conn)
	_, err := recvAll(t, must(cl.RunnerLogs(h.ctx(), &localpb.RunnerLogsRequest{RunnerId: "r-1"})).get(t))
	wantCode(t, err, codes.Unimplemented)
}
