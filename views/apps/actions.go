package apps

import (
	"context"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/views/format"
	"github.com/faldash/faldash/views/modal"
	"github.com/faldash/faldash/views/pane"
	"github.com/faldash/faldash/views/revisions"
	"github.com/faldash/faldash/views/runnerenv"
	"github.com/faldash/faldash/views/scaleform"
)

// key handles a key on the app under the cursor. Mutating keys arrive
// only when writing is allowed: the root refuses them otherwise.
func (p *Pane) key(km tea.KeyMsg) tea.Cmd {
	k := p.d.Keys
	if !key.Matches(km, k.Global.Enter, k.Apps.Scale, k.Apps.Rollout, k.Apps.Delete, k.Apps.Revisions, k.Secrets.RunnerEnv) &&
		!p.scaler.IsKey(km) {
		return p.table.Update(km)
	}
	a, ok := p.Selected()
	if !ok {
		return pane.Cmd(pane.Status{Text: "No app selected."})
	}
	switch {
	case key.Matches(km, k.Global.Enter):
		return pane.Cmd(pane.Open{Key: pane.RunnersKey(p.env, a.Name)})
	case p.scaler.IsKey(km):
		cmd := p.scaler.Key(km, a)
		p.table.Invalidate() // the pending change shows in MIN/MAX
		return cmd
	case key.Matches(km, k.Apps.Scale):
		return pane.Cmd(pane.ShowModal{Modal: scaleform.New(p.d, p.env, a)})
	case key.Matches(km, k.Apps.Rollout):
		return pane.Cmd(pane.ShowModal{Modal: p.rollout(a)})
	case key.Matches(km, k.Apps.Delete):
		return pane.Cmd(pane.ShowModal{Modal: p.deleteApp(a)})
	case key.Matches(km, k.Apps.Revisions):
		return pane.Cmd(pane.ShowModal{Modal: revisions.New(p.d, p.env, a)})
	case key.Matches(km, k.Secrets.RunnerEnv):
		return pane.Cmd(pane.ShowModal{Modal: runnerenv.New(p.d, p.env, &a)})
	}
	return nil
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
		return pane.Cmd(pane.Call("rolling out "+alias+how, "rollout of "+alias+" started"+how,
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
		return pane.Cmd(pane.Call("deleting "+alias, "deleted "+alias+"; its runners are stopping",
			func(ctx context.Context) error {
				_, err := c.DeleteAlias(ctx, env, app)
				return err
			}, nil))
	}).Danger()
}
