package supervisor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/server"
)

// TestRunnerLogs reads a real runner's output: all of it, a tail, and a
// follow that sees the shutdown lines and ends when the runner does.
func TestRunnerLogs(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	if err := h.cl.SetSecret(h.ctx(), "main", "API_TOKEN", "do-not-print-me", nil); err != nil {
		t.Fatal(err)
	}
	h.deploy("main", "chatty", helperCommand(t, "serve"), one())
	r := h.waitRunners("main", "chatty", "one IDLE runner", idle(1))[0]

	var all []server.LogEntry
	eventually(t, "the line saying the runner listens", func() bool {
		var err error
		all, _, err = h.sup.LogHistory(string(r.ID), server.LogQuery{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(all, func(l server.LogEntry) bool {
			return l.Stream == "stdout" && strings.HasPrefix(l.Line, "FAL_RUNNER_STATE=RUNNING: listening")
		})
	})
	for _, l := range all {
		if strings.Contains(l.Line, "do-not-print-me") || l.Time.IsZero() {
			t.Errorf("log line %+v", l)
		}
	}
	tail, more, err := h.sup.LogHistory(string(r.ID), server.LogQuery{}, 2)
	if err != nil || !more || !slices.Equal(tail, all[len(all)-2:]) {
		t.Errorf("tail 2 = %+v, more %v, %v; want %+v", tail, more, err, all[len(all)-2:])
	}

	// A follow from just after the last line seen gets only what comes next.
	follow, err := h.sup.FollowLogs(h.ctx(), string(r.ID), server.LogQuery{Since: all[len(all)-1].Time.Add(time.Microsecond)})
	if err != nil {
		t.Fatalf("follow: %v", err)
	}
	if err := h.cl.StopRunner(h.ctx(), r.ID, false); err != nil {
		t.Fatal(err)
	}
	var after []string
	timeout := time.After(waitLimit)
	for done := false; !done; {
		select {
		case l, ok := <-follow:
			if !ok {
				done = true
				break
			}
			after = append(after, l.Line)
		case <-timeout:
			t.Fatalf("the follow did not end with the runner; got %q", after)
		}
	}
	if !slices.ContainsFunc(after, func(l string) bool { return strings.HasPrefix(l, "handle_exit:") }) {
		t.Errorf("the follow missed the shutdown lines: %q", after)
	}
	if got, _ := find(h.runners("main", "chatty"), r.ID); got.State != client.StateTerminated {
		t.Errorf("the follow ended while the runner is %s", got.State)
	}

	if _, _, err := h.sup.LogHistory("no-such-runner", server.LogQuery{}, 0); !errors.Is(err, server.ErrNoRunner) {
		t.Errorf("logs of an unknown runner: %v", err)
	}
}

func entry(line string) server.LogEntry { return server.LogEntry{Stream: "stdout", Line: line} }

func lineTexts(es []server.LogEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Line
	}
	return out
}

func TestLogBufferKeepsTheNewestLines(t *testing.T) {
	b := newLogBuffer(3)
	for i := range 5 {
		b.add(entry(fmt.Sprint(i)))
	}
	got, next := b.tail(0)
	if want := []string{"2", "3", "4"}; !slices.Equal(lineTexts(got), want) || next != 5 {
		t.Errorf("tail(0) = %q, %d; want %q, 5", lineTexts(got), next, want)
	}
	if got, _ := b.tail(2); !slices.Equal(lineTexts(got), []string{"3", "4"}) {
		t.Errorf("tail(2) = %q", lineTexts(got))
	}
	if got, _ := b.tail(10); len(got) != 3 {
		t.Errorf("tail(10) = %q", lineTexts(got))
	}
	// A follower behind what is kept skips to the oldest kept line.
	if got, _, _, _ := b.since(0); !slices.Equal(lineTexts(got), []string{"2", "3", "4"}) {
		t.Errorf("since(0) = %q", lineTexts(got))
	}

	big := newLogBuffer(1000)
	line := strings.Repeat("x", maxLineBytes)
	for range maxLogBytes/maxLineBytes + 10 {
		big.add(entry(line))
	}
	if got, _ := big.tail(0); len(got)*maxLineBytes > maxLogBytes {
		t.Errorf("%d lines of %d bytes kept, over the %d-byte bound", len(got), maxLineBytes, maxLogBytes)
	}
}

func TestReadLines(t *testing.T) {
	b := newLogBuffer(100)
	b.hold(1)
	long := strings.Repeat("y", maxLineBytes+100)
	in := "first\r\n" + long + "\nbad \xff byte\nno newline at the end"
	readLines(strings.NewReader(in), "stderr", b, time.Now)
	got, _ := b.tail(0)
	want := []string{"first", strings.Repeat("y", maxLineBytes) + "…", "bad \uFFFD byte", "no newline at the end"}
	if !slices.Equal(lineTexts(got), want) {
		t.Errorf("lines %q, want %q", lineTexts(got), want)
	}
	for _, e := range got {
		if e.Stream != "stderr" || e.Time.IsZero() {
			t.Errorf("entry %+v", e)
		}
	}
	// The runner still lives: the buffer stays open.
	if _, _, closed, _ := b.since(0); closed {
		t.Error("the log closed while its runner lives")
	}
	b.release()
	if _, _, closed, _ := b.since(0); !closed {
		t.Error("the log is open after its runner and output ended")
	}
}

func TestFollowEndsWithContext(t *testing.T) {
	b := newLogBuffer(10)
	ctx, cancel := context.WithCancel(t.Context())
	ch := make(chan server.LogEntry)
	go b.follow(ctx, 0, logFilter{}, time.Now, ch)
	b.add(entry("one"))
	if l := <-ch; l.Line != "one" {
		t.Fatalf("followed %q", l.Line)
	}
	cancel()
	for range ch {
	}
}

// Lines written at the same instant, or with a clock that stepped back,
// still get strictly increasing times, to the microsecond.
func TestLogTimesStrictlyIncrease(t *testing.T) {
	b := newLogBuffer(10)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	for _, at := range []time.Time{t0, t0, t0.Add(-time.Second), t0.Add(time.Millisecond)} {
		b.add(server.LogEntry{Time: at, Stream: "stdout", Line: "x"})
	}
	got, _ := b.tail(0)
	us := t0.Truncate(time.Microsecond)
	want := []time.Time{us, us.Add(time.Microsecond), us.Add(2 * time.Microsecond), us.Add(time.Millisecond)}
	for i, e := range got {
		if !e.Time.Equal(want[i]) {
			t.Errorf("line %d at %s, want %s", i, e.Time.Format(time.RFC3339Nano), want[i].Format(time.RFC3339Nano))
		}
	}
}

// stampedBuffer holds lines "0".."n-1", line i at base+i seconds, with
// "odd" in the odd ones.
func stampedBuffer(n int, base time.Time) *logBuffer {
	b := newLogBuffer(n)
	for i := range n {
		line := fmt.Sprint(i)
		if i%2 == 1 {
			line += " ODD"
		}
		b.add(server.LogEntry{Time: base.Add(time.Duration(i) * time.Second), Stream: "stdout", Line: line})
	}
	return b
}

func TestLogHistory(t *testing.T) {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }
	b := stampedBuffer(10, base)
	for _, tc := range []struct {
		name  string
		q     server.LogQuery
		limit int
		want  []string
		more  bool
	}{
		{"all", server.LogQuery{}, 0, []string{"0", "1 ODD", "2", "3 ODD", "4", "5 ODD", "6", "7 ODD", "8", "9 ODD"}, false},
		{"newest page", server.LogQuery{}, 3, []string{"7 ODD", "8", "9 ODD"}, true},
		{"exact fit", server.LogQuery{}, 10, lineTexts(b.ring), false},
		{"since inclusive, until exclusive", server.LogQuery{Since: at(2), Until: at(5)}, 0, []string{"2", "3 ODD", "4"}, false},
		{"page of a range", server.LogQuery{Since: at(2), Until: at(8)}, 2, []string{"6", "7 ODD"}, true},
		{"last page of a range", server.LogQuery{Since: at(2), Until: at(4)}, 2, []string{"2", "3 ODD"}, false},
		{"search ignores case", server.LogQuery{Search: "odd"}, 2, []string{"7 ODD", "9 ODD"}, true},
		{"search in range", server.LogQuery{Search: "Odd", Until: at(4)}, 5, []string{"1 ODD", "3 ODD"}, false},
		{"empty range", server.LogQuery{Since: at(4), Until: at(4)}, 5, nil, false},
		{"before everything", server.LogQuery{Until: at(0)}, 5, nil, false},
	} {
		got, more := b.history(newLogFilter(tc.q), tc.limit)
		if !slices.Equal(lineTexts(got), tc.want) || more != tc.more {
			t.Errorf("%s: %q, more %v; want %q, more %v", tc.name, lineTexts(got), more, tc.want, tc.more)
		}
	}
}

// A follow with a range starts at its start and ends at a line past its
// end, even while the runner lives.
func TestFollowRange(t *testing.T) {
	base := time.Now().Add(-time.Hour).Truncate(time.Microsecond)
	b := stampedBuffer(4, base)
	ch := make(chan server.LogEntry)
	f := newLogFilter(server.LogQuery{Since: base.Add(time.Second), Until: base.Add(5 * time.Second), Search: "odd"})
	// The follow's clock stays inside the range, so only a line at its end
	// can end it (with the real clock, an hour past the range, the follow
	// could end before the live line arrives).
	inRange := func() time.Time { return base.Add(2 * time.Second) }
	go b.follow(t.Context(), 0, f, inRange, ch)
	if l := <-ch; l.Line != "1 ODD" {
		t.Fatalf("first line %q", l.Line)
	}
	if l := <-ch; l.Line != "3 ODD" {
		t.Fatalf("second line %q", l.Line)
	}
	b.add(server.LogEntry{Time: base.Add(4 * time.Second), Stream: "stderr", Line: "4 odd"})
	if l := <-ch; l.Line != "4 odd" {
		t.Fatalf("live line %q", l.Line)
	}
	b.add(server.LogEntry{Time: base.Add(5 * time.Second), Stream: "stdout", Line: "5 odd"})
	if l, ok := <-ch; ok {
		t.Fatalf("line %q at the range's end was sent", l.Line)
	}
}

// A follow whose end is reached by the clock, with no line past it, ends
// too.
func TestFollowEndsAtUntil(t *testing.T) {
	b := newLogBuffer(10)
	now := time.Now()
	b.add(server.LogEntry{Time: now.Add(-time.Second), Stream: "stdout", Line: "before"})
	ch := make(chan server.LogEntry)
	go b.follow(t.Context(), 0, newLogFilter(server.LogQuery{Until: now.Add(50 * time.Millisecond)}), time.Now, ch)
	if l := <-ch; l.Line != "before" {
		t.Fatalf("followed %q", l.Line)
	}
	for l := range ch {
		t.Errorf("line %q after the end", l.Line)
	}
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
