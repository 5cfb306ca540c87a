// Package modal holds what faldash's dialogs and forms share: the box they
// are drawn in, buttons and fields that read without colour, and the y/n
// confirmation every destructive action goes through. The dialogs with more
// to them (deleting an environment, the scale form, ...) have packages of
// their own under views/.
package modal

import (
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/internal/ui/theme"
)

// Sizes of a box.
const (
	// Width is the width a dialog asks for; narrower bodies get less.
	Width = 76
	// chrome is what the border and padding take: 2 border + 2×2 padding
	// across, 2 border + 2 padding down.
	chromeW = 6
	chromeH = 4
	borderH = 2
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
// cut; when the body does not fit, the box first drops its blank padding
// above and below, then cuts the body's end and marks it, and the title
// and foot (the question and the keys that answer it) stay. A dialog
// that must keep some of its body in view sizes it with Room.
func Frame(st *theme.Styles, w, h int, title string, body, foot []string) string {
	inner := Inner(w)
	titles := Wrap(title, inner) // a long runner id must not cut the question
	room, tight := layout(h, len(titles), len(body), len(foot))
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
	box := st.ModalBox
	if tight {
		box = box.PaddingTop(0).PaddingBottom(0)
	}
	return box.Width(inner + chromeW - 2).Render(strings.Join(lines, "\n"))
}

// Room is how many lines of body a Frame of total size w×h shows whole,
// with the given title and foot.
func Room(w, h int, title string, foot []string) int {
	room, _ := layout(h, len(Wrap(title, Inner(w))), math.MaxInt, len(foot))
	return room
}

// layout is the room for the body in a box h lines high, and whether the
// box drops its padding above and below to make it.
func layout(h, titles, body, foot int) (room int, tight bool) {
	used := titles + 1 // the title and one blank line
	if foot > 0 {
		used += 1 + foot // a blank line and the foot
	}
	room = h - chromeH - used
	if body > room {
		return max(1, room+chromeH-borderH), true
	}
	return max(1, room), false
}

// Window is room lines of lines that show lines[first:last] (a focused
// field), with a line saying there is more above or below in place of
// the lines that don't show.
func Window(st *theme.Styles, lines []string, first, last, room int) []string {
	if len(lines) <= room {
		return lines
	}
	above, below := st.Dim.Render("  ↑ more above"), st.Dim.Render("  ↓ more below")
	n := room - 1
	switch {
	case room < 3:
		return lines[first:min(last, first+max(1, room))]
	case last <= n:
		return append(lines[:n:n], below)
	case first >= len(lines)-n:
		return append([]string{above}, lines[len(lines)-n:]...)
	}
	n = room - 2
	top := max(1, min(first-(n-(last-first))/2, len(lines)-n-1))
	out := append([]string{above}, lines[top:top+n]...)
	return append(out, below)
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
