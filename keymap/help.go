package keymap

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// Pane names a place whose keys the help shows.
type Pane int

const (
	PaneEnvironments Pane = iota
	PaneApps
	PaneRunners
	PaneSecrets
	PaneLogs
	PaneDialog
)

// Help is the help of one pane: ShortHelp for the footer, FullHelp for `?`.
// It implements help.KeyMap.
type Help struct {
	short []key.Binding
	full  [][]key.Binding
}

var _ help.KeyMap = Help{}

func (h Help) ShortHelp() []key.Binding  { return h.short }
func (h Help) FullHelp() [][]key.Binding { return h.full }

// Help returns the keys of pane p. In read-only mode mutating actions are
// left out and the unlock key is shown instead.
func (k *KeyMap) Help(p Pane, readOnly bool) Help {
	byName := make(map[string]entry)
	for _, e := range k.entries() {
		byName[e.name] = e
	}
	pick := func(names ...string) []key.Binding {
		var out []key.Binding
		for _, n := range names {
			e := byName[n]
			if readOnly && e.flags&mutating != 0 {
				continue
			}
			out = append(out, *e.b)
		}
		return out
	}
	// pair shows two opposite actions as one help item: "+/- min concurrency".
	pair := func(up, down, desc string) []key.Binding {
		u, d := byName[up], byName[down]
		if readOnly && (u.flags|d.flags)&mutating != 0 {
			return nil
		}
		keys := append(append([]string{}, u.b.Keys()...), d.b.Keys()...)
		return []key.Binding{key.NewBinding(key.WithKeys(keys...),
			key.WithHelp(Label(u.b.Keys())+"/"+Label(d.b.Keys()), desc))}
	}
	enter := func(desc string) []key.Binding {
		b := k.Global.Enter
		b.SetHelp(b.Help().Key, desc)
		return []key.Binding{b}
	}
	join := func(parts ...[]key.Binding) []key.Binding {
		var out []key.Binding
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}

	unlock := []key.Binding(nil)
	if readOnly {
		unlock = []key.Binding{k.Global.UnlockWrite}
	}
	tail := join(pick("global.filter"), unlock, pick("global.help", "global.quit"))
	nav := pick("table.up", "table.down", "table.page_up", "table.page_down",
		"table.half_page_up", "table.half_page_down", "table.top", "table.bottom",
		"table.sort_next", "table.sort_prev", "table.sort_reverse")
	global := func(enterDesc string) []key.Binding {
		var e []key.Binding
		if enterDesc != "" {
			e = enter(enterDesc)
		}
		return join(e, pick("global.back", "global.filter", "global.command",
			"global.pane_envs", "global.pane_apps", "global.pane_runners", "global.pane_secrets",
			"global.refresh", "global.last_error"), unlock, pick("global.help", "global.quit", "global.force_quit"))
	}

	switch p {
	case PaneEnvironments:
		return Help{
			short: join(enter("apps"), pick("envs.new", "envs.delete"), tail),
			full:  [][]key.Binding{pick("envs.new", "envs.delete"), nav, global("apps")},
		}
	case PaneApps:
		return Help{
			short: join(enter("runners"),
				pair("apps.scale_up_min", "apps.scale_down_min", "min"),
				pair("apps.scale_up_max", "apps.scale_down_max", "max"),
				pick("apps.scale", "apps.rollout"), tail),
			full: [][]key.Binding{pick("apps.scale_up_min", "apps.scale_down_min",
				"apps.scale_up_max", "apps.scale_down_max", "apps.scale", "apps.rollout",
				"apps.revisions", "secrets.runner_env", "apps.delete"), nav, global("runners")},
		}
	case PaneRunners:
		return Help{
			// The footer has room for one more: showing terminated
			// runners gives way to the shell, and stays in the full help.
			short: join(enter("details"), pick("runners.logs", "runners.shell", "runners.mark", "runners.stop",
				"runners.kill"), tail),
			full: [][]key.Binding{join(pick("runners.logs", "runners.shell", "runners.mark", "runners.stop",
				"runners.kill", "runners.toggle_terminated"), pick(scaleActions...)), nav, global("details")},
		}
	case PaneSecrets:
		return Help{
			short: join(pick("secrets.new", "secrets.delete", "secrets.runner_env"), tail),
			full:  [][]key.Binding{pick("secrets.new", "secrets.delete", "secrets.runner_env"), nav, global("")},
		}
	case PaneLogs:
		return Help{
			short: join(pick("logs.follow", "runners.shell", "global.back"), tail),
			full:  [][]key.Binding{pick("logs.follow", "runners.shell"), nav, global("")},
		}
	case PaneDialog:
		d := pick("dialog.submit", "dialog.cancel", "dialog.next_field", "dialog.prev_field", "dialog.confirm", "dialog.deny", "dialog.toggle")
		return Help{short: d, full: [][]key.Binding{d}}
	}
	return Help{}
}
