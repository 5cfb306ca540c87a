package runners

import (
	"slices"
	"strings"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/internal/ui/table"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/views/format"
)

// retryWidth holds a retry countdown as format.Live writes it, up to
// "4m50s": the state column is sized from its cells, and the countdown is
// drawn over this room.
const retryWidth = 5

// stateCell is what a runner's state cell holds for sizing, filtering
// and marks: the state, and for a runner waiting to retry, room for its
// countdown, which only the live cell fills so that its ticking marks
// nothing.
func stateCell(st *theme.Styles, r *client.Runner) string {
	c := st.StateCell(cleanState(r), Lost(*r))
	if _, ok := RetryIn(*r, 0); ok {
		c += retryText(strings.Repeat(" ", retryWidth))
	}
	return c
}

// stateLive is the state cell as drawn: a runner in crash backoff says
// when it tries again, "↻ crash backoff · retry in 12s".
func stateLive(st *theme.Styles) func(*client.Runner, table.Clock) string {
	return func(r *client.Runner, c table.Clock) string {
		cell := st.StateCell(cleanState(r), Lost(*r))
		left, ok := RetryIn(*r, c.Elapsed())
		switch {
		case !ok:
			return cell
		case left <= 0:
			return cell + " · retrying"
		}
		return cell + retryText(format.Live(left))
	}
}

func retryText(left string) string { return " · retry in " + left }

// cleanState is r's state as drawn: a newer server's state is shown by
// its name, so it is sanitized like any server string.
func cleanState(r *client.Runner) string { return sanitize.String(string(r.State)) }

func uptimeCell(r *client.Runner, c table.Clock) string {
	up, ok := Uptime(*r, c.Elapsed())
	if !ok {
		return format.Dash
	}
	return format.Live(up)
}

func expiresCell(r *client.Runner, c table.Clock) string {
	left, ok := ExpiresIn(*r, c.Elapsed())
	if !ok {
		return format.Dash
	}
	return format.Live(left)
}

// Uptime is r's uptime elapsed after it was listed; false for a runner
// that has none to show: one waiting to start, or waiting to retry after
// its setup crashed, has never served. Only a runner with a process ages:
// an ended one keeps the uptime it was listed with.
func Uptime(r client.Runner, elapsed time.Duration) (time.Duration, bool) {
	switch r.State {
	case client.StatePending, client.StateFailureDelay:
		return 0, false
	case client.StateRunning, client.StateIdle, client.StateSetup, client.StateDockerPull,
		client.StateDraining, client.StateTerminating:
		return r.Uptime + max(0, elapsed), true
	}
	return r.Uptime, true
}

// ExpiresIn is r's keep-alive left elapsed after it was listed, floored at
// zero; false when r is not counting down. A runner in crash backoff
// counts down to its retry instead (see RetryIn): it has no keep-alive.
func ExpiresIn(r client.Runner, elapsed time.Duration) (time.Duration, bool) {
	if r.State == client.StateFailureDelay {
		return 0, false
	}
	return countdown(r, elapsed)
}

// RetryIn is how long a runner in crash backoff still waits before it
// tries its setup again, elapsed after it was listed; false for any other
// runner, or one whose controller gives no time. The controller sends it
// in expiration_countdown, the one countdown a runner has.
func RetryIn(r client.Runner, elapsed time.Duration) (time.Duration, bool) {
	if r.State != client.StateFailureDelay {
		return 0, false
	}
	return countdown(r, elapsed)
}

func countdown(r client.Runner, elapsed time.Duration) (time.Duration, bool) {
	if r.ExpiresIn == nil {
		return 0, false
	}
	return max(0, *r.ExpiresIn-max(0, elapsed)), true
}

// replacement says what a runner is doing in a replacement, in a word
// for its row and a sentence for its record. fal marks the old runner
// WILL_REPLACE (it serves until its replacement is ready, then drains)
// and the new one DID_REPLACE, and does not say which replaces which.
func replacement(s client.ReplaceState) (word, sentence string) {
	switch s {
	case client.WillReplace:
		return "being replaced", "being replaced: it serves until its replacement is ready, then drains"
	case client.DidReplace:
		return "replacement", "replacement: started to take over from an older runner"
	}
	return "", "no"
}

// stateOrder sorts states along the lifecycle, unknown ones last.
func stateOrder(s client.RunnerState) int {
	i := slices.Index(theme.RunnerStates(), string(s))
	if i < 0 {
		return len(theme.RunnerStates())
	}
	return i
}
