package server

import (
	"context"
	"time"
)

// LogEntry is one line a runner process wrote.
type LogEntry struct {
	Time   time.Time
	Stream string // "stdout" or "stderr"
	Line   string
}

// RunnerLogSource is implemented by a Runtime that keeps its runners'
// output. fal's protocol has no call for logs (fal cloud serves them over
// REST), so the local controller offers them through its own small service
// beside IsolateController.
type RunnerLogSource interface {
	// RunnerLogs returns up to tail of the most recent lines kept for
	// runner id (tail <= 0: all kept lines). With follow, it also returns a
	// channel of the lines written after those, closed when the runner's
	// output ends or ctx is done; without follow the channel is nil. An
	// unknown id is an error wrapping ErrNoRunner.
	RunnerLogs(ctx context.Context, id string, tail int, follow bool) ([]LogEntry, <-chan LogEntry, error)
}
