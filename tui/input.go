package tui

import (
	"strings"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/tui/theme"
)

// lineInput is the one-line editor of the command line and the filter.
// (bubbles' textinput would pull in a clipboard module the build does not
// carry, and its blinking cursor would redraw an idle screen.)
type lineInput struct {
	prompt      string
	value       []rune
	pos         int      // cursor, in runes
	suggestions []string // completed by tab, by unique prefix
}

func (in *lineInput) reset(prompt, value string, suggestions []string) {
	in.prompt, in.value, in.suggestions = prompt, []rune(value), suggestions
	in.pos = len(in.value)
}

func (in *lineInput) Value() string { return string(in.value) }

// update edits the line with one key and reports whether the value changed.
func (in *lineInput) update(k tea.KeyMsg) bool {
	before := string(in.value)
	switch k.Type {
	case tea.KeyRunes, tea.KeySpace:
		in.insert(k.Runes)
	case tea.KeyBackspace, tea.KeyCtrlH:
		if in.pos > 0 {
			in.value = append(in.value[:in.pos-1], in.value[in.pos:]...)
			in.pos--
		}
	case tea.KeyDelete, tea.KeyCtrlD:
		if in.pos < len(in.value) {
			in.value = append(in.value[:in.pos], in.value[in.pos+1:]...)
		}
	case tea.KeyCtrlU:
		in.value, in.pos = in.value[in.pos:], 0
	case tea.KeyCtrlW:
		start := in.pos
		for start > 0 && unicode.IsSpace(in.value[start-1]) {
			start--
		}
		for start > 0 && !unicode.IsSpace(in.value[start-1]) {
			start--
		}
		in.value, in.pos = append(in.value[:start], in.value[in.pos:]...), start
	case tea.KeyLeft, tea.KeyCtrlB:
		in.pos = max(0, in.pos-1)
	case tea.KeyRight, tea.KeyCtrlF:
		in.pos = min(len(in.value), in.pos+1)
	case tea.KeyHome, tea.KeyCtrlA:
		in.pos = 0
	case tea.KeyEnd, tea.KeyCtrlE:
		in.pos = len(in.value)
	case tea.KeyTab:
		in.complete()
	}
	return string(in.value) != before
}

func (in *lineInput) insert(rs []rune) {
	clean := make([]rune, 0, len(rs))
	for _, r := range rs {
		if unicode.IsPrint(r) || r == ' ' {
			clean = append(clean, r)
		}
	}
	tail := append([]rune(nil), in.value[in.pos:]...)
	in.value = append(append(in.value[:in.pos], clean...), tail...)
	in.pos += len(clean)
}

// complete extends the line to the one suggestion it is a prefix of.
func (in *lineInput) complete() {
	cur := string(in.value)
	match := ""
	for _, s := range in.suggestions {
		if strings.HasPrefix(s, cur) {
			if match != "" {
				return // ambiguous
			}
			match = s
		}
	}
	if match != "" {
		in.reset(in.prompt, match, in.suggestions)
	}
}

// view draws the prompt, the text and a block cursor that shows without
// colour, scrolled so the cursor stays within width.
func (in *lineInput) view(st *theme.Styles, width int) string {
	before, after := string(in.value[:in.pos]), string(in.value[in.pos:])
	cursor := "█"
	if after != "" {
		r := []rune(after)
		cursor, after = st.SelectedRow.Render(string(r[0])), string(r[1:])
	}
	room := width - ansi.StringWidth(in.prompt) - 1
	if w := ansi.StringWidth(before); w > room && room > 0 {
		before = ansi.TruncateLeft(before, w-room+1, "…") // +1: the ellipsis takes a cell
	}
	return ansi.Truncate(st.FooterKey.Render(in.prompt)+st.Input.Render(before)+cursor+st.Input.Render(after), width, "…")
}
