// Package apps is the apps pane of an environment: each app's revision,
// auth mode, runners and scaling, and its endpoint.
package apps

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/names"
	"github.com/faldash/faldash/scaling"
	"github.com/faldash/faldash/tui/sanitize"
	"github.com/faldash/faldash/tui/table"
	"github.com/faldash/faldash/views/format"
	"github.com/faldash/faldash/views/pane"
	"github.com/faldash/faldash/views/scalekeys"
)

const (
	colName = iota
	colRevision
	colAuth
	colRunners
	colQueue
	colMinMax
	colBuffer
	colMultiplexing
	colKeepAlive
	colMachines
	colRegions
	colURL
)

// revisionLen is how much of a revision id the table shows.
const revisionLen = 8

// minMaxWidth fits the title and a pending change such as "1→3/4→6";
// a longer one is cut here and shown whole in the status line.
const minMaxWidth = 7

// Pane lists the apps of one environment; Enter opens the runners of the
// app under the cursor. Its keys scale, roll out and delete the app under
// the cursor, list its revisions, and show what its runners receive.
type Pane struct {
	d      pane.Deps
	env    string
	table  *table.Table[string]
	apps   map[string]client.App // by bare name, the ID of its row
	order  []string              // app names as listed
	scaler *scalekeys.Scaler
	help   pane.HelpKeys
	queues queues
}

var (
	_ pane.Pane     = (*Pane)(nil)
	_ pane.Lockable = (*Pane)(nil)
)

// New builds the apps pane of env.
func New(d pane.Deps, env string) *Pane {
	p := &Pane{d: d, env: env, apps: map[string]client.App{}, scaler: scalekeys.New(d, env)}
	p.SetReadOnly(d.ReadOnly)
	byInt := func(get func(client.App) int) func(a, b table.Row[string]) int {
		return func(a, b table.Row[string]) int { return cmp.Compare(get(p.apps[a.ID]), get(p.apps[b.ID])) }
	}
	p.table = table.New([]table.Column[string]{
		colName:     {Title: "NAME", Flex: 2, MinWidth: 14},
		colRevision: {Title: "REVISION", Width: revisionLen},
		colAuth:     {Title: "AUTH", Width: 7},
		colRunners: {Title: "RUNNERS", Width: 7, Align: table.AlignRight,
			Compare: byInt(func(a client.App) int { return a.ActiveRunners })},
		colQueue: {Title: "QUEUE", Width: 5, Align: table.AlignRight,
			Compare: byInt(func(a client.App) int { return p.queues.size(a.Name) })},
		colMinMax: {Title: "MIN/MAX", Width: minMaxWidth, Align: table.AlignRight,
			Compare: func(a, b table.Row[string]) int {
				x, y := p.apps[a.ID].Scaling, p.apps[b.ID].Scaling
				return cmp.Or(cmp.Compare(x.MinConcurrency, y.MinConcurrency), cmp.Compare(x.MaxConcurrency, y.MaxConcurrency))
			}},
		colBuffer:       {Title: "BUFFER", Width: 6, Align: table.AlignRight},
		colMultiplexing: {Title: "MUX", Width: 3, Align: table.AlignRight},
		colKeepAlive: {Title: "KEEP-ALIVE", Width: 10, Align: table.AlignRight,
			Compare: byInt(func(a client.App) int { return a.Scaling.KeepAlive })},
		colMachines: {Title: "MACHINES", Flex: 1, MinWidth: 8},
		colRegions:  {Title: "REGIONS", Flex: 1, MinWidth: 7},
		colURL:      {Title: "ENDPOINT", Flex: 4, MinWidth: 12},
	}, d.Keys.Table, d.Styles)
	p.table.SetEmpty("No apps in " + sanitize.String(names.Env(env)) + ". Deploy one with `faldash deploy` or fal's CLI.")
	return p
}

// listing is what the pane's Fetch finds.
type listing struct {
	apps   []client.App
	asked  bool // for the queues, which answered in queues
	queues queueAnswer
}

// Fetch lists the apps of the pane's environment, then asks for their
// queues unless that is backing off (decided now, on the model's
// goroutine). A queue that can't be read is no failure of the listing.
func (p *Pane) Fetch() pane.Fetch {
	c, env, ask := p.d.Client, p.env, p.queues.ask()
	return func(ctx context.Context) (any, error) {
		apps, err := c.ListApps(ctx, env)
		if err != nil {
			return nil, err
		}
		l := listing{apps: apps, asked: ask && len(apps) > 0}
		if l.asked {
			l.queues = readQueues(ctx, c, env, apps)
		}
		return l, nil
	}
}

func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pane.Result:
		return p.apply(msg)
	case tea.KeyMsg:
		return p.key(msg)
	default:
		cmd, ok := p.scaler.Update(msg)
		if !ok {
			return nil
		}
		if done, isDone := msg.(scalekeys.Done); isDone && done.Err == nil && done.Got.Name == done.App {
			if _, listed := p.apps[done.App]; listed {
				p.apps[done.App] = done.Got // the app after: no flicker back until the refresh
			}
		}
		p.redraw()
		return cmd
	}
}

// SetReadOnly shows or hides the mutating keys in the help.
func (p *Pane) SetReadOnly(readOnly bool) {
	p.d.ReadOnly = readOnly
	p.help = pane.Help(p.d.Keys, keymap.PaneApps, readOnly)
}

// apply shows a listing; the first of failed queue reads in a row is
// said in the status line.
func (p *Pane) apply(r pane.Result) tea.Cmd {
	if r.Err != nil {
		p.table.SetStale(true)
		return nil
	}
	l, _ := r.Data.(listing)
	var cmd tea.Cmd
	if l.asked {
		if err := p.queues.apply(l.queues); err != nil {
			cmd = pane.Cmd(pane.Status{Err: true, Text: "queue sizes: " + sanitize.String(err.Error())})
		}
	}
	clear(p.apps)
	p.order = p.order[:0]
	for _, a := range l.apps {
		p.apps[a.Name] = a
		p.order = append(p.order, a.Name)
	}
	p.redraw()
	p.table.SetStale(false)
	return cmd
}

// redraw rebuilds the rows from the apps as listed and the pending changes.
func (p *Pane) redraw() {
	rows := make([]table.Row[string], len(p.order))
	for i, name := range p.order {
		rows[i] = table.Row[string]{ID: name, Cells: p.cells(p.apps[name])}
	}
	p.table.SetRows(rows)
}

func (p *Pane) cells(a client.App) []string {
	s := a.Scaling
	name := sanitize.String(a.Name)
	if a.IsRolling {
		name += " (rolling out)"
	}
	return []string{
		colName:         name,
		colRevision:     format.Short(string(a.Revision), revisionLen),
		colAuth:         a.AuthMode.String(),
		colRunners:      strconv.Itoa(a.ActiveRunners),
		colQueue:        p.queues.cell(a.Name),
		colMinMax:       p.minMax(a),
		colBuffer:       buffer(s),
		colMultiplexing: strconv.Itoa(s.MaxMultiplexing),
		colKeepAlive:    format.Duration(secs(s.KeepAlive)),
		colMachines:     format.List(s.MachineTypes),
		colRegions:      format.List(s.Regions),
		colURL:          p.endpoint(a),
	}
}

// minMax is "1/4", or a pending change drawn as one: "1→3/4".
func (p *Pane) minMax(a client.App) string {
	cell := p.scaler.Cell(a.Name, a.Scaling)
	if p.scaler.Pending(a.Name) != "" {
		return p.d.Styles.Pending.Render(cell)
	}
	return cell
}

// endpoint is where the app answers (fal.run for fal cloud, the gateway of
// a local controller), without the scheme, to leave room for the part that
// differs.
func (p *Pane) endpoint(a client.App) string {
	url := p.d.Target.EndpointURL(a.Name, p.env)
	url = strings.TrimPrefix(strings.TrimPrefix(url, "https://"), "http://")
	return sanitize.String(url)
}

// buffer shows the concurrency buffer as a count, a percentage, or both.
func buffer(s scaling.Settings) string {
	switch {
	case s.ConcurrencyBuffer != nil && s.ConcurrencyBufferPerc != nil:
		return fmt.Sprintf("%d,%d%%", *s.ConcurrencyBuffer, *s.ConcurrencyBufferPerc)
	case s.ConcurrencyBuffer != nil:
		return strconv.Itoa(*s.ConcurrencyBuffer)
	case s.ConcurrencyBufferPerc != nil:
		return fmt.Sprintf("%d%%", *s.ConcurrencyBufferPerc)
	}
	return format.Dash
}

// Selected is the app under the cursor, as last listed.
func (p *Pane) Selected() (client.App, bool) {
	id, ok := p.table.CursorID()
	if !ok {
		return client.App{}, false
	}
	a, ok := p.apps[id]
	return a, ok
}

func (p *Pane) View() string              { return p.table.View() }
func (p *Pane) SetSize(width, height int) { p.table.SetSize(width, height) }
func (p *Pane) ShortHelp() []key.Binding  { return p.help.ShortHelp() }
func (p *Pane) FullHelp() [][]key.Binding { return p.help.FullHelp() }
func (p *Pane) Filter() string            { return p.table.Filter() }
func (p *Pane) SetFilter(q string)        { p.table.SetFilter(q) }
func (p *Pane) Len() int                  { return p.table.Len() }
func (p *Pane) Total() int                { return p.table.Total() }

func secs(n int) time.Duration { return time.Duration(n) * time.Second }
