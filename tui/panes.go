package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/views/apps"
	"github.com/faldash/faldash/views/envs"
	"github.com/faldash/faldash/views/pane"
	"github.com/faldash/faldash/views/runners"
	"github.com/faldash/faldash/views/secrets"
)

// maxTrail bounds how far Esc can go back.
const maxTrail = 64

// entry returns the cached pane of k, building it on first use.
func (m *Model) entry(k pane.Key) *entry {
	if e, ok := m.panes[k]; ok {
		return e
	}
	e := &entry{}
	// The pane reads its freshness from the entry, which alone keeps it.
	e.pane = m.makePane(k, e.fresh.Get)
	m.panes[k] = e
	return e
}

func (m *Model) current() *entry { return m.entry(m.cur) }

// paneDeps is what every pane and modal is built with.
func (m *Model) paneDeps() pane.Deps {
	return pane.Deps{
		Client:   m.client,
		Keys:     m.keys,
		Styles:   m.st,
		Now:      m.now,
		ReadOnly: m.locked(),
		Scaling:  m.scaling,
		Effects:  m.fx,
	}
}

func (m *Model) makePane(k pane.Key, fresh func() pane.Freshness) pane.Pane {
	d := m.paneDeps()
	d.ReadOnly = m.lockedAt(k)
	d.Fresh = fresh
	s := k.Scope
	switch k.Kind {
	case pane.Apps:
		return apps.New(d, s.Env)
	case pane.Runners:
		return runners.New(d, s.Env, s.App, m.history)
	case pane.Secrets:
		return secrets.New(d, s.Env)
	case pane.Runner:
		return runners.NewDetail(d, s.Env, s.App, s.Runner)
	}
	return envs.New(d)
}

// jump shows the pane of k, remembering the current one for Esc.
func (m *Model) jump(k pane.Key) tea.Cmd {
	k = normalize(k)
	if k == m.cur {
		return nil
	}
	m.clearStatus() // it was about the pane being left
	m.trail = append(m.trail, m.cur)
	if len(m.trail) > maxTrail {
		m.trail = append(m.trail[:0:0], m.trail[len(m.trail)-maxTrail:]...)
	}
	return m.show(k)
}

// back clears the filter if there is one, else returns to the previous
// pane, else goes one level up.
func (m *Model) back() tea.Cmd {
	if f, ok := m.current().pane.(pane.Filterable); ok && f.Filter() != "" {
		f.SetFilter("")
		return nil
	}
	m.clearStatus()
	if n := len(m.trail); n > 0 {
		k := m.trail[n-1]
		m.trail = m.trail[:n-1]
		return m.show(k)
	}
	if parent, ok := m.cur.Parent(); ok {
		return m.show(parent)
	}
	return nil
}

// show makes k the visible pane and moves polling to it.
func (m *Model) show(k pane.Key) tea.Cmd {
	if k == m.cur {
		return nil
	}
	hidden := m.paneUpdate(m.cur, pane.Hidden{})
	m.cur = k
	m.entry(k)
	if s := k.Scope; s.Env != "" {
		if s.Env != m.env {
			m.app = ""
		}
		m.env = s.Env
		if s.App != "" {
			m.app = s.App
		}
	}
	if m.mode == modeFilter || m.mode == modeCommand {
		m.closeInput()
	}
	m.staleOnShow()
	m.layout()
	// Its live columns were last drawn when it was left: bring them to now
	// before it is drawn, not a second later.
	cmd := m.paneUpdate(m.cur, pane.Tick{})
	return tea.Batch(hidden, cmd, m.paneUpdate(m.cur, pane.Shown{}), m.pollSwitched())
}

// envDeleted forgets the panes of a deleted environment. If one of them
// was in use, the environments are shown; the environments pane drops the
// row and keeps its cursor where it was, on a neighbour.
func (m *Model) envDeleted(name string) tea.Cmd {
	gone := func(k pane.Key) bool { return k.Kind != pane.Environments && normalize(k).Scope.Env == name }
	for k := range m.panes {
		if gone(k) && k != m.cur {
			delete(m.panes, k)
		}
	}
	kept := m.trail[:0]
	for _, k := range m.trail {
		if !gone(k) {
			kept = append(kept, k)
		}
	}
	m.trail = kept
	cmd := m.paneUpdate(pane.EnvironmentsKey(), pane.EnvDeleted{Name: name})
	if m.env == name {
		m.env, m.app = names.DefaultEnvironment, ""
	}
	if gone(m.cur) {
		left := m.cur
		cmd = tea.Batch(cmd, m.show(pane.EnvironmentsKey()))
		delete(m.panes, left)
	}
	return cmd
}

// normalize spells main the same way in every key, so that one pane has
// one key.
func normalize(k pane.Key) pane.Key {
	if k.Kind != pane.Environments {
		k.Scope.Env = names.Env(k.Scope.Env)
	}
	return k
}

// jumpKey is the pane a number key shows, from the environment and app in
// use; false with a reason when there is none.
func (m *Model) jumpKey(km tea.KeyMsg) (pane.Key, string, bool) {
	g := m.keys.Global
	switch {
	case key.Matches(km, g.PaneEnvs):
		return pane.EnvironmentsKey(), "", true
	case key.Matches(km, g.PaneApps):
		return pane.AppsKey(m.env), "", true
	case key.Matches(km, g.PaneSecrets):
		return pane.SecretsKey(m.env), "", true
	case key.Matches(km, g.PaneRunners):
		app := m.chosenApp()
		if app == "" {
			return pane.Key{}, "No app chosen: open one from the apps pane (" + g.PaneApps.Help().Key + ") first.", true
		}
		return pane.RunnersKey(m.env, app), "", true
	}
	return pane.Key{}, "", false
}
