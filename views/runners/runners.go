// Package runners is the runners pane of an app: a summary of its runners
// by state, a sparkline history of those counts over the session, and a
// table of runners whose uptime and keep-alive countdown tick every second
// between polls; and the detail view of one runner.
package runners

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/names"
	"github.com/faldash/faldash/tui/sanitize"
	"github.com/faldash/faldash/tui/table"
	"github.com/faldash/faldash/tui/theme"
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

// stateWidth fits the longest state, "↓ pulling image", marked lost.
const stateWidth = 20

// Pane lists the runners of one app.
type Pane struct {
	d       pane.Deps
	env     string
	app     string
	history *History
	table   *table.Table[client.RunnerID]
	help    pane.HelpKeys

	runners        map[client.RunnerID]client.Runner
	order          []client.RunnerID // as listed, the table's unsorted order
	at             time.Time         // when runners were listed, for the live columns
	counts         Counts
	showTerminated bool
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
		runners: map[client.RunnerID]client.Runner{},
		scaler:  scalekeys.New(d, env),
	}
	p.SetReadOnly(d.ReadOnly)
	byRunner := func(f func(r client.Runner) int) func(a, b table.Row[client.RunnerID]) int {
		return func(a, b table.Row[client.RunnerID]) int {
			return cmp.Compare(f(p.runners[a.ID]), f(p.runners[b.ID]))
		}
	}
	p.table = table.New([]table.Column[client.RunnerID]{
		colID: {Title: "ID", Flex: 2, MinWidth: 12},
		colState: {Title: "STATE", Width: stateWidth,
			Compare: byRunner(func(r client.Runner) int { return stateOrder(r.State) })},
		colInFlight: {Title: "IN-FLIGHT", Width: 9, Align: table.AlignRight,
			Compare: byRunner(func(r client.Runner) int { return r.InFlight })},
		colExpires: {Title: "EXPIRES", Width: 8, Align: table.AlignRight,
			Live: p.expiresCell,
			Compare: byRunner(func(r client.Runner) int {
				if r.ExpiresIn == nil {
					return -1
				}
				return int(*r.ExpiresIn / time.Second)
			})},
		colUptime: {Title: "UPTIME", Width: 8, Align: table.AlignRight,
			Live:    p.uptimeCell,
			Compare: byRunner(func(r client.Runner) int { return int(r.Uptime / time.Second) })},
		colRevision: {Title: "REVISION", Width: revisionLen},
		colMachine:  {Title: "MACHINE", Flex: 1, MinWidth: 8},
		colReplace:  {Title: "REPLACE", Width: 10},
	}, d.Keys.Table, d.Styles)
	p.table.SetSelectable(true)
	p.setEmpty()
	return p
}

// listing is what the pane's Fetch finds.
type listing struct {
	runners  []client.Runner
	app      client.App
	hasApp   bool
	appErr   error
	queue    int
	queueErr error
}

// Fetch lists the app's runners, terminated ones of the last hour too when
// they are shown, then the app itself, whose min and max the pane shows
// and its scaling keys change, and its queue depth. The query is built
// now, on the model's goroutine. Neither the app nor its queue failing is
// a failure of the listing: its runners are still worth showing.
func (p *Pane) Fetch() pane.Fetch {
	c, env, app, askQueue := p.d.Client, p.env, p.app, !p.noQueue
	q := client.RunnerQuery{IncludePending: true}
	if p.showTerminated {
		q.TerminatedSince = p.d.Now().Add(-TerminatedWindow)
	}
	return func(ctx context.Context) (any, error) {
		rs, err := c.ListAppRunners(ctx, env, app, q)
		if err != nil {
			return nil, err
		}
		l := listing{runners: rs, queueErr: client.ErrUnsupported}
		if askQueue {
			qctx, cancel := context.WithTimeout(ctx, queueTimeout)
			qs, err := c.QueueSize(qctx, env, app)
			cancel()
			l.queue, l.queueErr = qs.Size, err
		}
		apps, err := c.ListApps(ctx, env)
		if err != nil {
			l.appErr = fmt.Errorf("list apps of %s: %w", names.Env(env), err)
			return l, nil
		}
		for _, a := range apps {
			if a.Name == app {
				l.app, l.hasApp = a, true
			}
		}
		if !l.hasApp {
			l.appErr = fmt.Errorf("%s is not listed in %s", app, names.Env(env))
		}
		return l, nil
	}
}

func (p *Pane) Update(msg tea.Msg) tea.Cmd {
	k := p.d.Keys
	switch msg := msg.(type) {
	case pane.Result:
		p.apply(msg)
	case pane.Tick:
		p.table.Tick()
	case tea.KeyMsg:
		if cmd, ok := p.action(msg); ok {
			return cmd
		}
		switch {
		case key.Matches(msg, k.Global.Enter, k.Runners.Logs):
			if id, ok := p.table.CursorID(); ok {
				return pane.Cmd(pane.Open{Key: pane.RunnerKey(p.env, p.app, id)})
			}
			return nil
		case key.Matches(msg, k.Runners.Mark):
			if id, ok := p.table.CursorID(); ok {
				p.table.ToggleSelect(id)
				p.table.MoveDown(1)
			}
			return nil
		case key.Matches(msg, k.Runners.ToggleTerminated):
			p.showTerminated = !p.showTerminated
			p.setEmpty()
			text := "hiding terminated runners"
			if p.showTerminated {
				text = "showing runners terminated in the last hour"
			} else {
				p.dropTerminated()
			}
			return tea.Batch(pane.Cmd(pane.Refresh{}), pane.Cmd(pane.Status{Text: text}))
		}
		return p.table.Update(msg)
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
	p.help = pane.Help(p.d.Keys, keymap.PaneRunners, readOnly)
}

func (p *Pane) apply(r pane.Result) {
	if r.Err != nil {
		p.table.SetStale(true)
		return
	}
	l, _ := r.Data.(listing)
	listed := l.runners
	p.appInfo, p.hasApp, p.appErr = l.app, l.hasApp, l.appErr
	p.queue, p.queueOK = l.queue, l.queueErr == nil
	p.noQueue = errors.Is(l.queueErr, client.ErrUnsupported)
	p.at = r.At
	p.counts = Count(listed)
	p.history.Record(names.Alias(p.app, p.env), p.counts)
	clear(p.runners)
	p.order = p.order[:0]
	rows := make([]table.Row[client.RunnerID], 0, len(listed))
	for _, rn := range listed {
		if rn.State == client.StateTerminated && !p.showTerminated {
			continue // an answer to the query from before `t` was pressed
		}
		p.runners[rn.ID] = rn
		p.order = append(p.order, rn.ID)
		rows = append(rows, table.Row[client.RunnerID]{ID: rn.ID, Cells: p.cells(rn)})
	}
	p.table.SetRows(rows)
	p.table.SetStale(false)
}

// dropTerminated hides terminated rows at once when `t` turns them off,
// rather than leaving them until the next answer.
func (p *Pane) dropTerminated() {
	rows := make([]table.Row[client.RunnerID], 0, len(p.order))
	kept := p.order[:0]
	for _, id := range p.order {
		if p.runners[id].State == client.StateTerminated {
			delete(p.runners, id)
			continue
		}
		if row, ok := p.table.Row(id); ok {
			rows = append(rows, row)
			kept = append(kept, id)
		}
	}
	p.order = kept
	p.counts.Terminated = 0
	p.table.SetRows(rows)
}

func (p *Pane) setEmpty() {
	if p.showTerminated {
		p.table.SetEmpty("No runners in the last hour.")
	} else {
		p.table.SetEmpty("No live runners. Press t to include runners terminated in the last hour.")
	}
}

func (p *Pane) cells(r client.Runner) []string {
	st := p.d.Styles
	state := st.State(sanitize.String(string(r.State)))
	if Lost(r) {
		state += " " + st.Lost.Render("lost")
	}
	return []string{
		colID:       sanitize.String(string(r.ID)),
		colState:    state,
		colInFlight: strconv.Itoa(r.InFlight),
		colRevision: format.Short(string(r.Revision), revisionLen),
		colMachine:  format.Or(r.MachineType),
		colReplace:  replacement(r.Replacement),
	}
}

// elapsed is the time since the runners were listed.
func (p *Pane) elapsed() time.Duration { return p.d.Now().Sub(p.at) }

func (p *Pane) uptimeCell(id client.RunnerID) string {
	r, ok := p.runners[id]
	if !ok {
		return format.Dash
	}
	return format.Duration(Uptime(r, p.elapsed()))
}

func (p *Pane) expiresCell(id client.RunnerID) string {
	r, ok := p.runners[id]
	if !ok {
		return format.Dash
	}
	left, ok := ExpiresIn(r, p.elapsed())
	if !ok {
		return format.Dash
	}
	return format.Duration(left)
}

// Uptime is r's uptime elapsed after it was listed. Only a runner with a
// process ages: one waiting to start, or to retry after a crash, or ended,
// keeps the uptime it was listed with.
func Uptime(r client.Runner, elapsed time.Duration) time.Duration {
	switch r.State {
	case client.StateRunning, client.StateIdle, client.StateSetup, client.StateDockerPull,
		client.StateDraining, client.StateTerminating:
		return r.Uptime + max(0, elapsed)
	}
	return r.Uptime
}

// ExpiresIn is r's keep-alive left elapsed after it was listed, floored at
// zero; false when r is not counting down.
func ExpiresIn(r client.Runner, elapsed time.Duration) (time.Duration, bool) {
	if r.ExpiresIn == nil {
		return 0, false
	}
	return max(0, *r.ExpiresIn-max(0, elapsed)), true
}

func replacement(s client.ReplaceState) string {
	switch s {
	case client.WillReplace:
		return "to replace"
	case client.DidReplace:
		return "replaced"
	}
	return ""
}

// stateOrder sorts states along the lifecycle, unknown ones last.
func stateOrder(s client.RunnerState) int {
	i := slices.Index(theme.RunnerStates(), string(s))
	if i < 0 {
		return len(theme.RunnerStates())
	}
	return i
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
		ansi.Truncate(summary(p.d.Styles, p.counts, p.showTerminated), p.width, "…"),
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

func (p *Pane) ShortHelp() []key.Binding  { return p.help.ShortHelp() }
func (p *Pane) FullHelp() [][]key.Binding { return p.help.FullHelp() }
func (p *Pane) Filter() string            { return p.table.Filter() }
func (p *Pane) SetFilter(q string)        { p.table.SetFilter(q) }
func (p *Pane) Len() int                  { return p.table.Len() }
func (p *Pane) Total() int                { return p.table.Total() }
