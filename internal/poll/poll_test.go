package poll

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestUntil(t *testing.T) {
	n := 0
	if !Until(time.Minute, time.Millisecond, func() bool { n++; return n == 3 }) || n != 3 {
		t.Errorf("held after %d calls, want 3", n)
	}
	if Until(5*time.Millisecond, time.Millisecond, func() bool { return false }) {
		t.Error("a condition that never holds was reported as held")
	}
}

// Wait returns once the condition holds, and fails the test, naming the
// condition, when it never does.
func TestWait(t *testing.T) {
	n := 0
	Wait(t, time.Minute, time.Millisecond, "a third call", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Errorf("returned after %d calls, want 3", n)
	}
	var rec recorder
	func() {
		// Fatalf ends a test's goroutine; the recorder stands for it here.
		defer func() { _ = recover() }()
		Wait(&rec, 5*time.Millisecond, time.Millisecond, "nothing", func() bool { return false })
	}()
	if !strings.Contains(rec.fatal, "waiting for nothing") {
		t.Errorf("failed with %q, want it to name the condition", rec.fatal)
	}
}

// recorder is a testing.TB whose Fatalf records its message and stops
// the caller by panicking, as FailNow stops a test's goroutine.
type recorder struct {
	testing.TB
	fatal string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	panic("Fatalf")
}
