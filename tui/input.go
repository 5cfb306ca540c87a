package tui

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/internal/ui/lineedit"
	"github.com/faldash/faldash/internal/ui/theme"
)

// lineInput is the one-line editor of the command line and the filter: a
// prompt and the text. The command line completes with its own key
// (command.complete; see complete in command.go), since its candidates
// depend on the command.
type lineInput struct {
	prompt string
	ed     lineedit.Editor
}

func (in *lineInput) reset(prompt, value string) {
	in.prompt = prompt
	in.ed.SetValue(value)
}

func (in *lineInput) Value() string { return in.ed.Value() }

// update edits the line with one key and reports whether the value changed.
func (in *lineInput) update(k tea.KeyMsg) bool { return in.ed.Update(k) }

// view draws the prompt, the text and a block cursor that shows without
// colour, scrolled so the cursor stays within width.
func (in *lineInput) view(st *theme.Styles, width int) string {
	prompt := st.FooterKey.Render(in.prompt)
	return ansi.Truncate(prompt+in.ed.View(st, width-ansi.StringWidth(in.prompt), true), width, "…")
}
