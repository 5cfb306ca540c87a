package keymap

import (
	"github.com/charmbracelet/bubbles/key"
)

// Action is one binding with the name a user remaps it by.
type Action struct {
	Name    string // "scope.action", e.g. "apps.scale_up_min"
	Binding key.Binding
	// Mutating actions change something on the server; read-only mode
	// hides and refuses them.
	Mutating bool
	// Destructive actions lose something (a runner, an app, a secret) and
	// may never be bound to a Ctrl chord, where a slip of the hand lands.
	Destructive bool
}

type flag uint8

const (
	mutating flag = 1 << iota
	destructive
	// typing actions are live while text is typed (the command line, the
	// filter, a form's fields), so none may be a key that types a
	// character: that character could no longer be typed there.
	typing
)

type entry struct {
	name  string
	b     *key.Binding
	flags flag
}

// entries lists every binding of k by action name, in the order the README
// and the full help show them. It is the only place that maps names to
// fields, so adding a binding means adding a line here.
func (k *KeyMap) entries() []entry {
	g, t, a, e, s, r, l, d, c := &k.Global, &k.Table, &k.Apps, &k.Envs, &k.Secrets, &k.Runners, &k.Logs, &k.Dialog, &k.Command
	return []entry{
		{"global.quit", &g.Quit, 0},
		{"global.force_quit", &g.ForceQuit, typing},
		{"global.help", &g.Help, 0},
		{"global.command", &g.Command, 0},
		{"global.filter", &g.Filter, 0},
		{"global.back", &g.Back, 0},
		{"global.enter", &g.Enter, 0},
		{"global.refresh", &g.Refresh, 0},
		{"global.unlock_write", &g.UnlockWrite, 0},
		{"global.last_error", &g.LastError, 0},
		{"global.pane_envs", &g.PaneEnvs, 0},
		{"global.pane_apps", &g.PaneApps, 0},
		{"global.pane_runners", &g.PaneRunners, 0},
		{"global.pane_secrets", &g.PaneSecrets, 0},

		{"table.up", &t.Up, 0},
		{"table.down", &t.Down, 0},
		{"table.page_up", &t.PageUp, 0},
		{"table.page_down", &t.PageDown, 0},
		{"table.half_page_up", &t.HalfPageUp, 0},
		{"table.half_page_down", &t.HalfPageDown, 0},
		{"table.top", &t.Top, 0},
		{"table.bottom", &t.Bottom, 0},
		{"table.sort_next", &t.SortNext, 0},
		{"table.sort_prev", &t.SortPrev, 0},
		{"table.sort_reverse", &t.SortReverse, 0},

		{"apps.scale_up_min", &a.ScaleUpMin, mutating},
		{"apps.scale_down_min", &a.ScaleDownMin, mutating},
		{"apps.scale_up_max", &a.ScaleUpMax, mutating},
		{"apps.scale_down_max", &a.ScaleDownMax, mutating},
		{"apps.scale", &a.Scale, mutating},
		{"apps.rollout", &a.Rollout, mutating | destructive},
		{"apps.delete", &a.Delete, mutating | destructive},
		{"apps.revisions", &a.Revisions, 0},

		{"envs.new", &e.New, mutating},
		{"envs.delete", &e.Delete, mutating | destructive},

		{"secrets.new", &s.New, mutating},
		{"secrets.delete", &s.Delete, mutating | destructive},
		{"secrets.runner_env", &s.RunnerEnv, 0},

		{"runners.stop", &r.Stop, mutating | destructive},
		{"runners.kill", &r.Kill, mutating | destructive},
		{"runners.mark", &r.Mark, 0},
		{"runners.toggle_terminated", &r.ToggleTerminated, 0},
		{"runners.logs", &r.Logs, 0},
		// A shell can change anything the runner can: read-only mode
		// refuses it.
		{"runners.shell", &r.Shell, mutating},

		{"logs.follow", &l.Follow, 0},

		{"dialog.confirm", &d.Confirm, 0},
		{"dialog.deny", &d.Deny, 0},
		{"dialog.submit", &d.Submit, typing},
		{"dialog.cancel", &d.Cancel, typing},
		{"dialog.next_field", &d.NextField, typing},
		{"dialog.prev_field", &d.PrevField, typing},
		{"dialog.toggle", &d.Toggle, 0},

		{"command.complete", &c.Complete, typing},
	}
}

// Actions returns a copy of every binding with its action name, for the
// README's key table and for views that need to know what mutates.
func (k *KeyMap) Actions() []Action {
	es := k.entries()
	out := make([]Action, len(es))
	for i, e := range es {
		out[i] = e.action()
	}
	return out
}

func (e entry) action() Action {
	return Action{
		Name:        e.name,
		Binding:     *e.b,
		Mutating:    e.flags&mutating != 0,
		Destructive: e.flags&destructive != 0,
	}
}
