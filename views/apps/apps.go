// Package apps is the apps pane of an environment: each app's revision,
// auth mode, runners and scaling, and its endpoint.
package apps

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/internal/ui/table"
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
	pane.KeyActions[*Pane] // its keys, bound to it
	pane.Listing           // its table, which draws, sizes and filters it
	d                      pane.Deps
	env                    string
	table                  *table.Table[string, *row]
	scaler                 *scalekeys.Scaler
	queues                 queues
}

// row is an app as the table holds it: as listed, with its queue depth
// and its endpoint on the target as the listing's answer described it (a
// faldash controller announces its gateway with every answer, so the
// first listing already knows where its apps are served).
type row struct {
	client.App
	queue    int
	queueOK  bool // the queue depth is known
	endpoint string
}

var (
	_ pane.Pane     = (*Pane)(nil)
	_ pane.Lockable = (*Pane)(nil)
)

// New builds the apps pane of env.
func New(d pane.Deps, env string) *Pane {
	p := &Pane{d: d, env: env, scaler: scalekeys.New(d, env)}
	p.KeyActions = pane.Bind(actions, p, &p.d)
	p.SetReadOnly(d.ReadOnly)
	cols := columns()
	cols[colMinMax].Live = func(r *row, _ table.Clock) string { return p.minMax(r.App) }
	p.table = table.New(func(r *row) string { return r.Name }, cols, d.Keys.Table, d.Styles)
	p.Listing = p.table
	p.table.SetClock(d.Now, d.Stale)
	p.table.SetEmpty("No apps in " + sanitize.String(names.Env(env)) + ". Deploy one with `faldash deploy` or fal's CLI.")
	return p
}

// columns draws the apps. Their cells are built off the UI goroutine, from
// the row alone; MIN/MAX also shows the pane's pending scaling, drawn live.
func columns() []table.Column[*row] {
	num := func(get func(r *row) int) func(r *row) int64 { return func(r *row) int64 { return int64(get(r)) } }
	return []table.Column[*row]{
		colName: {Title: "NAME", MinWidth: 12, MaxWidth: 32, Flex: 2, Cell: func(r *row) string {
			name := sanitize.String(r.Name)
			if r.IsRolling {
				name += " (rolling out)"
			}
			return name
		}},
		colRevision: {Title: "REVISION", Priority: 5,
			Cell: func(r *row) string { return format.Short(string(r.Revision), revisionLen) }},
		colAuth: {Title: "AUTH", Priority: 4, Cell: func(r *row) string { return r.AuthMode.String() }},
		colRunners: {Title: "RUNNERS", Align: table.AlignRight,
			Cell: func(r *row) string { return strconv.Itoa(r.ActiveRunners) },
			Key:  num(func(r *row) int { return r.ActiveRunners })},
		colQueue: {Title: "QUEUE", Priority: 2, Align: table.AlignRight,
			Cell: func(r *row) string {
				if !r.queueOK {
					return format.Dash
				}
				return strconv.Itoa(r.queue)
			},
			// Unknown sizes sort before empty queues.
			Key: num(func(r *row) int {
				if !r.queueOK {
					return -1
				}
				return r.queue
			})},
		colMinMax: {Title: "MIN/MAX", Width: minMaxWidth, Align: table.AlignRight,
			Cell: func(r *row) string {
				return strconv.Itoa(r.Scaling.MinConcurrency) + "/" + strconv.Itoa(r.Scaling.MaxConcurrency)
			},
			Key: func(r *row) int64 {
				return int64(r.Scaling.MinConcurrency)<<32 | int64(uint32(r.Scaling.MaxConcurrency))
			}},
		colBuffer:       {Title: "BUFFER", Priority: 3, Align: table.AlignRight, Cell: func(r *row) string { return buffer(r.Scaling) }},
		colMultiplexing: {Title: "MUX", Priority: 3, Align: table.AlignRight, Cell: func(r *row) string { return strconv.Itoa(r.Scaling.MaxMultiplexing) }},
		colKeepAlive: {Title: "KEEP-ALIVE", Priority: 3, Align: table.AlignRight,
			Cell: func(r *row) string { return format.Duration(secs(r.Scaling.KeepAlive)) },
			Key:  num(func(r *row) int { return r.Scaling.KeepAlive })},
		colMachines: {Title: "MACHINES", MinWidth: 8, MaxWidth: 24, Priority: 4, Cell: func(r *row) string { return format.List(r.Scaling.MachineTypes) }},
		colRegions:  {Title: "REGIONS", MinWidth: 7, MaxWidth: 16, Priority: 5, Cell: func(r *row) string { return format.List(r.Scaling.Regions) }},
		colURL:      {Title: "ENDPOINT", MinWidth: 16, MaxWidth: 24, Flex: 3, Priority: 1, Truncate: table.TruncateMiddle, Cell: func(r *row) string { return r.endpoint }},
	}
}

// listing is what the pane's Fetch finds.
type listing struct {
	rows   *table.Snapshot[string, *row]
	asked  bool // for the queues, which answered in queues
	queues queueAnswer
}

// Fetch lists the apps of the pane's environment, then asks for their
// queues unless that is backing off (decided now, on the model's
// goroutine), and builds the rows. A queue that can't be read is no
// failure of the listing.
func (p *Pane) Fetch() pane.Fetch {
	c, env, ask, known := p.d.Client, p.env, p.queues.ask(), p.queues.sizes
	visible := p.table.Visible()
	build := p.table.Builder()
	return pane.FetchOf(func(ctx context.Context) (listing, error) {
		apps, err := c.ListApps(ctx, env)
		if err != nil {
			return listing{}, err
		}
		l := listing{asked: ask && len(apps) > 0}
		if l.asked {
			l.queues = readQueues(ctx, c, env, queued(apps, visible))
			known = l.queues.sizes
		}
		target := c.Target() // as the answer left it
		rows := make([]row, len(apps))
		vals := make([]*row, len(apps))
		for i, a := range apps {
			rows[i].App = a
			rows[i].endpoint = endpoint(target, env, a.Name)
			rows[i].queue, rows[i].queueOK = known[a.Name]
			vals[i] = &rows[i]
		}
		l.rows = build.Build(vals)
		return l, nil
	})
}

func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pane.Result[listing]:
		return p.apply(msg)
	case tea.KeyMsg:
		return p.KeyOr(msg, p.table.Update)
	default:
		cmd, ok := p.scaler.Update(msg)
		if !ok {
			return nil
		}
		if done, isDone := msg.(scalekeys.Done); isDone && done.Err == nil && done.Got.Name == done.App {
			if r, listed := p.table.Value(done.App); listed {
				// The app after: no flicker back until the refresh.
				p.table.Set(done.App, &row{App: done.Got, queue: r.queue, queueOK: r.queueOK, endpoint: r.endpoint})
			}
		}
		p.table.Invalidate()
		return cmd
	}
}

// SetReadOnly shows or hides the mutating keys in the help.
func (p *Pane) SetReadOnly(readOnly bool) {
	p.d.ReadOnly = readOnly
}

// apply shows a listing; the first of failed queue reads in a row is
// said in the status line.
func (p *Pane) apply(r pane.Result[listing]) tea.Cmd {
	l := r.Data
	var cmd tea.Cmd
	if l.asked {
		if err := p.queues.apply(l.queues); err != nil {
			cmd = p.d.Ask(pane.Status{Err: true, Text: "queue sizes: " + sanitize.String(err.Error())})
		}
	}
	p.table.Swap(l.rows, r.At)
	return cmd
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
// differs; a controller without a gateway serves it nowhere.
func endpoint(target client.Target, env, app string) string {
	if target.NoGateway {
		return "no gateway"
	}
	url := target.EndpointURL(app, env)
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
	r, ok := p.table.CursorValue()
	if !ok {
		return client.App{}, false
	}
	return r.App, true
}

func secs(n int) time.Duration { return time.Duration(n) * time.Second }
