// Package poll waits for a condition with a deadline. Tests use it to wait
// for what they expect to happen, never for a fixed time, so they run as
// fast as the machine allows and fail clearly on a slow one.
package poll

import (
	"testing"
	"time"
)

// Until calls cond every interval until it holds or within has passed,
// and reports whether it held.
func Until(within, every time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// Wait fails t at once unless cond holds within the given time, polled
// every interval; what names the awaited condition in the failure.
func Wait(t testing.TB, within, every time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Until(within, every, cond) {
		t.Fatalf("timed out after %s waiting for %s", within, what)
	}
}
