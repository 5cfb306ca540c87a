package tui

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/faldash/faldash/views/pane"
)

// openModal shows md instead of the body. From now on it gets every key
// but Ctrl+C, and no poll starts until it closes: what it asks about stays
// still under it.
// owner is the pane that opened it, which hears the answers the modal is
// closed to.
func (m *Model) openModal(md pane.Modal, owner pane.Key) tea.Cmd {
	if md == nil {
		return nil
	}
	if m.mode == modeCommand || m.mode == modeFilter || m.mode == modeHelp {
		m.closeInput()
	}
	m.modalID++
	m.modal, m.modalOwner = md, owner
	m.sizeModal()
	return m.call(m.fromModal(), md.Init)
}

// closeModal goes back to the pane, and to polling it.
func (m *Model) closeModal() tea.Cmd {
	if m.modal == nil {
		return nil
	}
	m.modal = nil
	return m.resumePolling()
}

func (m *Model) sizeModal() {
	if m.modal == nil {
		return
	}
	w, h := m.bodySize()
	m.modal.SetSize(w, h)
}

// modalView places the modal's box in the middle of the body: lipgloss v1
// has no layers, so the box is drawn instead of the body, not over it.
func (m *Model) modalView() string {
	w, h := m.bodySize()
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, m.modal.View())
}

// masking reports whether the keys typed now may be a secret's value.
func (m *Model) masking() bool {
	mk, ok := m.modal.(pane.Masker)
	return ok && mk.Masking()
}
