package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/views/pane"
	"github.com/faldash/faldash/views/scalekeys"
)

// origin is the child a request came from: a pane, by key, or the modal
// with a given id (ids start at 1, so zero means a pane). A modal's origin
// also names the pane that opened it, which gets the answers the modal is
// no longer open to hear: a confirmation closes as it is answered, and the
// answer to the action it confirmed is the pane's.
type origin struct {
	pane  pane.Key
	modal uint64
}

// fromModal is the origin of the open modal.
func (m *Model) fromModal() origin { return origin{pane: m.modalOwner, modal: m.modalID} }

// delivery is a message for one child, whatever is visible by then.
type delivery struct {
	to  origin
	msg tea.Msg
}

// paneUpdate hands msg to the pane of k and acts on what it asks for.
func (m *Model) paneUpdate(k pane.Key, msg tea.Msg) tea.Cmd {
	e, ok := m.panes[k]
	if !ok {
		return nil
	}
	return m.call(origin{pane: k}, func() tea.Cmd { return e.pane.Update(msg) })
}

// modalUpdate hands msg to the open modal and acts on what it asks for.
func (m *Model) modalUpdate(msg tea.Msg) tea.Cmd {
	if m.modal == nil {
		return nil
	}
	md := m.modal
	return m.call(m.fromModal(), func() tea.Cmd { return md.Update(msg) })
}

// call runs one method of the child from, then acts at once on the
// requests it made meanwhile (Deps.Ask), in the order it made them: the
// root knows who it just called, so a request needs no envelope and no
// trip through Bubble Tea; only its answer comes back as a message (a
// delivery, or a task's end), carrying from. Acting on a request may call
// another child (a modal's Init): Take has emptied the list first, so
// each call hears only its own requests.
func (m *Model) call(from origin, method func() tea.Cmd) tea.Cmd {
	cmd := method()
	return tea.Batch(cmd, m.act(from, m.fx.Take()))
}

// act acts on requests of the child from.
func (m *Model) act(from origin, reqs []pane.Request) tea.Cmd {
	var cmds []tea.Cmd
	for _, r := range reqs {
		// Logged as it is acted on: it never passes Update, which logs
		// the messages.
		m.logf("%s, asked by %s", describe(r), describeOrigin(from))
		cmds = append(cmds, m.request(from, r))
	}
	return tea.Batch(cmds...)
}

// request acts on a request of the child from.
func (m *Model) request(from origin, r pane.Request) tea.Cmd {
	switch msg := r.(type) {
	case pane.Task:
		return m.runTask(from, msg)
	case pane.Load:
		return m.runLoad(from, msg)
	case pane.Schedule:
		return m.after(msg.After, delivery{to: from, msg: msg.Msg})
	case pane.CloseModal:
		// Only the modal that asked closes: a late request of one closed
		// already must not close the next.
		if from.modal != 0 && from.modal == m.modalID {
			return m.closeModal()
		}
	case pane.ShowModal:
		// A modal opened from a modal belongs to the same pane.
		return m.openModal(msg.Modal, from.pane)
	case pane.Status:
		return m.paneStatus(from, msg)
	case pane.Open:
		return m.jump(msg.Key)
	case pane.Refresh:
		return m.refreshNow()
	case pane.Shell:
		return m.openShell(msg)
	}
	return nil
}

// deliver hands msg to the child it is for: the modal if it is still open,
// else the pane (the modal's owner), cached even if hidden. A pane ignores
// the messages of another package's modal.
func (m *Model) deliver(d delivery) tea.Cmd {
	if d.to.modal != 0 && m.modal != nil && d.to.modal == m.modalID {
		return m.modalUpdate(d.msg)
	}
	cmd := m.paneUpdate(d.to.pane, d.msg)
	if done, ok := d.msg.(scalekeys.Done); ok {
		cmd = tea.Batch(cmd, m.scaled(d.to.pane, done))
	}
	return cmd
}

// scaled tells the other panes of the app that a scaling call answered:
// the change is shared, so each shows the app as the answer left it
// rather than as last listed, until its next refresh.
func (m *Model) scaled(from pane.Key, done scalekeys.Done) tea.Cmd {
	var cmds []tea.Cmd
	for k := range m.panes {
		s := k.Scope
		if k == from || s.Env != from.Scope.Env || (k.Kind != pane.Apps && !(k.Kind == pane.Runners && s.App == done.App)) {
			continue
		}
		cmds = append(cmds, m.paneUpdate(k, done))
	}
	return tea.Batch(cmds...)
}
