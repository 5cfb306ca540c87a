// Package envs is the environments pane: every environment of the account,
// with its description, which one is the default, and its age.
package envs

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/internal/ui/table"
	"github.com/faldash/faldash/views/format"
	"github.com/faldash/faldash/views/pane"
)

// Column indexes.
const (
	colName = iota
	colDescription
	colDefault
	colCreated
)

// Pane lists environments; Enter opens the apps of the one under the
// cursor. Its keys create an environment and delete the one under the
// cursor.
type Pane struct {
	pane.KeyActions[*Pane] // its keys, bound to it
	pane.Listing           // its table, which draws, sizes and filters it
	d                      pane.Deps
	table                  *table.Table[string, *client.Environment]
	want                   string // put the cursor on this environment once it is listed
}

var (
	_ pane.Pane     = (*Pane)(nil)
	_ pane.Lockable = (*Pane)(nil)
)

// New builds an empty environments pane; its rows come with the first Result.
func New(d pane.Deps) *Pane {
	p := &Pane{d: d}
	p.KeyActions = pane.Bind(actions, p, &p.d)
	p.SetReadOnly(d.ReadOnly)
	name := func(e *client.Environment) string { return e.Name }
	p.table = table.New(name, []table.Column[*client.Environment]{
		colName:        {Title: "NAME", MinWidth: 12, MaxWidth: 32, Cell: func(e *client.Environment) string { return sanitize.String(e.Name) }},
		colDescription: {Title: "DESCRIPTION", MinWidth: 12, MaxWidth: 60, Flex: 3, Cell: func(e *client.Environment) string { return sanitize.String(e.Description) }},
		colDefault: {Title: "DEFAULT", Align: table.AlignCenter, Cell: func(e *client.Environment) string {
			if e.IsDefault {
				return "✓"
			}
			return ""
		}},
		colCreated: {Title: "CREATED", Width: 8, Align: table.AlignRight,
			Live: func(e *client.Environment, c table.Clock) string { return format.Ago(c.Now, e.CreatedAt) },
			Key:  func(e *client.Environment) int64 { return e.CreatedAt.Unix() }},
	}, d.Keys.Table, d.Styles)
	p.Listing = p.table
	p.table.SetClock(d.Now, d.Stale)
	p.table.SetEmpty("No environments.")
	return p
}

// Fetch lists the environments and builds their rows.
func (p *Pane) Fetch() pane.Fetch {
	return pane.FetchRows(p.table.Builder(), p.d.Client.ListEnvironments)
}

// listing is what Fetch brings: the environments' rows.
type listing = *table.Snapshot[string, *client.Environment]

func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pane.Result[listing]:
		p.table.Swap(msg.Data, msg.At)
		p.seek()
	case pane.Tick:
		p.table.Tick()
	case tea.KeyMsg:
		return p.KeyOr(msg, p.table.Update)
	case pane.EnvCreated:
		p.want = msg.Name
		p.seek()
	case pane.EnvDeleted:
		p.remove(msg.Name)
	}
	return nil
}

// SetReadOnly shows or hides the mutating keys in the help.
func (p *Pane) SetReadOnly(readOnly bool) {
	p.d.ReadOnly = readOnly
}

// seek puts the cursor on the environment wanted, once it is listed.
func (p *Pane) seek() {
	if p.want != "" && p.table.SetCursorID(p.want) {
		p.want = ""
	}
}

// remove drops a deleted environment's row at once, without waiting for
// the next listing; the cursor stays at the same place, so it lands on the
// row after it (or before it, if it was the last).
func (p *Pane) remove(name string) {
	p.table.Keep(func(e *client.Environment) bool { return e.Name != name })
}

// Selected is the environment under the cursor.
func (p *Pane) Selected() (string, bool) { return p.table.CursorID() }
