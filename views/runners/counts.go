package runners

import (
	"slices"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ui/theme"
)

// Counts is how many runners are in each state. The summary and the
// history name each count with its state's word and glyph, as the rows
// do, so that "2 draining" counts the rows that say "draining".
type Counts struct {
	Running     int
	Idle        int
	Pending     int
	DockerPull  int
	Setup       int
	Backoff     int // FAILURE_DELAY: crashed during setup, waiting to retry
	Draining    int
	Terminating int
	Terminated  int
	Unknown     int
	// Lost counts the runners above (in whatever state) that fal no longer
	// sees in their group.
	Lost int
}

// Count sorts runners into Counts.
func Count(rs []client.Runner) Counts {
	var c Counts
	for _, r := range rs {
		if Lost(r) {
			c.Lost++
		}
		if n := c.of(string(r.State)); n != nil {
			*n++
		} else {
			c.Unknown++
		}
	}
	return c
}

// of is the count of a state, nil for one this version does not know.
func (c *Counts) of(state string) *int {
	switch client.RunnerState(state) {
	case client.StateRunning:
		return &c.Running
	case client.StateIdle:
		return &c.Idle
	case client.StatePending:
		return &c.Pending
	case client.StateDockerPull:
		return &c.DockerPull
	case client.StateSetup:
		return &c.Setup
	case client.StateFailureDelay:
		return &c.Backoff
	case client.StateDraining:
		return &c.Draining
	case client.StateTerminating:
		return &c.Terminating
	case client.StateTerminated:
		return &c.Terminated
	case "UNKNOWN":
		return &c.Unknown
	}
	return nil
}

// Of is how many runners are in state, as theme.RunnerStates spells it.
func (c Counts) Of(state string) int {
	if n := c.of(state); n != nil {
		return *n
	}
	return 0
}

// Lost reports whether fal no longer sees r in its group
// (present_in_group false), as fal's CLI marks it. An ended runner is in
// no group: it is not lost.
func Lost(r client.Runner) bool {
	return r.PresentInGroup != nil && !*r.PresentInGroup && r.State != client.StateTerminated
}

// Live is the number of runners not terminated.
func (c Counts) Live() int {
	return c.Running + c.Idle + c.Pending + c.DockerPull + c.Setup + c.Backoff + c.Draining + c.Terminating + c.Unknown
}

// liveStates are the states the summary and the history count, serving
// ones first, as fal's CLI counts them, then along the lifecycle.
// TERMINATED is shown apart: it may not have been asked for.
func liveStates() []string {
	return []string{
		string(client.StateRunning), string(client.StateIdle), string(client.StatePending),
		string(client.StateDockerPull), string(client.StateSetup), string(client.StateFailureDelay),
		string(client.StateDraining), string(client.StateTerminating), "UNKNOWN",
	}
}

// always are the states the summary counts even at zero, as fal's CLI
// does: how many runners serve, wait and start. The others (image pulls,
// crash backoff, stopping, states this version does not know) pass or
// are trouble, and appear while some runner is in them.
func always(state string) bool {
	switch client.RunnerState(state) {
	case client.StateRunning, client.StateIdle, client.StatePending, client.StateSetup:
		return true
	}
	return false
}

// stateCount is "glyph N word" in the state's style, e.g. "● 2 running".
func stateCount(st *theme.Styles, state, n string) string {
	return st.StateStyle(state).Render(theme.StateGlyph(state) + " " + n + " " + theme.StateWord(state))
}

// summary is the line above the runners table, e.g.
// "3 live  ● 1 running  ○ 2 idle  ...", no wider than width where it can
// be: the states counted even at zero give way first when they are zero,
// the last first, so that what is there (a crash backoff, lost runners)
// stays in view. With showTerminated false the terminated runners were not
// asked for, so their count says they are hidden rather than a zero that
// would be a lie.
func summary(st *theme.Styles, c Counts, showTerminated bool, width int) string {
	type part struct {
		text     string
		zeroKept bool // an always-counted state at zero: gives way first
	}
	parts := []part{{text: st.Summary.Render(strconv.Itoa(c.Live()) + " live")}}
	for _, s := range liveStates() {
		if n := c.Of(s); n > 0 || always(s) {
			parts = append(parts, part{stateCount(st, s, strconv.Itoa(n)), n == 0})
		}
	}
	if c.Lost > 0 {
		parts = append(parts, part{text: st.Lost.Render(theme.GlyphErr + " " + strconv.Itoa(c.Lost) + " lost")})
	}
	ended := string(client.StateTerminated)
	if showTerminated {
		parts = append(parts, part{text: stateCount(st, ended, strconv.Itoa(c.Terminated))})
	} else {
		parts = append(parts, part{text: st.StateStyle(ended).Render(theme.StateLabel(ended) + " hidden")})
	}
	line := func() string {
		texts := make([]string, len(parts))
		for i, p := range parts {
			texts[i] = p.text
		}
		return strings.Join(texts, "  ")
	}
	for ansi.StringWidth(line()) > width {
		i := len(parts) - 1
		for i >= 0 && !parts[i].zeroKept {
			i--
		}
		if i < 0 {
			break // the caller cuts the rest
		}
		parts = slices.Delete(parts, i, i+1)
	}
	return line()
}
