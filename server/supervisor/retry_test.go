package supervisor

import (
	"testing"
	"time"

	"github.com/faldash/faldash/client"
)

// TestBackoffListsItsRetry: a runner in crash backoff is listed with the
// time left before its retry as its countdown (it has no keep-alive), so
// that a client can say when it tries again.
func TestBackoffListsItsRetry(t *testing.T) {
	t.Parallel()
	const step = time.Hour // no retry while the test runs
	h := start(t, Config{BackoffStep: step, BackoffMax: step})
	h.deploy("main", "broken", helperCommand(t, "fail"), one())
	rs := h.waitRunners("main", "broken", "FAILURE_DELAY", func(rs []client.Runner) bool {
		return len(inState(rs, client.StateFailureDelay)) == 1
	})
	r := inState(rs, client.StateFailureDelay)[0]
	if r.ExpiresIn == nil || *r.ExpiresIn <= 0 || *r.ExpiresIn > step {
		t.Fatalf("crash backoff runner listed with countdown %v, want the time to its retry, at most %v", r.ExpiresIn, step)
	}
}
