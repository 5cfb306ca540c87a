package tui

import (
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/views/pane"
)

// handleKey routes a key: Ctrl+C always quits; an open modal, command
// line, filter or help screen takes every other key; then the global keys;
// then the visible pane, but for its mutating keys while writing is not
// allowed, which are refused here.
func (m *Model) handleKey(km tea.KeyMsg) tea.Cmd {
	g := m.keys.Global
	if key.Matches(km, g.ForceQuit) {
		return m.quit()
	}
	m.keyPressed()
	if m.modal != nil {
		return m.modalUpdate(km)
	}
	switch m.mode {
	case modeCommand:
		return m.commandKey(km)
	case modeFilter:
		return m.filterKey(km)
	case modeHelp:
		switch {
		case key.Matches(km, g.Quit):
			return m.quit()
		case key.Matches(km, g.Help, g.Back):
			m.mode = modeNormal
		default:
			m.scrollHelp(km)
		}
		return nil
	}

	if km.Type == tea.KeyRunes && (km.Paste || len(km.Runes) > 1) {
		return m.runesKey(km)
	}
	switch {
	case key.Matches(km, g.Quit):
		return m.quit()
	case key.Matches(km, g.Help):
		m.mode, m.helpTop = modeHelp, 0
		return nil
	case key.Matches(km, g.Command):
		m.openInput(modeCommand, ":", "")
		return nil
	case key.Matches(km, g.Filter):
		switch p := m.current().pane.(type) {
		case pane.Searcher:
			m.openInput(modeFilter, "/", p.Search())
		case pane.Filterable:
			m.openInput(modeFilter, "/", p.Filter())
		default:
			return m.setStatus("Nothing to filter here.", statusInfo)
		}
		return nil
	case key.Matches(km, g.Back):
		return m.back()
	case key.Matches(km, g.Refresh):
		return m.refreshNow()
	case key.Matches(km, g.UnlockWrite):
		return m.unlockKey()
	case key.Matches(km, g.LastError):
		return m.openLastError()
	}
	if k, reason, ok := m.jumpKey(km); ok {
		if reason != "" {
			return m.setStatus(reason, statusErr)
		}
		return m.jump(k)
	}
	if a, ok := m.mutatingKey(km); ok && m.locked() {
		return m.refuse(a)
	}
	return m.paneUpdate(m.cur, km)
}

// runesKey handles several runes read at once. A held key repeating (+
// to scale up) can arrive as one message, and each rune is meant as a
// key. Different runes together are handled one by one until one of them
// does something: a key that opens a dialog must not have the next rune,
// read with it, acted on the pane behind the dialog. A paste is not keys:
// it is ignored here, where nothing takes text.
func (m *Model) runesKey(km tea.KeyMsg) tea.Cmd {
	if km.Paste {
		return nil
	}
	same := !slices.ContainsFunc(km.Runes, func(r rune) bool { return r != km.Runes[0] })
	cmds := make([]tea.Cmd, 0, len(km.Runes))
	for _, r := range km.Runes {
		if m.modal != nil || m.mode != modeNormal {
			break // an earlier rune opened something: the rest are not for the pane
		}
		cmd := m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		cmds = append(cmds, cmd)
		if cmd != nil && !same {
			break
		}
	}
	return tea.Batch(cmds...)
}

// openInput opens the command line or the filter. The command line's Tab
// is the root's (complete), which knows names as well as commands.
func (m *Model) openInput(md mode, prompt, value string) {
	m.mode = md
	m.compl = completion{}
	m.input.reset(prompt, value)
}

func (m *Model) closeInput() {
	m.mode = modeNormal
	m.compl.cands = nil
	m.input.reset("", "")
}

func (m *Model) commandKey(km tea.KeyMsg) tea.Cmd {
	d := m.keys.Dialog
	switch {
	case key.Matches(km, d.Cancel):
		m.closeInput()
		return nil
	case key.Matches(km, d.Submit):
		line := m.input.Value()
		m.closeInput()
		return m.runCommand(line)
	case km.Type == tea.KeyTab:
		return m.complete()
	}
	m.compl.cands = nil
	m.input.update(km)
	return nil
}

// filterKey narrows the table as the query is typed. Enter keeps the
// filter and gives the keys back to the table; Esc drops it. A pane that
// searches on the server gets the query on Enter only.
func (m *Model) filterKey(km tea.KeyMsg) tea.Cmd {
	if s, ok := m.current().pane.(pane.Searcher); ok {
		return m.searchKey(s, km)
	}
	f, ok := m.current().pane.(pane.Filterable)
	if !ok {
		m.closeInput()
		return nil
	}
	d := m.keys.Dialog
	switch {
	case key.Matches(km, d.Cancel):
		f.SetFilter("")
		m.closeInput()
		return nil
	case key.Matches(km, d.Submit):
		m.closeInput()
		return nil
	}
	if m.input.update(km) {
		f.SetFilter(m.input.Value())
	}
	return nil
}

// searchKey edits a search: Enter hands it to the pane, Esc clears it.
func (m *Model) searchKey(s pane.Searcher, km tea.KeyMsg) tea.Cmd {
	d := m.keys.Dialog
	var q string
	switch {
	case key.Matches(km, d.Submit):
		q = m.input.Value()
	case key.Matches(km, d.Cancel):
	default:
		m.input.update(km)
		return nil
	}
	m.closeInput()
	return stamp(s.SetSearch(q), origin{pane: m.cur})
}
