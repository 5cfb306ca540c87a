package server

import (
	"context"
	"time"

	"github.com/faldash/faldash/falpb"
)

// LogEntry is one line a runner process wrote.
type LogEntry struct {
	// Time is when the line was read, in microseconds and strictly
	// increasing per runner, so a timestamp can serve as a cursor that
	// neither skips nor repeats a line (fal's REST API pages by it).
	Time   time.Time
	Stream string // "stdout" or "stderr"
	Line   string
}

// LogQuery selects a runner's lines as fal's /logs endpoints do.
type LogQuery struct {
	// Since (inclusive) and Until (exclusive) bound the lines' times; zero
	// means open.
	Since, Until time.Time
	// Search keeps only lines containing it, ignoring case.
	Search string
}

// RunnerSpan is what fal's REST API reports of one runner: its lifetime
// bounds the logs fal's CLI asks for.
type RunnerSpan struct {
	ID    string
	Alias string
	State falpb.RunnerInfo_State
	// StartedAt is no later than the runner's first log line.
	StartedAt time.Time
	// EndedAt is zero while the runner lives; once it has ended, it is
	// later than its last log line.
	EndedAt time.Time
}

// RunnerLogReader is implemented by a Runtime that keeps its runners'
// output. fal's gRPC protocol has no call for logs: fal cloud serves them
// over REST, and so does the local controller (package server/rest). Every
// method answers an error wrapping ErrNoRunner for an unknown id.
type RunnerLogReader interface {
	// RunnerSpan says when runner id started and ended.
	RunnerSpan(id string) (RunnerSpan, error)
	// LogHistory returns the newest limit lines kept for runner id that q
	// selects (all of them when limit <= 0), oldest first, and whether
	// older ones that q selects remain.
	LogHistory(id string, q LogQuery, limit int) ([]LogEntry, bool, error)
	// FollowLogs sends the kept lines q selects, oldest first, then the
	// ones written later, until the runner's output has ended, a line
	// reaches q.Until (or the clock does), or ctx ends; then it closes the
	// channel.
	FollowLogs(ctx context.Context, id string, q LogQuery) (<-chan LogEntry, error)
}
