package secrets

import (
	"context"
	"slices"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/modal"
	"github.com/faldash/faldash/views/pane"
	"github.com/faldash/faldash/views/runnerenv"
	"github.com/faldash/faldash/views/secretform"
)

// actions are the keys of the secrets pane. Mutating keys arrive only
// when writing is allowed: the root refuses them otherwise.
var actions = slices.Concat(keymap.Context[*Pane]{
	{Name: "secrets.new", Footer: 1, Run: func(p *Pane, _ tea.KeyMsg) tea.Cmd {
		return p.d.Ask(pane.ShowModal{Modal: secretform.New(p.d, p.env, p.table.Values(), p.seek)})
	}},
	{Name: "secrets.delete", Footer: 2, Run: func(p *Pane, _ tea.KeyMsg) tea.Cmd {
		name, ok := p.table.CursorID()
		if !ok {
			return p.d.Ask(pane.Status{Text: "No secret selected."})
		}
		return p.d.Ask(pane.ShowModal{Modal: p.unset(name)})
	}},
	{Name: "secrets.runner_env", Footer: 3, Run: func(p *Pane, _ tea.KeyMsg) tea.Cmd {
		return p.d.Ask(pane.ShowModal{Modal: runnerenv.New(p.d, p.env, nil)})
	}},
}, pane.TableActs[*Pane]("", nil))

// Scope is the keys live in the secrets pane, for the clash check.
func Scope() keymap.Scope { return actions.Scope("secrets pane") }

// unset confirms deleting a secret.
func (p *Pane) unset(name string) *modal.Confirm {
	c, env := p.d.Client, p.env
	where := sanitize.String(name) + " in " + sanitize.String(names.Env(env))
	body := []string{"Runners started from now on no longer receive it; running ones keep the value they started with until they are replaced."}
	return modal.NewConfirm(p.d, "Unset secret "+where+"?", body, func(bool) tea.Cmd {
		return p.d.Ask(pane.Call("unsetting secret "+where, "unset secret "+where,
			func(ctx context.Context) error { return c.UnsetSecret(ctx, env, name) }, nil))
	}).Danger()
}
