package secrets

import (
	"context"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/views/modal"
	"github.com/faldash/faldash/views/pane"
	"github.com/faldash/faldash/views/runnerenv"
	"github.com/faldash/faldash/views/secretform"
)

// key handles a key on the secrets. Mutating keys arrive only when writing
// is allowed: the root refuses them otherwise.
func (p *Pane) key(km tea.KeyMsg) tea.Cmd {
	k := p.d.Keys.Secrets
	switch {
	case key.Matches(km, k.New):
		return pane.Cmd(pane.ShowModal{Modal: secretform.New(p.d, p.env, p.table.Values(), p.seek)})
	case key.Matches(km, k.Delete):
		name, ok := p.table.CursorID()
		if !ok {
			return pane.Cmd(pane.Status{Text: "No secret selected."})
		}
		return pane.Cmd(pane.ShowModal{Modal: p.unset(name)})
	case key.Matches(km, k.RunnerEnv):
		return pane.Cmd(pane.ShowModal{Modal: runnerenv.New(p.d, p.env, nil)})
	}
	return p.table.Update(km)
}

// unset confirms deleting a secret.
func (p *Pane) unset(name string) *modal.Confirm {
	c, env := p.d.Client, p.env
	where := sanitize.String(name) + " in " + sanitize.String(names.Env(env))
	body := []string{"Runners started from now on no longer receive it; running ones keep the value they started with until they are replaced."}
	return modal.NewConfirm(p.d, "Unset secret "+where+"?", body, func(bool) tea.Cmd {
		return pane.Cmd(pane.Call("unsetting secret "+where, "unset secret "+where,
			func(ctx context.Context) error { return c.UnsetSecret(ctx, env, name) }, nil))
	}).Danger()
}
