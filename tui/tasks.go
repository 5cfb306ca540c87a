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
	id     int
	result any
	err    error
}

// loadedMsg is the outcome of a child's load.
type loadedMsg struct {
	to     origin
	reply  func(result any, err error) tea.Msg
	result any
	err    error
}

// runTask starts t as a task of the status line. The command holds copies
// only: the function, the context and the task's id.
func (m *Model) runTask(from origin, t pane.Task) tea.Cmd {
	if t.Run == nil {
		return nil
	}
	id := m.addTask(task{label: t.Label, done: t.Done, doneFrom: t.DoneFrom, from: from, reply: t.Reply, then: t.Then})
	run, ctx := t.Run, m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, actionTimeout)
		defer cancel()
		result, err := run(ctx)
		return taskDoneMsg{id: id, result: result, err: err}
	}
}

// taskDone says how the task went, answers the child that asked, and
// refreshes the visible pane, whose data the task has likely changed.
func (m *Model) taskDone(msg taskDoneMsg) tea.Cmd {
	t, ok := m.endTask(msg.id)
	if !ok {
		return nil
	}
	var cmds []tea.Cmd
	var part *pane.Partial
	switch {
	case errors.As(msg.err, &part):
		// It went partly: say how far, and keep every reason for the
		// last-error view.
		said := t.label + ": " + part.Summary
		cmds = append(cmds, m.setError(sanitize.String(said), said+"\n"+part.Err.Error()))
	case msg.err != nil:
		cmds = append(cmds, m.setStatus(sanitize.String(t.label+" failed: "+msg.err.Error()), statusErr))
	case t.doneFrom != nil:
		cmds = append(cmds, m.setStatus(sanitize.String(t.doneFrom(msg.result)), statusOK))
	case t.done != "":
		cmds = append(cmds, m.setStatus(sanitize.String(t.done), statusOK))
	}
	if t.reply != nil {
		cmds = append(cmds, m.deliver(delivery{to: t.from, msg: t.reply(msg.result, msg.err)}))
	}
	if msg.err == nil && t.then != nil {
		cmds = append(cmds, m.update(t.then))
	}
	cmds = append(cmds, m.refreshNow())
	return tea.Batch(cmds...)
}

// runLoad runs a child's read; its answer goes back to the child only.
func (m *Model) runLoad(from origin, l pane.Load) tea.Cmd {
	if l.Run == nil || l.Reply == nil {
		return nil
	}
	run, reply, ctx := l.Run, l.Reply, m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		result, err := run(ctx)
		return loadedMsg{to: from, reply: reply, result: result, err: err}
	}
}

func (m *Model) loaded(msg loadedMsg) tea.Cmd {
	return m.deliver(delivery{to: msg.to, msg: msg.reply(msg.result, msg.err)})
}
