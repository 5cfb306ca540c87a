package apps

import (
	"context"
	"fmt"
	"slices"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/format"
	"github.com/faldash/faldash/views/modal"
	"github.com/faldash/faldash/views/pane"
	"github.com/faldash/faldash/views/revisions"
	"github.com/faldash/faldash/views/runnerenv"
	"github.com/faldash/faldash/views/scaleform"
)

// actions are the keys of the apps pane, each on the app under the
// cursor. Mutating keys arrive only when writing is allowed: the root
// refuses them otherwise.
var actions = slices.Concat(keymap.Context[*Pane]{
	{Name: "apps.scale_up_min", Footer: 2, With: "apps.scale_down_min", FooterDesc: "min", Run: onApp((*Pane).scale)},
	{Name: "apps.scale_down_min", Run: onApp((*Pane).scale)},
	{Name: "apps.scale_up_max", Footer: 3, With: "apps.scale_down_max", FooterDesc: "max", Run: onApp((*Pane).scale)},
	{Name: "apps.scale_down_max", Run: onApp((*Pane).scale)},
	{Name: "apps.scale", Footer: 4, Run: onApp(func(p *Pane, a client.App, _ tea.KeyMsg) tea.Cmd {
		a, send := p.scaler.Now(a)
		return tea.Batch(send, p.d.Ask(pane.ShowModal{Modal: scaleform.New(p.d, p.env, a)}))
	})},
	{Name: "apps.rollout", Footer: 5, Run: onApp(func(p *Pane, a client.App, _ tea.KeyMsg) tea.Cmd {
		return p.d.Ask(pane.ShowModal{Modal: p.rollout(a)})
	})},
	{Name: "apps.revisions", Run: onApp(func(p *Pane, a client.App, _ tea.KeyMsg) tea.Cmd {
		return p.d.Ask(pane.ShowModal{Modal: revisions.New(p.d, p.env, a)})
	})},
	{Name: "secrets.runner_env", Run: onApp(func(p *Pane, a client.App, _ tea.KeyMsg) tea.Cmd {
		return p.d.Ask(pane.ShowModal{Modal: runnerenv.New(p.d, p.env, &a)})
	})},
	{Name: "apps.delete", Run: onApp(func(p *Pane, a client.App, _ tea.KeyMsg) tea.Cmd {
		return p.d.Ask(pane.ShowModal{Modal: p.deleteApp(a)})
	})},
}, pane.TableActs("runners", onApp(func(p *Pane, a client.App, _ tea.KeyMsg) tea.Cmd {
	return p.d.Ask(pane.Open{Key: pane.RunnersKey(p.env, a.Name)})
})))

// Scope is the keys live in the apps pane, for the clash check.
func Scope() keymap.Scope { return actions.Scope("apps pane") }

// onApp runs an action on the app under the cursor, or says there is none.
func onApp(run func(p *Pane, a client.App, km tea.KeyMsg) tea.Cmd) func(*Pane, tea.KeyMsg) tea.Cmd {
	return func(p *Pane, km tea.KeyMsg) tea.Cmd {
		a, ok := p.Selected()
		if !ok {
			return p.d.Ask(pane.Status{Text: "No app selected."})
		}
		return run(p, a, km)
	}
}

// scale is a press of a scaling key.
func (p *Pane) scale(a client.App, km tea.KeyMsg) tea.Cmd {
	cmd := p.scaler.Key(km, a)
	p.table.Invalidate() // the pending change shows in MIN/MAX
	return cmd
}

// rollout confirms replacing the app's runners with fresh ones of its
// current revision.
func (p *Pane) rollout(a client.App) *modal.Confirm {
	c, env, app := p.d.Client, p.env, a.Name
	alias := sanitize.String(names.Alias(app, env))
	body := []string{
		fmt.Sprintf("Each of its %s is replaced by a new runner of its current revision %s. "+
			"An old runner drains first: it finishes the requests it holds before it stops.",
			format.Count(a.ActiveRunners, "runner", "runners"), format.Short(string(a.Revision), revisionLen)),
		"Force stops old runners as soon as their replacements are ready, without draining.",
	}
	return modal.NewConfirm(p.d, "Roll out "+alias+"?", body, func(force bool) tea.Cmd {
		how := ""
		if force {
			how = " (forced)"
		}
		return p.d.Ask(pane.Call("rolling out "+alias+how, "rollout of "+alias+" started"+how,
			func(ctx context.Context) error { return c.RolloutApp(ctx, env, app, force) }, nil))
	}).WithOption("force", false)
}

// deleteApp confirms removing the app's alias in this environment.
func (p *Pane) deleteApp(a client.App) *modal.Confirm {
	c, env, app := p.d.Client, p.env, a.Name
	alias := sanitize.String(names.Alias(app, env))
	body := []string{
		fmt.Sprintf("Its alias %s is removed from %s and its %s will stop.",
			alias, sanitize.String(names.Env(env)), format.Count(a.ActiveRunners, "runner", "runners")),
		fmt.Sprintf("Revision %s stays registered: it can be pointed at again, or deployed anew.",
			format.Short(string(a.Revision), revisionLen)),
	}
	return modal.NewConfirm(p.d, "Delete app "+alias+"?", body, func(bool) tea.Cmd {
		return p.d.Ask(pane.Call("deleting "+alias, "deleted "+alias+"; its runners are stopping",
			func(ctx context.Context) error {
				_, err := c.DeleteAlias(ctx, env, app)
				return err
			}, nil))
	}).Danger()
}
