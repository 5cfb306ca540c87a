package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/views/apps"
	"github.com/faldash/faldash/views/pane"
)

// commandHelp lists the commands, for the message after a wrong one.
const commandHelp = ":envs, :apps, :runners, :secrets, :env NAME, :q"

// commandSuggestions are the commands Tab completes; a trailing space
// marks one that takes an argument.
func commandSuggestions() []string {
	return []string{"envs", "apps", "runners", "secrets", "env ", "q", "quit"}
}

// runCommand runs one line of the `:` command line.
func (m *Model) runCommand(line string) tea.Cmd {
	fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), ":"))
	if len(fields) == 0 {
		return nil
	}
	name, args := fields[0], fields[1:]
	noArgs := func(k pane.Key) tea.Cmd {
		if len(args) > 0 {
			return m.setStatus(fmt.Sprintf(":%s takes no argument", sanitize.String(name)), statusErr)
		}
		return m.jump(k)
	}
	switch name {
	case "q", "quit", "q!":
		return m.quit()
	case "envs", "environments":
		return noArgs(pane.EnvironmentsKey())
	case "apps":
		return noArgs(pane.AppsKey(m.env))
	case "secrets":
		return noArgs(pane.SecretsKey(m.env))
	case "runners":
		switch len(args) {
		case 0:
			app := m.chosenApp()
			if app == "" {
				return m.setStatus("No app chosen: open one from the apps pane first, or name it: :runners APP", statusErr)
			}
			return m.jump(pane.RunnersKey(m.env, app))
		case 1:
			return m.openApp(args[0])
		}
		return m.setStatus("usage: :runners [APP]", statusErr)
	case "env":
		if len(args) != 1 {
			return m.setStatus("usage: :env NAME", statusErr)
		}
		return m.switchEnv(args[0])
	}
	return m.setStatus(fmt.Sprintf("unknown command %q: try %s", sanitize.String(":"+name), commandHelp), statusErr)
}

// chosenApp is the app whose runners `3` and `:runners` show: the one
// under the cursor in the apps pane, else the one last opened.
func (m *Model) chosenApp() string {
	if p, ok := m.current().pane.(*apps.Pane); ok {
		if a, ok := p.Selected(); ok {
			return a.Name
		}
	}
	return m.app
}

// checkedMsg says whether what a command named exists.
type checkedMsg struct {
	task    int
	open    pane.Key // shown when found
	failing string   // said with err
	missing string   // said when not found
	found   bool
	err     error
}

// switchEnv checks that env exists before showing its apps.
func (m *Model) switchEnv(env string) tea.Cmd {
	if err := names.ValidateEnvironment(env); err != nil {
		return m.setStatus(sanitize.String(err.Error()), statusErr)
	}
	c := m.client
	return m.openChecked("switching to "+env, "can't switch to "+env, pane.AppsKey(env),
		fmt.Sprintf("no environment named %q (:envs lists them)", env),
		func(ctx context.Context) (bool, error) {
			envs, err := c.ListEnvironments(ctx)
			return slices.ContainsFunc(envs, func(e client.Environment) bool { return e.Name == env }), err
		})
}

// openApp checks that app exists in the environment in use before showing
// its runners.
func (m *Model) openApp(app string) tea.Cmd {
	c, env := m.client, m.env
	return m.openChecked("opening "+app, "can't open "+app, pane.RunnersKey(env, app),
		fmt.Sprintf("no app named %q in %s (:apps lists them)", app, names.Env(env)),
		func(ctx context.Context) (bool, error) {
			list, err := c.ListApps(ctx, env)
			return slices.ContainsFunc(list, func(a client.App) bool { return a.Name == app }), err
		})
}

// openChecked shows k once exists says what a command named is there, so
// that a typo gets a plain answer rather than a pane full of errors: the
// task's label while it looks, failing or missing when it can't or the
// name is not there. They hold the user's words: they are sanitized here.
func (m *Model) openChecked(label, failing string, k pane.Key, missing string, exists func(context.Context) (bool, error)) tea.Cmd {
	id := m.startTask(sanitize.String(label))
	ctx := m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		found, err := exists(ctx)
		return checkedMsg{task: id, failing: sanitize.String(failing), open: k, missing: sanitize.String(missing), found: found, err: err}
	}
}

func (m *Model) checked(msg checkedMsg) tea.Cmd {
	m.endTask(msg.task)
	switch {
	case msg.err != nil:
		return m.setStatus(msg.failing+": "+sanitize.String(msg.err.Error()), statusErr)
	case !msg.found:
		return m.setStatus(msg.missing, statusErr)
	}
	return m.jump(msg.open)
}

// completion is Tab on the command line: the names it completes, listed
// at the first Tab that needs them, and the candidates of the last Tab.
type completion struct {
	envs, apps []string
	asked      bool     // for the names; a Tab that needed them waits for them
	listed     bool     // they came
	cands      []string // shown under the line while more than one
	stem       string   // the line before the word completed
	next       int      // the candidate the next Tab puts in, when cycling
	last       string   // the line as the last Tab left it
}

// namesMsg is the environments and the apps of env, for completion.
type namesMsg struct {
	env        string
	envs, apps []string
}

// loadNames lists what the command line completes. It fails quietly:
// without names, Tab still completes commands.
func (m *Model) loadNames() tea.Cmd {
	c, ctx, env := m.client, m.ctx, m.env
	if c == nil {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		msg := namesMsg{env: env}
		if envs, err := c.ListEnvironments(ctx); err == nil {
			for _, e := range envs {
				msg.envs = append(msg.envs, e.Name)
			}
		}
		if list, err := c.ListApps(ctx, env); err == nil {
			for _, a := range list {
				msg.apps = append(msg.apps, a.Name)
			}
		}
		return msg
	}
}

// namesLoaded completes the word the Tab that asked for the names was
// for, unless the line has changed since.
func (m *Model) namesLoaded(msg namesMsg) {
	c := &m.compl
	if msg.env != m.env || !c.asked || m.mode != modeCommand {
		return
	}
	c.envs, c.apps, c.listed = msg.envs, msg.apps, true
	if m.input.Value() == c.last {
		m.complete()
	}
}

// complete completes the word before the end of the command line: a
// command, an environment after `env`, an app after `runners`. One
// candidate is put in; several are shown and their common prefix put in,
// and Tab again goes through them in turn. The first Tab that needs names
// lists them, and completes once they come.
func (m *Model) complete() tea.Cmd {
	line := m.input.Value()
	c := &m.compl
	if len(c.cands) > 1 && line == c.last {
		c.last = c.stem + c.cands[c.next]
		c.next = (c.next + 1) % len(c.cands)
		m.input.ed.SetValue(c.last)
		return nil
	}
	cut := strings.LastIndexByte(line, ' ') + 1
	stem, word := line[:cut], line[cut:]
	pool, fromServer, ok := m.completionPool(stem)
	c.cands, c.next, c.stem, c.last = nil, 0, stem, line
	switch {
	case !ok:
		return nil
	case fromServer && !c.listed:
		if c.asked {
			return nil
		}
		c.asked = true
		return m.loadNames()
	}
	for _, s := range pool {
		if strings.HasPrefix(s, word) {
			c.cands = append(c.cands, s)
		}
	}
	slices.Sort(c.cands)
	c.cands = slices.Compact(c.cands)
	switch len(c.cands) {
	case 0:
		return nil
	case 1:
		c.last = stem + c.cands[0]
		c.cands = nil
	default:
		c.last = stem + commonPrefix(c.cands)
		if c.last == line {
			c.last = stem + c.cands[0] // nothing more in common: start going through them
			c.next = 1 % len(c.cands)
		}
	}
	m.input.ed.SetValue(c.last)
	return nil
}

// completionPool is what the word after stem can be, and whether those
// are names listed from the server; false when nothing completes there.
func (m *Model) completionPool(stem string) (pool []string, fromServer, ok bool) {
	fields := strings.Fields(stem)
	switch {
	case stem == "":
		return commandSuggestions(), false, true
	case len(fields) != 1:
		return nil, false, false
	case fields[0] == "env":
		return m.compl.envs, true, true
	case fields[0] == "runners":
		return m.compl.apps, true, true
	}
	return nil, false, false
}

// commonPrefix is the longest prefix of every string of ss.
func commonPrefix(ss []string) string {
	p := ss[0]
	for _, s := range ss[1:] {
		for !strings.HasPrefix(s, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// candidatesLine lists the candidates of the last Tab in place of the
// footer's keys, the one Tab puts in next marked, after the completion
// key; "" when there are none.
func (m *Model) candidatesLine() string {
	c := m.compl
	if m.mode != modeCommand || len(c.cands) < 2 {
		return ""
	}
	parts := make([]string, len(c.cands))
	for i, s := range c.cands {
		s = sanitize.String(strings.TrimSpace(s))
		if c.stem+c.cands[i] == c.last {
			s = m.st.FooterKey.Render("[" + s + "]")
		}
		parts[i] = s
	}
	return ansi.Truncate(m.keys.Command.Complete.Help().Key+": "+strings.Join(parts, "  "), m.width, "…")
}
