// Package runners is the runners pane of an app: a summary of its runners
// by state, a sparkline history of those counts over the session, and a
// table of runners whose uptime and keep-alive countdown tick every second
// between polls; and the detail view of one runner.
package runners

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/internal/ui/table"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/views/format"
	"github.com/faldash/faldash/views/pane"
	"github.com/faldash/faldash/views/scalekeys"
)

const (
	colID = iota
	colState
	colInFlight
	colExpires
	colUptime
	colRevision
	colMachine
	colReplace
)

const revisionLen = 8

// TerminatedWindow is how far back `t` shows terminated runners.
const TerminatedWindow = time.Hour

// chromeLines are the summary and history lines above the table.
const chromeLines = 2

// queueTimeout bounds the queue call of a refresh, so that fal's REST API
// hanging slows the runners by that much, not by a whole poll's timeout.
const queueTimeout = 5 * time.Second

// liveWidth fits an uptime or countdown up to "99d23h", and the titles.
const liveWidth = 7

// Pane lists the runners of one app.
type Pane struct {
	pane.KeyActions[*Pane] // its keys, bound to it
	pane.Filterable        // its table, which filters it
	d                      pane.Deps
	env                    string
	app                    string
	history                *History
	table                  *table.Table[client.RunnerID, *client.Runner]

	counts         Counts
	showTerminated bool
	revealing      bool // `t` asked for terminated runners, not yet listed
	width, height  int

	// The app's settings, listed with its runners, for scaling it from
	// here; appErr says why they are unknown.
	appInfo client.App
	hasApp  bool
	appErr  error
	scaler  *scalekeys.Scaler

	// The app's queue depth, asked for with its runners: queueOK says it
	// is known, and noQueue that the client has no queue to ask about
	// (fal's REST API is not there), so it is no longer asked for.
	queue   int
	queueOK bool
	noQueue bool
}

var (
	_ pane.Pane     = (*Pane)(nil)
	_ pane.Lockable = (*Pane)(nil)
)

// New builds the runners pane of app in env, recording into history.
func New(d pane.Deps, env, app string, history *History) *Pane {
	if history == nil {
		history = NewHistory()
	}
	p := &Pane{
		d: d, env: env, app: app, history: history,
		scaler: scalekeys.New(d, env),
	}
	p.KeyActions = pane.Bind(actions, p, &p.d)
	p.SetReadOnly(d.ReadOnly)
	id := func(r *client.Runner) client.RunnerID { return r.ID }
	p.table = table.New(id, columns(d.Styles), d.Keys.Table, d.Styles)
	p.table.SetSameCells(sameCells)
	p.Filterable = p.table
	p.table.SetClock(d.Now, d.Stale)
	p.table.SetSelectable(true)
	p.setEmpty()
	return p
}

// columns draws runners with st. Their cells are built off the UI
// goroutine, from the runner alone.
func columns(st *theme.Styles) []table.Column[*client.Runner] {
	return []table.Column[*client.Runner]{
		colID: {Title: "ID", MinWidth: 13, MaxWidth: 36, ByID: true,
			Cell: func(r *client.Runner) string { return sanitize.String(string(r.ID)) }},
		colState: {Title: "STATE", MinWidth: 15, MaxWidth: 15, // "↻ crash backoff", its countdown when there is room
			Cell: func(r *client.Runner) string { return stateCell(st, r) },
			Live: stateLive(st),
			Key:  func(r *client.Runner) int64 { return int64(stateOrder(r.State)) }},
		colInFlight: {Title: "IN-FLIGHT", Align: table.AlignRight,
			Cell: func(r *client.Runner) string { return strconv.Itoa(r.InFlight) },
			Key:  func(r *client.Runner) int64 { return int64(r.InFlight) }},
		colExpires: {Title: "EXPIRES", Width: liveWidth, Priority: 2, Align: table.AlignRight,
			Live: expiresCell,
			Key: func(r *client.Runner) int64 {
				if r.ExpiresIn == nil {
					return -1
				}
				return int64(*r.ExpiresIn / time.Second)
			}},
		colUptime: {Title: "UPTIME", Width: liveWidth, Priority: 1, Align: table.AlignRight,
			Live: uptimeCell,
			Key:  func(r *client.Runner) int64 { return int64(r.Uptime / time.Second) }},
		colRevision: {Title: "REVISION", Priority: 3,
			Cell: func(r *client.Runner) string { return format.Short(string(r.Revision), revisionLen) }},
		colMachine: {Title: "MACHINE", MinWidth: 8, MaxWidth: 24, Priority: 4,
			Cell: func(r *client.Runner) string { return format.Or(r.MachineType) }},
		colReplace: {Title: "REPLACE", Priority: 5,
			Cell: func(r *client.Runner) string { word, _ := replacement(r.Replacement); return word }},
	}
}

// sameCells reports that columns make the same cells of runner b as of
// a, reading every field a Cell reads (the ID being the same): a poll of
// a huge app that changed little then makes cells only for the runners
// that changed. Uptime and the countdown's value are read only by live
// cells, which read the new runner anyway; whether there is a countdown
// is read (a crash backoff's state cell keeps room for it).
// TestSameCellsReadsEveryShownField keeps it in step with columns.
func sameCells(a, b *client.Runner) bool {
	return a.State == b.State && a.InFlight == b.InFlight && a.Revision == b.Revision &&
		a.MachineType == b.MachineType && a.Replacement == b.Replacement &&
		samePtr(a.PresentInGroup, b.PresentInGroup) && (a.ExpiresIn == nil) == (b.ExpiresIn == nil)
}

// samePtr reports that a and b are both nil or point to equal values.
func samePtr[T comparable](a, b *T) bool {
	return a == b || (a != nil && b != nil && *a == *b)
}

// listing is what the pane's Fetch finds: the runners' rows built, and
// what the summary needs.
type listing struct {
	rows *table.Snapshot[client.RunnerID, *client.Runner]
	// all, if not nil, builds the snapshot of every runner, rows being a
	// preview of the first ones (see table.Builder.Preview).
	all            func() *table.Snapshot[client.RunnerID, *client.Runner]
	counts         Counts
	showTerminated bool // asked for terminated runners
	app            client.App
	hasApp         bool
	appErr         error
	queue          int
	queueErr       error
}

// Fetch lists the app's runners, terminated ones of the last hour too when
// they are shown, and builds their rows; beside them, it lists the app
// itself, whose min and max the pane shows and its scaling keys change,
// and asks for its queue depth, so that the rows wait only for the
// runners. The query is built now, on the model's goroutine. Neither the
// app nor its queue failing is a failure of the listing: its runners are
// still worth showing.
func (p *Pane) Fetch() pane.Fetch {
	c, env, app, askQueue, terminated := p.d.Client, p.env, p.app, !p.noQueue, p.showTerminated
	q := client.RunnerQuery{IncludePending: true}
	if terminated {
		q.TerminatedSince = p.d.Now().Add(-TerminatedWindow)
	}
	build := p.table.Builder()
	return pane.FetchOf(func(ctx context.Context) (listing, error) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		l := listing{showTerminated: terminated, queueErr: client.ErrUnsupported}
		var wg sync.WaitGroup
		defer wg.Wait() // the calls beside end before the answer leaves
		if askQueue {
			wg.Go(func() {
				qctx, cancel := context.WithTimeout(ctx, queueTimeout)
				defer cancel()
				qs, err := c.QueueSize(qctx, env, app)
				l.queue, l.queueErr = qs.Size, err
			})
		}
		wg.Go(func() { l.app, l.hasApp, l.appErr = findApp(ctx, c, env, app) })

		rs, err := c.ListAppRunners(ctx, env, app, q)
		if err != nil {
			cancel() // the calls beside are no longer wanted
			return listing{}, err
		}
		l.counts = Count(rs)
		shown := make([]*client.Runner, 0, len(rs))
		for i := range rs {
			if rs[i].State != client.StateTerminated || terminated {
				shown = append(shown, &rs[i])
			}
		}
		if preview, ok := build.Preview(shown); ok {
			l.rows, l.all = preview, func() *table.Snapshot[client.RunnerID, *client.Runner] { return build.Build(shown) }
		} else {
			l.rows = build.Build(shown)
		}
		wg.Wait()
		return l, nil
	})
}

// findApp lists the apps of env for app's settings.
func findApp(ctx context.Context, c client.Client, env, app string) (client.App, bool, error) {
	apps, err := c.ListApps(ctx, env)
	if err != nil {
		return client.App{}, false, fmt.Errorf("list apps of %s: %w", names.Env(env), err)
	}
	for _, a := range apps {
		if a.Name == app {
			return a, true, nil
		}
	}
	return client.App{}, false, fmt.Errorf("%s is not listed in %s", app, names.Env(env))
}

func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pane.Result[listing]:
		return p.apply(msg)
	case built:
		p.showAll(msg)
	case pane.Tick:
		p.table.Tick()
	case tea.KeyMsg:
		return p.KeyOr(msg, p.table.Update)
	case acted:
		p.unmark(msg.ok)
	default:
		cmd, _ := p.scaler.Update(msg)
		if done, ok := msg.(scalekeys.Done); ok && done.Err == nil && done.Got.Name == p.app {
			p.appInfo, p.hasApp = done.Got, true
		}
		return cmd
	}
	return nil
}

// SetReadOnly shows or hides the mutating keys in the help.
func (p *Pane) SetReadOnly(readOnly bool) {
	p.d.ReadOnly = readOnly
}

func (p *Pane) apply(r pane.Result[listing]) tea.Cmd {
	l := r.Data
	p.appInfo, p.hasApp, p.appErr = l.app, l.hasApp, l.appErr
	p.queue, p.queueOK = l.queue, l.queueErr == nil
	p.noQueue = errors.Is(l.queueErr, client.ErrUnsupported)
	p.counts = l.counts
	p.history.Record(names.Alias(p.app, p.env), p.counts)
	p.table.Swap(l.rows, r.At)
	p.revealed(l)
	if l.showTerminated && !p.showTerminated {
		p.dropTerminated() // an answer to the query from before `t` was pressed
	}
	if l.all == nil {
		return nil
	}
	// Built off the model's goroutine: a load's answer comes back to
	// this pane even if it is hidden by then.
	all, preview := l.all, l.rows
	return p.d.Ask(pane.Load{
		Run: func(context.Context) tea.Msg { return built{preview: preview, rows: all()} },
	})
}

// built is the snapshot of every runner of a listing first shown as a
// preview.
type built struct {
	preview, rows *table.Snapshot[client.RunnerID, *client.Runner]
}

// showAll replaces a preview with the snapshot of every runner, unless
// something newer replaced it already, or a refresh failed since: the
// preview stays, stale, until one succeeds.
func (p *Pane) showAll(b built) {
	if p.table.Shows(b.preview) && !p.table.Stale() {
		p.table.Swap(b.rows, p.table.Listed())
	}
}

// dropTerminated hides terminated rows at once when `t` turns them off,
// rather than leaving them until the next answer.
func (p *Pane) dropTerminated() {
	p.table.Keep(func(r *client.Runner) bool { return r.State != client.StateTerminated })
	p.counts.Terminated = 0
}

func (p *Pane) setEmpty() {
	if p.showTerminated {
		p.table.SetEmpty("No runners in the last hour.")
	} else {
		p.table.SetEmpty("No live runners. Press t to include runners terminated in the last hour.")
	}
}

func (p *Pane) View() string {
	if p.height < chromeLines+2 {
		return p.table.View() // too short for the summary: the rows matter more
	}
	scale := p.scaleText()
	if q := p.queueText(); q != "" && scale != "" {
		scale = q + p.d.Styles.Summary.Render(" · ") + scale
	} else if q != "" {
		scale = q
	}
	top := []string{
		ansi.Truncate(summary(p.d.Styles, p.counts, p.showTerminated, p.width), p.width, "…"),
		spread(historyLine(p.d.Styles, p.history.Samples(names.Alias(p.app, p.env)), p.width-ansi.StringWidth(scale)-2), scale, p.width),
	}
	if p.table.Stale() {
		for i, l := range top {
			top[i] = p.d.Styles.Dim.Render(ansi.Strip(l))
		}
	}
	return top[0] + "\n" + top[1] + "\n" + p.table.View()
}

func (p *Pane) SetSize(width, height int) {
	p.width, p.height = width, height
	if height < chromeLines+2 {
		p.table.SetSize(width, height)
		return
	}
	p.table.SetSize(width, height-chromeLines)
}

// queueText is the app's queue depth, "queue 3"; nothing when the client
// has no queue to ask about.
func (p *Pane) queueText() string {
	switch {
	case p.noQueue:
		return ""
	case p.queueOK:
		return p.d.Styles.Summary.Render("queue " + strconv.Itoa(p.queue))
	}
	return p.d.Styles.Summary.Render("queue " + format.Dash)
}

// Counts are the runners per state at the last refresh.
func (p *Pane) Counts() Counts { return p.counts }

// ShowsTerminated reports whether `t` is on.
func (p *Pane) ShowsTerminated() bool { return p.showTerminated }

// Cursor is the runner under the cursor.
func (p *Pane) Cursor() (client.RunnerID, bool) { return p.table.CursorID() }

// Marked returns the runners marked with space, for actions on several.
func (p *Pane) Marked() []client.RunnerID { return p.table.Selected() }

// Legend explains the table's glyphs and the runner states.
func (p *Pane) Legend() []theme.Legend {
	return append(p.table.Legend(), p.d.Styles.StateLegend())
}
