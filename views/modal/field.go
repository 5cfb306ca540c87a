package modal

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/internal/ui/lineedit"
	"github.com/faldash/faldash/internal/ui/theme"
)

// FocusGlyph marks the focused field of a form, for terminals without
// colour.
const FocusGlyph = "›"

// Field is one labelled input of a form.
type Field struct {
	Label string
	Ed    lineedit.Editor
	Err   string // why the value is refused, "" when it is fine
	Mark  string // drawn after the input, e.g. the reset-on-deploy glyph
	Note  string // a hint drawn after the input when there is no error
}

// FieldLayout is how a form lines its fields up.
type FieldLayout struct {
	LabelWidth int
	InputWidth int
}

// Lines draws f in width cells: on one line if its error or note fits
// after the input, else with the error or note on a line of its own under
// the input, so that it is read whole.
func (l FieldLayout) Lines(st *theme.Styles, f *Field, focused bool, width int) []string {
	line := l.Line(st, f, focused)
	if ansi.StringWidth(line) <= width {
		return []string{line}
	}
	bare := *f
	bare.Err, bare.Note = "", ""
	indent := strings.Repeat(" ", 2+l.LabelWidth+2)
	var tail string
	if f.Err != "" {
		tail = st.FieldError.Render(theme.GlyphErr + " " + f.Err)
	} else {
		tail = st.Label.Render(f.Note)
	}
	out := []string{l.Line(st, &bare, focused)}
	for _, w := range Wrap(tail, max(1, width-len(indent))) {
		out = append(out, indent+w)
	}
	return out
}

// Line draws f on one line: focus glyph, label, the input in brackets (so
// its extent shows without colour), its mark, then its error or note.
func (l FieldLayout) Line(st *theme.Styles, f *Field, focused bool) string {
	glyph := " "
	if focused {
		glyph = st.Cursor.Render(FocusGlyph)
	}
	label := f.Label
	if w := ansi.StringWidth(label); w < l.LabelWidth {
		label += strings.Repeat(" ", l.LabelWidth-w)
	}
	in := f.Ed.View(st, l.InputWidth, focused)
	if w := ansi.StringWidth(in); w < l.InputWidth {
		in += strings.Repeat(" ", l.InputWidth-w)
	}
	mark := " "
	if f.Mark != "" {
		mark = st.ResetMark.Render(f.Mark)
	}
	line := glyph + " " + st.Label.Render(label) + " [" + in + "] " + mark
	switch {
	case f.Err != "":
		line += " " + st.FieldError.Render(theme.GlyphErr+" "+f.Err)
	case f.Note != "":
		line += " " + st.Label.Render(f.Note)
	}
	return line
}
