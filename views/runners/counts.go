package runners

import (
	"strconv"
	"strings"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/tui/theme"
)

// Counts is how many runners are in each group of states, grouped as fal's
// CLI summarises them.
type Counts struct {
	Running    int
	Idle       int
	Pending    int
	Setup      int // SETUP and DOCKER_PULL
	Backoff    int // FAILURE_DELAY: crashed during setup, waiting to retry
	Stopping   int // DRAINING and TERMINATING
	Terminated int
	Unknown    int
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
		switch r.State {
		case client.StateRunning:
			c.Running++
		case client.StateIdle:
			c.Idle++
		case client.StatePending:
			c.Pending++
		case client.StateSetup, client.StateDockerPull:
			c.Setup++
		case client.StateFailureDelay:
			c.Backoff++
		case client.StateDraining, client.StateTerminating:
			c.Stopping++
		case client.StateTerminated:
			c.Terminated++
		default:
			c.Unknown++
		}
	}
	return c
}

// Lost reports whether fal no longer sees r in its group
// (present_in_group false), as fal's CLI marks it. An ended runner is in
// no group: it is not lost.
func Lost(r client.Runner) bool {
	return r.PresentInGroup != nil && !*r.PresentInGroup && r.State != client.StateTerminated
}

// Live is the number of runners not terminated.
func (c Counts) Live() int {
	return c.Running + c.Idle + c.Pending + c.Setup + c.Backoff + c.Stopping + c.Unknown
}

// group is one part of the summary: a representative state for its glyph
// and style, and its label.
type group struct {
	state string
	label string
	n     int
}

func (c Counts) groups() []group {
	return []group{
		{"RUNNING", "running", c.Running},
		{"IDLE", "idle", c.Idle},
		{"PENDING", "pending", c.Pending},
		{"SETUP", "setting up", c.Setup},
		{"FAILURE_DELAY", "crash backoff", c.Backoff},
		{"DRAINING", "draining/terminating", c.Stopping},
	}
}

// summary is the line above the runners table, e.g.
// "3 live  ● 1 running  ○ 2 idle  ...", short enough for 120 columns. With
// showTerminated false the terminated runners were not asked for, so their
// count is a dash rather than a zero that would be a lie.
func summary(st *theme.Styles, c Counts, showTerminated bool) string {
	var b strings.Builder
	live := c.Live()
	b.WriteString(st.Summary.Render(strconv.Itoa(live) + " live"))
	for _, g := range c.groups() {
		b.WriteString("  ")
		b.WriteString(st.StateStyle(g.state).Render(theme.StateGlyph(g.state) + " " + strconv.Itoa(g.n) + " " + g.label))
	}
	if c.Unknown > 0 {
		b.WriteString("  " + st.StateStyle("UNKNOWN").Render("? "+strconv.Itoa(c.Unknown)+" unknown"))
	}
	if c.Lost > 0 {
		b.WriteString("  " + st.Lost.Render(theme.GlyphErr+" "+strconv.Itoa(c.Lost)+" lost"))
	}
	terminated := "-"
	if showTerminated {
		terminated = strconv.Itoa(c.Terminated)
	}
	b.WriteString("  " + st.StateStyle("TERMINATED").Render(theme.StateGlyph("TERMINATED")+" "+terminated+" terminated"))
	return b.String()
}
