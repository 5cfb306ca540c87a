package envs

import (
	"slices"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/envdelete"
	"github.com/faldash/faldash/views/envform"
	"github.com/faldash/faldash/views/pane"
)

// actions are the keys of the environments pane. Mutating keys arrive
// only when writing is allowed: the root refuses them otherwise.
var actions = slices.Concat(keymap.Context[*Pane]{
	{Name: "envs.new", Footer: 2, Run: (*Pane).create},
	{Name: "envs.delete", Footer: 3, Run: func(p *Pane, _ tea.KeyMsg) tea.Cmd { return p.delete() }},
}, pane.TableActs("apps", (*Pane).open))

// Scope is the keys live in the environments pane, for the clash check.
func Scope() keymap.Scope { return actions.Scope("environments pane") }

func (p *Pane) open(tea.KeyMsg) tea.Cmd {
	if id, ok := p.table.CursorID(); ok {
		return p.d.Ask(pane.Open{Key: pane.AppsKey(id)})
	}
	return nil
}

func (p *Pane) create(tea.KeyMsg) tea.Cmd {
	return p.d.Ask(pane.ShowModal{Modal: envform.New(p.d, p.table.AllIDs())})
}

// delete opens the typed-name dialog for the environment under the
// cursor; the default environment can't be deleted, so for it there is an
// explanation and no dialog.
func (p *Pane) delete() tea.Cmd {
	name, ok := p.table.CursorID()
	if !ok {
		return p.d.Ask(pane.Status{Text: "No environment selected."})
	}
	if e, _ := p.table.Value(name); names.IsDefault(name) || (e != nil && e.IsDefault) {
		return p.d.Ask(pane.Status{Err: true, Text: sanitize.String(name) +
			" is the default environment: fal never deletes it. Delete its apps and secrets one by one instead."})
	}
	return p.d.Ask(pane.ShowModal{Modal: envdelete.New(p.d, name)})
}
