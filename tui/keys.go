package tui

import (
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/apps"
	"github.com/faldash/faldash/views/envdelete"
	"github.com/faldash/faldash/views/envform"
	"github.com/faldash/faldash/views/envs"
	"github.com/faldash/faldash/views/modal"
	"github.com/faldash/faldash/views/pane"
	"github.com/faldash/faldash/views/revisions"
	"github.com/faldash/faldash/views/runnerenv"
	"github.com/faldash/faldash/views/runners"
	"github.com/faldash/faldash/views/scaleform"
	"github.com/faldash/faldash/views/secretform"
	"github.com/faldash/faldash/views/secrets"
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
	if cmd, ok := globalActions.Dispatch(m.keys, m, km); ok {
		return cmd
	}
	if a, ok := m.mutatingKey(km); ok && m.locked() {
		return m.refuse(a)
	}
	return m.paneUpdate(m.cur, km)
}

// globalActions are the root's keys, live in every pane (not in dialogs,
// which get every key). Ctrl+C is handled before anything else, even a
// dialog, and is listed here for the clash check.
var globalActions = keymap.Context[*Model]{
	{Name: "global.force_quit"},
	{Name: "global.quit", Run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.quit() }},
	{Name: "global.help", Run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
		m.mode, m.helpTop = modeHelp, 0
		return nil
	}},
	{Name: "global.command", Run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
		m.openInput(modeCommand, ":", "")
		return nil
	}},
	{Name: "global.filter", Run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
		switch p := m.current().pane.(type) {
		case pane.Searcher:
			m.openInput(modeFilter, "/", p.Search())
		case pane.Filterable:
			m.openInput(modeFilter, "/", p.Filter())
		default:
			return m.setStatus("Nothing to filter here.", statusInfo)
		}
		return nil
	}},
	{Name: "global.back", Run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.back() }},
	{Name: "global.refresh", Run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.refreshNow() }},
	{Name: "global.unlock_write", Run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.unlockKey() }},
	{Name: "global.last_error", Run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.openLastError() }},
	{Name: "global.pane_envs", Run: (*Model).jumpAction},
	{Name: "global.pane_apps", Run: (*Model).jumpAction},
	{Name: "global.pane_runners", Run: (*Model).jumpAction},
	{Name: "global.pane_secrets", Run: (*Model).jumpAction},
}

// KeyScopes are the sets of keys live together, for keymap.Load to refuse
// a key bound twice in one of them: each pane's own keys with the root's
// and the table's, which reach every pane; and each dialog's keys, which
// are all that is live while it is open.
func KeyScopes() []keymap.Scope {
	shared := slices.Concat(globalActions.Scope("").Actions, pane.TableActs[*Model]("", nil).Scope("").Actions)
	scopes := []keymap.Scope{envs.Scope(), apps.Scope(), runners.Scope(), secrets.Scope(), runners.DetailScope()}
	for i := range scopes {
		scopes[i].Actions = slices.Concat(scopes[i].Actions, shared)
	}
	return slices.Concat(scopes,
		[]keymap.Scope{modal.ConfirmScope(), envform.Scope(), envdelete.Scope(), scaleform.Scope(),
			runnerenv.Scope(), errorActions.Scope("last error")},
		secretform.Scope(), revisions.Scope())
}

// jumpAction is a key that shows another pane.
func (m *Model) jumpAction(km tea.KeyMsg) tea.Cmd {
	k, reason, _ := m.jumpKey(km)
	if reason != "" {
		return m.setStatus(reason, statusErr)
	}
	return m.jump(k)
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
	return m.call(origin{pane: m.cur}, func() tea.Cmd { return s.SetSearch(q) })
}
