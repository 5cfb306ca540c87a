package tui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/modal"
	"github.com/faldash/faldash/views/pane"
)

// Writing is allowed unless --readonly was given, or the pane is of main
// on fal cloud (production) and the user has not unlocked writing for the
// session. Local and demo controllers open writable. The environments pane
// is not "of main": its actions create environments and delete other ones
// (main can't be deleted), and the typed-name dialog guards deletion.

// unlockedMsg lifts the lock on main for the rest of the session.
type unlockedMsg struct{}

// lockedAt reports whether writing is refused in the pane of k.
func (m *Model) lockedAt(k pane.Key) bool {
	if m.readOnly {
		return true
	}
	return m.target.Kind == client.TargetCloud && !m.unlocked &&
		k.Kind != pane.Environments && names.IsDefault(k.Scope.Env)
}

func (m *Model) locked() bool { return m.lockedAt(m.cur) }

// mutatingKey returns the mutating action km is in the visible pane.
func (m *Model) mutatingKey(km tea.KeyMsg) (keymap.Action, bool) {
	if p, ok := m.current().pane.(pane.Keyed); ok {
		return p.MutatingKey(km)
	}
	return keymap.Action{}, false
}

// refuse says why a mutating key does nothing here.
func (m *Model) refuse(a keymap.Action) tea.Cmd {
	what := a.Binding.Help().Desc
	if m.readOnly {
		return m.setStatus("Read-only (--readonly): "+what+" is not allowed. Start faldash without --readonly to make changes.", statusErr)
	}
	return m.setStatus("Read-only: main on fal cloud is production. Press "+m.keys.Global.UnlockWrite.Help().Key+
		" to unlock writing for this session, then "+a.Binding.Help().Key+" again.", statusErr)
}

// unlockKey asks to lift the lock on main, when there is one to lift.
func (m *Model) unlockKey() tea.Cmd {
	switch {
	case m.readOnly:
		return m.setStatus("Read-only (--readonly): writing can't be unlocked. Start faldash without --readonly to make changes.", statusErr)
	case !m.locked():
		return m.setStatus("Writing is allowed here already.", statusInfo)
	}
	d := m.paneDeps()
	body := []string{
		"main is fal's production environment. Until faldash exits, the keys that scale, roll out, delete, set secrets and stop runners work in main too.",
		"Every one of them still asks before it acts.",
	}
	return m.openModal(modal.NewConfirm(d, "Unlock writing to main on fal cloud?", body, func(bool) tea.Cmd {
		return pane.Cmd(unlockedMsg{})
	}).Danger(), m.cur)
}

// unlock lifts the lock and shows every pane's mutating keys.
func (m *Model) unlock() tea.Cmd {
	m.unlocked = true
	for k, e := range m.panes {
		if l, ok := e.pane.(pane.Lockable); ok {
			l.SetReadOnly(m.lockedAt(k))
		}
	}
	return m.setStatus("Writing unlocked for this session.", statusOK)
}

// helpKeys drops the unlock key from a pane's help when nothing can
// unlock: with --readonly it would only be refused.
func (m *Model) helpKeys(h pane.HelpKeys) pane.HelpKeys {
	if m.readOnly {
		return pane.Without(h, m.keys.Global.UnlockWrite)
	}
	return h
}
