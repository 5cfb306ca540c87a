package tui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/tui/lineedit"
	"github.com/faldash/faldash/tui/theme"
)

// lineInput is the one-line editor of the command line and the filter: a
// prompt, the text, and completion by tab.
type lineInput struct {
	prompt      string
	ed          lineedit.Editor
	suggestions []string // completed by tab, by unique prefix
}

func (in *lineInput) reset(prompt, value string, suggestions []string) {
	in.prompt, in.suggestions = prompt, suggestions
	in.ed.SetValue(value)
}

func (in *lineInput) Value() string { return in.ed.Value() }

// update edits the line with one key and reports whether the value changed.
func (in *lineInput) update(k tea.KeyMsg) bool {
	if k.Type == tea.KeyTab {
		return in.complete()
	}
	return in.ed.Update(k)
}

// complete extends the line to the one suggestion it is a prefix of.
func (in *lineInput) complete() bool {
	cur := in.ed.Value()
	match := ""
	for _, s := range in.suggestions {
		if strings.HasPrefix(s, cur) {
			if match != "" {
				return false // ambiguous
			}
			match = s
		}
	}
	if match == "" || match == cur {
		return false
	}
	in.ed.SetValue(match)
	return true
}

// view draws the prompt, the text and a block cursor that shows without
// colour, scrolled so the cursor stays within width.
func (in *lineInput) view(st *theme.Styles, width int) string {
	prompt := st.FooterKey.Render(in.prompt)
	return ansi.Truncate(prompt+in.ed.View(st, width-ansi.StringWidth(in.prompt), true), width, "…")
}
