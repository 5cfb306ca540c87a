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
// line, filter or help screen takes every other key (its declared keys
// act, the rest are typed); then the global keys; then the visible pane,
// but for its mutating keys while writing is not allowed, which are
// refused here.
func (m *Model) handleKey(km tea.KeyMsg) tea.Cmd {
	g := m.keys.Global
	if key.Matches(km, g.ForceQuit) {
		return m.quit()
	}
	m.keyPressed()
	if m.modal != nil {
		return m.modalUpdate(km)
	}
	if acts, ok := m.modeActions(); ok {
		if cmd, ok := acts.Dispatch(m.keys, m, km); ok {
			return cmd
		}
		return m.typed(km)
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
// and the table's, which reach every pane; each mode's keys (the help, the
// command line, the filter); and each dialog's keys, which are all that is
// live while it is open.
func KeyScopes() []keymap.Scope {
	shared := slices.Concat(globalActions.Scope("").Actions, pane.TableActs[*Model]("", nil).Scope("").Actions)
	scopes := []keymap.Scope{envs.Scope(), apps.Scope(), runners.Scope(), secrets.Scope(), runners.DetailScope()}
	for i := range scopes {
		scopes[i].Actions = slices.Concat(scopes[i].Actions, shared)
	}
	return slices.Concat(scopes,
		[]keymap.Scope{helpActions.Scope("help"), commandActions.Scope("command line"),
			filterActions.Scope("filter"), searchActions.Scope("log search"),
			modal.ConfirmScope(), envform.Scope(), envdelete.Scope(), scaleform.Scope(),
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

// openInput opens the command line or the filter. The command line's
// completion is the root's (complete), which knows names as well as
// commands.
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

// modeActions are the keys of the root's mode other than the panes:
// false in normal mode, where the global keys and the pane's have them.
func (m *Model) modeActions() (keymap.Context[*Model], bool) {
	switch m.mode {
	case modeHelp:
		return helpActions, true
	case modeCommand:
		return commandActions, true
	case modeFilter:
		if _, ok := m.current().pane.(pane.Searcher); ok {
			return searchActions, true
		}
		return filterActions, true
	}
	return nil, false
}

// typed is a key the mode's acts do not claim: text for the command line
// or the filter, nothing for the help.
func (m *Model) typed(km tea.KeyMsg) tea.Cmd {
	switch m.mode {
	case modeCommand:
		m.compl.cands = nil
		m.input.update(km)
	case modeFilter:
		if _, ok := m.current().pane.(pane.Searcher); ok {
			m.input.update(km)
			return nil
		}
		f, ok := m.current().pane.(pane.Filterable)
		if !ok {
			m.closeInput()
			return nil
		}
		// The table narrows as the query is typed.
		if m.input.update(km) {
			f.SetFilter(m.input.Value())
		}
	}
	return nil
}

// helpActions close the help, or quit; the table's keys scroll it when
// it is taller than the body.
var helpActions = keymap.Context[*Model]{
	{Name: "global.help", Desc: "close help", Footer: 1, Run: closeHelp},
	{Name: "global.back", Desc: "close help", Footer: 2, Run: closeHelp},
	{Name: "global.quit", Footer: 3, Run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.quit() }},
	{Name: "table.up", Run: scrollHelp(func(top, _, _ int) int { return top - 1 })},
	{Name: "table.down", Run: scrollHelp(func(top, _, _ int) int { return top + 1 })},
	{Name: "table.page_up", Run: scrollHelp(func(top, rows, _ int) int { return top - rows })},
	{Name: "table.page_down", Run: scrollHelp(func(top, rows, _ int) int { return top + rows })},
	{Name: "table.half_page_up", Run: scrollHelp(func(top, rows, _ int) int { return top - rows })},
	{Name: "table.half_page_down", Run: scrollHelp(func(top, rows, _ int) int { return top + rows })},
	{Name: "table.top", Run: scrollHelp(func(int, int, int) int { return 0 })},
	{Name: "table.bottom", Run: scrollHelp(func(_, _, last int) int { return last })},
}

func closeHelp(m *Model, _ tea.KeyMsg) tea.Cmd {
	m.mode = modeNormal
	return nil
}

// commandActions run or drop the command line and complete its last word;
// every other key is typed. Ctrl+C is handled before any mode and is
// listed for the footer and the clash check.
var commandActions = keymap.Context[*Model]{
	{Name: "dialog.submit", Desc: "run", Footer: 1, Run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
		line := m.input.Value()
		m.closeInput()
		return m.runCommand(line)
	}},
	{Name: "dialog.cancel", Footer: 2, Run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
		m.closeInput()
		return nil
	}},
	{Name: "command.complete", Footer: 3, Run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.complete() }},
	{Name: "global.force_quit", Footer: 4},
}

// filterActions end a filter: Enter keeps it and gives the keys back to
// the table; Esc drops it.
var filterActions = keymap.Context[*Model]{
	{Name: "dialog.submit", Desc: "keep filter", Footer: 1, Run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
		m.closeInput()
		return nil
	}},
	{Name: "dialog.cancel", Desc: "clear filter", Footer: 2, Run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
		if f, ok := m.current().pane.(pane.Filterable); ok {
			f.SetFilter("")
		}
		m.closeInput()
		return nil
	}},
	{Name: "global.force_quit", Footer: 3},
}

// searchActions end a search of a pane that searches on the server, which
// gets the query on Enter only: Enter hands it over, Esc clears it.
var searchActions = keymap.Context[*Model]{
	{Name: "dialog.submit", Desc: "search", Footer: 1, Run: func(m *Model, _ tea.KeyMsg) tea.Cmd {
		return m.search(m.input.Value())
	}},
	{Name: "dialog.cancel", Desc: "clear search", Footer: 2, Run: func(m *Model, _ tea.KeyMsg) tea.Cmd { return m.search("") }},
	{Name: "global.force_quit", Footer: 3},
}

// search closes the search line and hands q to the pane.
func (m *Model) search(q string) tea.Cmd {
	s, ok := m.current().pane.(pane.Searcher)
	m.closeInput()
	if !ok {
		return nil
	}
	return m.call(origin{pane: m.cur}, func() tea.Cmd { return s.SetSearch(q) })
}
