package envs

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/views/envdelete"
	"github.com/faldash/faldash/views/envform"
	"github.com/faldash/faldash/views/pane"
)

// key handles a key on the environments. Mutating keys arrive only when
// writing is allowed: the root refuses them otherwise.
func (p *Pane) key(km tea.KeyMsg) tea.Cmd {
	k := p.d.Keys
	switch {
	case key.Matches(km, k.Global.Enter):
		if id, ok := p.table.CursorID(); ok {
			return pane.Cmd(pane.Open{Key: pane.AppsKey(id)})
		}
		return nil
	case key.Matches(km, k.Envs.New):
		return pane.Cmd(pane.ShowModal{Modal: envform.New(p.d, p.table.AllIDs())})
	case key.Matches(km, k.Envs.Delete):
		return p.delete()
	}
	return p.table.Update(km)
}

// delete opens the typed-name dialog for the environment under the
// cursor; the default environment can't be deleted, so for it there is an
// explanation and no dialog.
func (p *Pane) delete() tea.Cmd {
	name, ok := p.table.CursorID()
	if !ok {
		return pane.Cmd(pane.Status{Text: "No environment selected."})
	}
	if e, _ := p.table.Value(name); names.IsDefault(name) || (e != nil && e.IsDefault) {
		return pane.Cmd(pane.Status{Err: true, Text: sanitize.String(name) +
			" is the default environment: fal never deletes it. Delete its apps and secrets one by one instead."})
	}
	return pane.Cmd(pane.ShowModal{Modal: envdelete.New(p.d, name)})
}
