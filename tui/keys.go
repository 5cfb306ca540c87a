package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/views/pane"
)

// handleKey routes a key: Ctrl+C always quits; an open command line,
// filter or help screen takes every other key; then the global keys; then
// the visible pane.
func (m *Model) handleKey(km tea.KeyMsg) tea.Cmd {
	g := m.keys.Global
	if key.Matches(km, g.ForceQuit) {
		return m.quit()
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
		}
		return nil
	}

	switch {
	case key.Matches(km, g.Quit):
		return m.quit()
	case key.Matches(km, g.Help):
		m.mode = modeHelp
		return nil
	case key.Matches(km, g.Command):
		m.openInput(modeCommand, ":", "")
		return nil
	case key.Matches(km, g.Filter):
		f, ok := m.current().pane.(pane.Filterable)
		if !ok {
			return m.setStatus("Nothing to filter here.", statusInfo)
		}
		m.openInput(modeFilter, "/", f.Filter())
		return nil
	case key.Matches(km, g.Back):
		return m.back()
	case key.Matches(km, g.Refresh):
		return m.refreshNow()
	}
	if k, reason, ok := m.jumpKey(km); ok {
		if reason != "" {
			return m.setStatus(reason, statusErr)
		}
		return m.jump(k)
	}
	return m.current().pane.Update(km)
}

func (m *Model) openInput(md mode, prompt, value string) {
	m.mode = md
	var suggestions []string
	if md == modeCommand {
		suggestions = commandSuggestions()
	}
	m.input.reset(prompt, value, suggestions)
}

func (m *Model) closeInput() {
	m.mode = modeNormal
	m.input.reset("", "", nil)
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
	}
	m.input.update(km)
	return nil
}

// filterKey narrows the table as the query is typed. Enter keeps the
// filter and gives the keys back to the table; Esc drops it.
func (m *Model) filterKey(km tea.KeyMsg) tea.Cmd {
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
