package tui

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/views/format"
	"github.com/faldash/faldash/views/pane"
)

// maxLogLine bounds one line of the debug log: a message is described, not
// dumped (a listing of thousands of runners would drown the log).
const maxLogLine = 300

// logMsg writes one line describing msg to the debug log, if there is one.
// A key typed while a secret's value has the keyboard is not written: the
// log would hold the value.
func (m *Model) logMsg(msg tea.Msg) {
	if m.debug == nil {
		return
	}
	if _, ok := msg.(tea.KeyMsg); ok && m.masking() {
		m.logf("key (hidden: typed into a secret value)")
		return
	}
	m.logf("%s", describe(msg))
}

func (m *Model) logf(format string, args ...any) {
	if m.debug == nil {
		return
	}
	line := sanitize.String(fmt.Sprintf(format, args...)) // the log is read in a terminal too
	if len(line) > maxLogLine {
		line = line[:maxLogLine] + "…"
	}
	// A failing debug log must not take the dashboard down with it.
	_, _ = fmt.Fprintf(m.debug, "%s %s\n", m.now().Format("15:04:05.000"), line)
}

// describe says what a message is. Keys are written as typed; logMsg
// leaves out those typed into a secret's value. No message describes a
// secret value: the forms send them inside commands, never as messages.
func describe(msg tea.Msg) string {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return "key " + msg.String()
	case tea.WindowSizeMsg:
		return fmt.Sprintf("resize %dx%d", msg.Width, msg.Height)
	case fetchedMsg:
		s := fmt.Sprintf("fetched %s gen %d", describeKey(msg.origin.Key), msg.origin.Gen)
		if msg.answer == nil { // a test's stand-in for an answer
			return s
		}
		if err := msg.answer.Err(); err != nil {
			return s + " error: " + err.Error()
		}
		if n, ok := msg.answer.Len(); ok {
			return s + ": " + format.Count(n, "item", "items")
		}
		return s
	case pollTickMsg:
		return fmt.Sprintf("poll tick %d", msg.seq)
	case checkedMsg:
		return fmt.Sprintf("%s checked: found %v, error %v", describeKey(msg.open), msg.found, msg.err)
	case pane.Open:
		return "open " + describeKey(msg.Key)
	case delivery:
		return fmt.Sprintf("deliver %T to %s", msg.msg, describeOrigin(msg.to))
	case taskDoneMsg:
		if msg.out.Err != nil {
			return fmt.Sprintf("task %d failed: %v", msg.id, msg.out.Err)
		}
		return fmt.Sprintf("task %d done", msg.id)
	case pane.ShowModal:
		return fmt.Sprintf("open modal %T", msg.Modal)
	}
	return fmt.Sprintf("%T", msg)
}

func describeOrigin(o origin) string {
	if o.modal != 0 {
		return fmt.Sprintf("modal %d", o.modal)
	}
	return "pane " + describeKey(o.pane)
}

func describeKey(k pane.Key) string {
	s := k.Kind.String()
	if k.Scope.Env != "" {
		s += " env=" + k.Scope.Env
	}
	if k.Scope.App != "" {
		s += " app=" + k.Scope.App
	}
	if k.Scope.Runner != "" {
		s += " runner=" + string(k.Scope.Runner)
	}
	return s
}
