package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/names"
	"github.com/faldash/faldash/tui/sanitize"
	"github.com/faldash/faldash/views/pane"
)

// commandHelp lists the commands, for the message after a wrong one.
const commandHelp = ":envs, :apps, :runners, :secrets, :env NAME, :q"

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
		if m.app == "" {
			return m.setStatus("No app chosen: open one from the apps pane first.", statusErr)
		}
		return noArgs(pane.RunnersKey(m.env, m.app))
	case "env":
		if len(args) != 1 {
			return m.setStatus("usage: :env NAME", statusErr)
		}
		return m.switchEnv(args[0])
	}
	return m.setStatus(fmt.Sprintf("unknown command %q: try %s", sanitize.String(":"+name), commandHelp), statusErr)
}

// envCheckedMsg says whether the environment of a `:env` exists.
type envCheckedMsg struct {
	task  int
	name  string
	found bool
	err   error
}

// switchEnv checks that env exists before showing its apps, so that a typo
// gets a plain answer rather than a pane full of errors.
func (m *Model) switchEnv(env string) tea.Cmd {
	if err := names.ValidateEnvironment(env); err != nil {
		return m.setStatus(sanitize.String(err.Error()), statusErr)
	}
	id := m.startTask("switching to " + env)
	c, ctx := m.client, m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		envs, err := c.ListEnvironments(ctx)
		found := slices.ContainsFunc(envs, func(e client.Environment) bool { return e.Name == env })
		return envCheckedMsg{task: id, name: env, found: found, err: err}
	}
}

func (m *Model) envChecked(msg envCheckedMsg) tea.Cmd {
	m.endTask(msg.task)
	switch {
	case msg.err != nil:
		return m.setStatus("can't switch to "+msg.name+": "+sanitize.String(msg.err.Error()), statusErr)
	case !msg.found:
		return m.setStatus(fmt.Sprintf("no environment named %q (:envs lists them)", msg.name), statusErr)
	}
	return m.jump(pane.AppsKey(msg.name))
}
