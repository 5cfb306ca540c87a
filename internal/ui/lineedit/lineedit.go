// Package lineedit is the one-line text editor of faldash: the command
// line, the filter and every field of its forms. (bubbles' textinput would
// pull in a clipboard module the build does not carry, and its blinking
// cursor would redraw an idle screen.)
//
// An Editor can mask its text, for secret values: View then draws one
// bullet per rune, and Wipe overwrites the runes before dropping them so a
// value typed into a form does not linger in the model's memory.
package lineedit

import (
	"strings"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/internal/ui/theme"
)

// MaskRune is drawn for every rune of a masked editor.
const MaskRune = '•'

// cursorGlyph is the cursor at the end of the text: a block that shows
// without colour.
const cursorGlyph = "█"

// Editor is a line of text with a cursor. The zero value is an empty,
// unmasked editor.
type Editor struct {
	value []rune
	pos   int // cursor, in runes
	// Masked draws bullets instead of the text.
	Masked bool
	// Limit, when above zero, is the most runes the line may hold.
	Limit int
}

// SetValue replaces the text and puts the cursor at its end.
func (e *Editor) SetValue(s string) {
	e.Wipe()
	e.value = []rune(s)
	e.pos = len(e.value)
}

// Value is the text.
func (e *Editor) Value() string { return string(e.value) }

// Len is the text's length in runes.
func (e *Editor) Len() int { return len(e.value) }

// Wipe overwrites the text before emptying it: a masked value should not
// stay readable in memory the editor no longer uses.
func (e *Editor) Wipe() {
	clear(e.value[:cap(e.value)]) // edits leave old runes past the end too
	e.value, e.pos = e.value[:0], 0
}

// Update edits the line with one key and reports whether the text changed.
// Keys that are not editing keys are ignored.
func (e *Editor) Update(k tea.KeyMsg) bool {
	before := len(e.value)
	changed := false
	switch k.Type {
	case tea.KeyRunes, tea.KeySpace:
		changed = e.insert(k.Runes)
	case tea.KeyBackspace, tea.KeyCtrlH:
		if e.pos > 0 {
			e.value = append(e.value[:e.pos-1], e.value[e.pos:]...)
			e.pos--
		}
	case tea.KeyDelete, tea.KeyCtrlD:
		if e.pos < len(e.value) {
			e.value = append(e.value[:e.pos], e.value[e.pos+1:]...)
		}
	case tea.KeyCtrlU:
		e.value, e.pos = append(e.value[:0], e.value[e.pos:]...), 0
	case tea.KeyCtrlK:
		e.value = e.value[:e.pos]
	case tea.KeyCtrlW:
		start := e.pos
		for start > 0 && unicode.IsSpace(e.value[start-1]) {
			start--
		}
		for start > 0 && !unicode.IsSpace(e.value[start-1]) {
			start--
		}
		e.value, e.pos = append(e.value[:start], e.value[e.pos:]...), start
	case tea.KeyLeft, tea.KeyCtrlB:
		e.pos = max(0, e.pos-1)
	case tea.KeyRight, tea.KeyCtrlF:
		e.pos = min(len(e.value), e.pos+1)
	case tea.KeyHome, tea.KeyCtrlA:
		e.pos = 0
	case tea.KeyEnd, tea.KeyCtrlE:
		e.pos = len(e.value)
	}
	return changed || len(e.value) != before
}

// insert adds printable runes at the cursor; control characters (a pasted
// escape sequence) are dropped.
func (e *Editor) insert(rs []rune) bool {
	clean := make([]rune, 0, len(rs))
	for _, r := range rs {
		if unicode.IsPrint(r) || r == ' ' {
			clean = append(clean, r)
		}
	}
	if e.Limit > 0 {
		clean = clean[:max(0, min(len(clean), e.Limit-len(e.value)))]
	}
	if len(clean) == 0 {
		return false
	}
	n := len(e.value)
	if need := n + len(clean); need > cap(e.value) {
		// Grow by hand so that the old array can be wiped: a masked value
		// must not be left behind in memory append would abandon.
		grown := make([]rune, n, max(2*need, 16))
		copy(grown, e.value)
		clear(e.value[:cap(e.value)])
		e.value = grown
	}
	e.value = e.value[:n+len(clean)]
	copy(e.value[e.pos+len(clean):], e.value[e.pos:n])
	copy(e.value[e.pos:], clean)
	e.pos += len(clean)
	clear(clean)
	return true
}

// View draws the text in at most width cells, scrolled so the cursor stays
// in sight. Focused, the cursor is a block (or the rune under it drawn as
// selected); unfocused, there is none. The text must be printable, as
// Update keeps it.
func (e *Editor) View(st *theme.Styles, width int, focused bool) string {
	if width <= 0 {
		return ""
	}
	runes := e.value
	if e.Masked {
		runes = []rune(strings.Repeat(string(MaskRune), len(e.value)))
	}
	if !focused {
		return ansi.Truncate(st.Input.Render(string(runes)), width, "…")
	}
	before, after := string(runes[:e.pos]), string(runes[e.pos:])
	cursor := st.Cursor.Render(cursorGlyph)
	if after != "" {
		r := []rune(after)
		cursor, after = st.SelectedRow.Render(string(r[0])), string(r[1:])
	}
	room := width - 1
	if w := ansi.StringWidth(before); w > room && room > 0 {
		before = ansi.TruncateLeft(before, w-room+1, "…") // +1: the ellipsis takes a cell
	}
	return ansi.Truncate(st.Input.Render(before)+cursor+st.Input.Render(after), width, "…")
}
