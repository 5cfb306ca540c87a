// Package secrets is the secrets pane of an environment: names, ages and
// whether each is exposed to runners by default. Values never reach the
// TUI: the API does not return them.
package secrets

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/names"
	"github.com/faldash/faldash/tui/sanitize"
	"github.com/faldash/faldash/tui/table"
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
	d       pane.Deps
	env     string
	table   *table.Table[string]
	created map[string]time.Time
	order   []string // names as listed
	help    pane.HelpKeys
}

var (
	_ pane.Pane     = (*Pane)(nil)
	_ pane.Lockable = (*Pane)(nil)
)

// New builds the secrets pane of env.
func New(d pane.Deps, env string) *Pane {
	p := &Pane{d: d, env: env, created: map[string]time.Time{}}
	p.SetReadOnly(d.ReadOnly)
	p.table = table.New([]table.Column[string]{
		colName: {Title: "NAME", Flex: 1, MinWidth: 12},
		colCreated: {Title: "CREATED", Width: 10, Align: table.AlignRight,
			Live:    func(id string) string { return format.Ago(p.d.Now(), p.created[id]) },
			Compare: func(a, b table.Row[string]) int { return p.created[a.ID].Compare(p.created[b.ID]) }},
		colExposed: {Title: "EXPOSED BY DEFAULT", Width: 18, Align: table.AlignCenter},
	}, d.Keys.Table, d.Styles)
	p.table.SetEmpty("No secrets in " + sanitize.String(names.Env(env)) + ".")
	return p
}

// Fetch lists the secrets of the pane's environment.
func (p *Pane) Fetch() pane.Fetch {
	c, env := p.d.Client, p.env
	return func(ctx context.Context) (any, error) { return c.ListSecrets(ctx, env) }
}

func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pane.Result:
		p.apply(msg)
	case pane.Tick:
		p.table.Tick()
	case tea.KeyMsg:
		return p.key(msg)
	}
	return nil
}

// SetReadOnly shows or hides the mutating keys in the help.
func (p *Pane) SetReadOnly(readOnly bool) {
	p.d.ReadOnly = readOnly
	p.help = pane.Help(p.d.Keys, keymap.PaneSecrets, readOnly)
}

func (p *Pane) apply(r pane.Result) {
	if r.Err != nil {
		p.table.SetStale(true)
		return
	}
	secrets, _ := r.Data.([]client.Secret)
	rows := make([]table.Row[string], len(secrets))
	clear(p.created)
	p.order = p.order[:0]
	for i, s := range secrets {
		p.order = append(p.order, s.Name)
		p.created[s.Name] = s.CreatedAt
		rows[i] = table.Row[string]{ID: s.Name, Cells: []string{
			colName:    sanitize.String(s.Name),
			colExposed: format.YesNo(s.DefaultExposed),
		}}
	}
	p.table.SetRows(rows)
	p.table.SetStale(false)
}

func (p *Pane) View() string              { return p.table.View() }
func (p *Pane) SetSize(width, height int) { p.table.SetSize(width, height) }
func (p *Pane) ShortHelp() []key.Binding  { return p.help.ShortHelp() }
func (p *Pane) FullHelp() [][]key.Binding { return p.help.FullHelp() }
func (p *Pane) Filter() string            { return p.table.Filter() }
func (p *Pane) SetFilter(q string)        { p.table.SetFilter(q) }
func (p *Pane) Len() int                  { return p.table.Len() }
func (p *Pane) Total() int                { return p.table.Total() }
