// Package modal holds what faldash's dialogs and forms share: the box they
// are drawn in, buttons and fields that read without colour, and the y/n
// confirmation every destructive action goes through. The dialogs with more
// to them (deleting an environment, the scale form, ...) have packages of
// their own under views/.
package modal

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/tui/theme"
)

// Sizes of a box.
const (
	// Width is the width a dialog asks for; narrower bodies get less.
	Width = 76
	// chrome is what the border and padding take: 2 border + 2×2 padding
	// across, 2 border + 2 padding down.
	chromeW = 6
	chromeH = 4
	// minInner keeps a box usable on a narrow body; fitBlock cuts the rest.
	minInner = 14
)

// BoxWidth is the total width of a box that wants want cells in a body
// width cells wide.
func BoxWidth(width, want int) int { return max(minInner+chromeW, min(width, want)) }

// Inner is the room inside a box of total width w.
func Inner(w int) int { return max(minInner, w-chromeW) }

// Frame draws a box of total width w and at most h lines: the title
// (wrapped), a blank line, body, a blank line and foot. Lines wider than the box are
// cut; when the body does not fit, its end is cut and marked, and the
// title and foot (the question and the keys that answer it) stay.
func Frame(st *theme.Styles, w, h int, title string, body, foot []string) string {
	inner := Inner(w)
	titles := Wrap(title, inner)                      // a long runner id must not cut the question
	room := max(1, h-chromeH-len(titles)-1-len(foot)) // the title and one blank line
	if len(foot) > 0 {
		room-- // the blank line before the foot
	}
	if len(body) > room {
		body = append(body[:max(0, room-1):max(0, room-1)], st.Dim.Render("…"))
	}
	lines := make([]string, 0, len(titles)+2+len(body)+len(foot))
	lines = append(lines, titles...)
	lines = append(lines, "")
	lines = append(lines, body...)
	if len(foot) > 0 {
		lines = append(lines, "")
		lines = append(lines, foot...)
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, inner, "…")
	}
	return st.ModalBox.Width(inner + chromeW - 2).Render(strings.Join(lines, "\n"))
}

// Wrap breaks text into lines of at most width cells.
func Wrap(text string, width int) []string {
	return strings.Split(ansi.Wrap(text, max(1, width), " -"), "\n")
}

// Buttons draws a row of buttons, the focused one (index focus; -1 for
// none) in brackets so that focus shows without colour.
func Buttons(st *theme.Styles, focus int, labels ...string) string {
	parts := make([]string, len(labels))
	for i, l := range labels {
		if i == focus {
			parts[i] = st.ButtonFocused.Render("[" + l + "]")
		} else {
			parts[i] = st.Button.Render(" " + l + " ")
		}
	}
	return strings.Join(parts, " ")
}

// Check draws an option as a checkbox: "[x] label" or "[ ] label".
func Check(st *theme.Styles, on bool, label string) string {
	box := "[ ]"
	if on {
		box = "[x]"
	}
	return st.Input.Render(box) + " " + label
}
