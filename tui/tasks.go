package tui

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/views/pane"
)

// actionTimeout bounds one action: longer than a poll, since an action on
// several runners makes one call per runner.
const actionTimeout = 60 * time.Second

// taskDoneMsg is the outcome of a child's task.
type taskDoneMsg struct {
	id  int
	out pane.Outcome
}

// runTask starts t as a task of the status line. The command holds copies
// only: the function, the context and the task's id.
func (m *Model) runTask(from origin, t pane.Task) tea.Cmd {
	if t.Run == nil {
		return nil
	}
	id := m.addTask(task{label: t.Label, from: from, then: t.Then})
	run, ctx := t.Run, m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, actionTimeout)
		defer cancel()
		return taskDoneMsg{id: id, out: run(ctx)}
	}
}

// taskDone says how the task went, answers the child that asked, and
// refreshes the visible pane, whose data the task has likely changed.
func (m *Model) taskDone(msg taskDoneMsg) tea.Cmd {
	t, ok := m.endTask(msg.id)
	if !ok {
		return nil
	}
	out := msg.out
	var cmds []tea.Cmd
	var part *pane.Partial
	switch {
	case errors.As(out.Err, &part):
		// It went partly: say how far, and keep every reason for the
		// last-error view.
		said := t.label + ": " + part.Summary
		cmds = append(cmds, m.setError(sanitize.String(said), said+"\n"+part.Err.Error()))
	case out.Err != nil:
		cmds = append(cmds, m.setStatus(sanitize.String(t.label+" failed: "+out.Err.Error()), statusErr))
	case out.Said != "":
		cmds = append(cmds, m.setStatus(sanitize.String(out.Said), statusOK))
	}
	if out.Reply != nil {
		cmds = append(cmds, m.deliver(delivery{to: t.from, msg: out.Reply}))
	}
	if out.Err == nil && t.then != nil {
		cmds = append(cmds, m.update(t.then))
	}
	cmds = append(cmds, m.refreshNow())
	return tea.Batch(cmds...)
}

// runLoad runs a child's read; its answer goes back to the child only.
func (m *Model) runLoad(from origin, l pane.Load) tea.Cmd {
	if l.Run == nil {
		return nil
	}
	run, ctx := l.Run, m.ctx
	return m.loads(func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		return delivery{to: from, msg: run(ctx)}
	})
}
