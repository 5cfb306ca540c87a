package theme

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// RunnerStates lists fal's runner states in lifecycle order, as the server
// spells them. Any other string is drawn as an unknown state.
func RunnerStates() []string {
	return []string{
		"PENDING", "DOCKER_PULL", "SETUP", "IDLE", "RUNNING",
		"DRAINING", "TERMINATING", "TERMINATED", "FAILURE_DELAY", "UNKNOWN",
	}
}

// stateLook is how one runner state is told apart: word and glyph work
// without colour, the colour helps when there is one.
type stateLook struct {
	word  string
	glyph string
	color func(Theme) lipgloss.AdaptiveColor
	bold  bool
	means string // for the legend of the `?` help
}

func lookOf(state string) (stateLook, bool) {
	switch state {
	case "RUNNING":
		return stateLook{"running", "●", func(t Theme) lipgloss.AdaptiveColor { return t.Success }, true, "serving at least one request"}, true
	case "IDLE":
		return stateLook{"idle", "○", func(t Theme) lipgloss.AdaptiveColor { return t.Info }, false, "ready, no request in flight"}, true
	case "PENDING":
		return stateLook{"pending", "◌", func(t Theme) lipgloss.AdaptiveColor { return t.Muted }, false, "waiting for a machine"}, true
	case "SETUP":
		return stateLook{"setting up", "◐", func(t Theme) lipgloss.AdaptiveColor { return t.Warning }, false, "running the app's setup, no requests yet"}, true
	case "DOCKER_PULL":
		return stateLook{"pulling image", "↓", func(t Theme) lipgloss.AdaptiveColor { return t.Warning }, false, "downloading the app's container image"}, true
	case "DRAINING":
		// The other half of SETUP's ◐: a runner emptying, as one setting up
		// fills. ▽ and ▼ read as the tables' sort order.
		return stateLook{"draining", "◑", func(t Theme) lipgloss.AdaptiveColor { return t.Stopping }, false, "finishing its requests, taking no new ones"}, true
	case "TERMINATING":
		return stateLook{"terminating", "⊘", func(t Theme) lipgloss.AdaptiveColor { return t.Stopping }, false, "stopping, within its grace period"}, true
	case "TERMINATED":
		return stateLook{"terminated", "✕", func(t Theme) lipgloss.AdaptiveColor { return t.Faint }, false, "ended"}, true
	case "FAILURE_DELAY":
		// fal's CLI calls it this; "failure delay" would hide that it crashed.
		return stateLook{"crash backoff", "↻", func(t Theme) lipgloss.AdaptiveColor { return t.Danger }, true, "failed; tried again after a growing wait"}, true
	case "UNKNOWN", "":
		return stateLook{"unknown", "?", func(t Theme) lipgloss.AdaptiveColor { return t.Muted }, false, "a state the controller did not name"}, true
	}
	return stateLook{}, false
}

// StateWord is the word shown for a runner state. A state this version does
// not know (a newer server) is shown lower-cased rather than hidden; the
// caller must have sanitized it.
func StateWord(state string) string {
	if l, ok := lookOf(state); ok {
		return l.word
	}
	return strings.ToLower(strings.ReplaceAll(state, "_", " "))
}

// StateGlyph is the one-cell glyph shown before a runner state's word.
func StateGlyph(state string) string {
	if l, ok := lookOf(state); ok {
		return l.glyph
	}
	return "?"
}

// StateLegend says what each runner state means, in lifecycle order, each
// drawn as the dashboard draws it, for the `?` help.
func (s *Styles) StateLegend() Legend {
	l := Legend{Title: "runner states"}
	for _, st := range RunnerStates() {
		look, _ := lookOf(st)
		l.Marks = append(l.Marks, Mark{Glyph: s.State(st), Meaning: look.means})
	}
	l.Marks = append(l.Marks, Mark{Glyph: s.Lost.Render("lost"), Meaning: "no longer in its app's group"})
	return l
}

// StateLabel is a runner state as every part of the dashboard names it:
// its glyph and word, "● running".
func StateLabel(state string) string { return StateGlyph(state) + " " + StateWord(state) }

// StateStyle is the style of a runner state's glyph and word.
func (s *Styles) StateStyle(state string) lipgloss.Style {
	if _, ok := lookOf(state); !ok || state == "" {
		state = "UNKNOWN"
	}
	return s.states[state]
}

// State renders a runner state as "glyph word" in its style, e.g. "● running".
func (s *Styles) State(state string) string {
	return s.StateStyle(state).Render(StateLabel(state))
}

// stateCell names a runner state as a table draws it.
type stateCell struct {
	state string
	lost  bool
}

// StateCell is State, followed by a "lost" mark for a runner fal no
// longer sees in its group. Every known state is rendered once, when the
// Styles are built: a table of many runners draws the same few strings,
// and rendering them per row was most of a refresh. Safe for concurrent
// use, as snapshots are built off the UI goroutine.
func (s *Styles) StateCell(state string, lost bool) string {
	if c, ok := s.stateCells[stateCell{state, lost}]; ok {
		return c
	}
	return s.renderStateCell(state, lost)
}

func (s *Styles) renderStateCell(state string, lost bool) string {
	c := s.State(state)
	if lost {
		c += " " + s.Lost.Render("lost")
	}
	return c
}
