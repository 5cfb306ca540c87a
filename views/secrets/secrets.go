// Package secrets is the secrets pane of an environment: names, ages and
// whether each is exposed to runners by default. Values never reach the
// TUI: the API does not return them.
package secrets

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/internal/ui/table"
	"github.com/faldash/faldash/views/format"
	"github.com/faldash/faldash/views/pane"
)

const (
	colName = iota
	colCreated
	colExposed
)

// Pane lists the secrets of one environment. Its keys set a secret, unset
// the one under the cursor, and show what a runner of the environment
// receives.
type Pane struct {
	pane.KeyActions[*Pane] // its keys, bound to it
	pane.Listing           // its table, which draws, sizes and filters it
	d                      pane.Deps
	env                    string
	table                  *table.Table[string, *client.Secret]
	want                   string // the secret to put the cursor on once it is listed
}

var (
	_ pane.Pane     = (*Pane)(nil)
	_ pane.Lockable = (*Pane)(nil)
)

// New builds the secrets pane of env.
func New(d pane.Deps, env string) *Pane {
	p := &Pane{d: d, env: env}
	p.KeyActions = pane.Bind(actions, p, &p.d)
	p.SetReadOnly(d.ReadOnly)
	name := func(s *client.Secret) string { return s.Name }
	p.table = table.New(name, []table.Column[*client.Secret]{
		colName: {Title: "NAME", MinWidth: 12, MaxWidth: 48, Cell: func(s *client.Secret) string { return sanitize.String(s.Name) }},
		colCreated: {Title: "CREATED", Width: 8, Priority: 1, Align: table.AlignRight,
			Live: func(s *client.Secret, c table.Clock) string { return format.Ago(c.Now, s.CreatedAt) },
			Key:  func(s *client.Secret) int64 { return s.CreatedAt.Unix() }},
		colExposed: {Title: "EXPOSED BY DEFAULT", Align: table.AlignCenter,
			Cell: func(s *client.Secret) string { return format.YesNo(s.DefaultExposed) }},
	}, d.Keys.Table, d.Styles)
	p.Listing = p.table
	p.table.SetClock(d.Now, d.Stale)
	p.table.SetEmpty("No secrets in " + sanitize.String(names.Env(env)) + ".")
	return p
}

// Fetch lists the secrets of the pane's environment and builds their rows.
func (p *Pane) Fetch() pane.Fetch {
	c, env := p.d.Client, p.env
	return pane.FetchRows(p.table.Builder(), func(ctx context.Context) ([]client.Secret, error) {
		return c.ListSecrets(ctx, env)
	})
}

// listing is what Fetch brings: the secrets' rows.
type listing = *table.Snapshot[string, *client.Secret]

func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pane.Result[listing]:
		p.table.Swap(msg.Data, msg.At)
		p.seek("")
	case pane.Tick:
		p.table.Tick()
	case tea.KeyMsg:
		return p.KeyOr(msg, p.table.Update)
	}
	return nil
}

// SetReadOnly shows or hides the mutating keys in the help.
func (p *Pane) SetReadOnly(readOnly bool) {
	p.d.ReadOnly = readOnly
}

// seek puts the cursor on the secret just set, now if it is listed, else
// once a listing has it: a new secret is not listed until the refresh
// after the call.
func (p *Pane) seek(name string) {
	if name != "" {
		p.want = name
	}
	if p.want != "" && p.table.SetCursorID(p.want) {
		p.want = ""
	}
}
