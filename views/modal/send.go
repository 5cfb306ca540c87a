package modal

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/views/pane"
)

// Send is a dialog's one call to the controller as the dialog shows it:
// whether it is out, and why the last try was refused. A refusal keeps the
// dialog open with the reason, so that the input can be corrected and sent
// again rather than typed anew.
type Send struct {
	Out bool   // sent and not answered: the dialog ignores all but Esc
	Err string // the controller's refusal, or why Enter did nothing
}

// Answer takes the call's answer: nil closes the dialog (ok true), an
// error is kept to be shown.
func (s *Send) Answer(d pane.Deps, err error) (closed tea.Cmd, ok bool) {
	s.Out = false
	if err != nil {
		s.Err = sanitize.String(err.Error())
		return nil, false
	}
	return d.Ask(pane.CloseModal{}), true
}

// Submit runs submit, the dialog's send, unless its call is out already:
// a second Enter must not send it twice.
func (s *Send) Submit(submit func() tea.Cmd) tea.Cmd {
	if s.Out {
		return nil
	}
	return submit()
}

// Keys are a dialog's bound keys (a pane.KeyActions).
type Keys interface {
	Key(km tea.KeyMsg) (tea.Cmd, bool)
}

// FormKey handles a key of a form: the form's keys first, then typing
// into focused, its focused field, unless the call is out. When the text
// changed the old refusal no longer applies, and edited runs to check the
// fields again.
func (s *Send) FormKey(keys Keys, km tea.KeyMsg, focused *Field, edited func()) tea.Cmd {
	if cmd, ok := keys.Key(km); ok {
		return cmd
	}
	if !s.Out && focused.Ed.Update(km) {
		s.Err = ""
		edited()
	}
	return nil
}

// Loading is what a dialog lists when it opens, as it shows it: still
// loading, failed, or loaded.
type Loading struct {
	Done bool
	Err  string // why the listing failed, sanitised
}

// Answer takes the listing's answer and reports whether it brought data.
func (l *Loading) Answer(err error) bool {
	l.Done = true
	if err != nil {
		l.Err = sanitize.String(err.Error())
		return false
	}
	return true
}

// Status is the line drawn in place of the data of what (e.g. "secrets")
// until they are listed: that they are loading, or why they can't be
// listed. ok is false once they are.
func (l Loading) Status(st *theme.Styles, what string) (line string, ok bool) {
	switch {
	case !l.Done:
		return st.Empty.Render("Loading " + what + "…"), true
	case l.Err != "":
		return st.StatusErr.Render(theme.GlyphErr + " Can't list " + what + ": " + l.Err), true
	}
	return "", false
}

// Listed is the answer to a dialog's listing made with List.
type Listed[T any] struct {
	Items []T
	Err   error
}

// List is the dialog's listing: call runs off the UI goroutine, and its
// answer comes back to the dialog as a Listed[T].
func List[T any](d pane.Deps, call func(context.Context) ([]T, error)) tea.Cmd {
	return d.Ask(pane.Load{Run: func(ctx context.Context) tea.Msg {
		items, err := call(ctx)
		return Listed[T]{Items: items, Err: err}
	}})
}
