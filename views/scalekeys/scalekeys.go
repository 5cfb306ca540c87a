// Package scalekeys is keyboard scaling: the keys that raise and lower an
// app's min and max concurrency. Each press shows its value at once as a
// pending change ("min 1→3"); the presses of a burst are coalesced into one
// UpdateApp call, sent once no key has been pressed for Delay; a failed call
// drops the change, so the app shows its real values again, and the status
// line says why. A press that would put min above max, or either below 0,
// is refused on the spot, and the call that follows says how many presses
// were refused and why ("min 3→5 (max 5; 1 press refused)"), so that a
// burst cut short does not read as done in full.
//
// The apps pane and the runners pane each keep a Scaler, but the changes
// live in the pending.Book their Deps share: one pending change per app,
// whichever pane the presses came from.
package scalekeys

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/views/format"
	"github.com/faldash/faldash/views/pane"
	"github.com/faldash/faldash/views/scalekeys/pending"
)

// Delay is the pause after the last press before the change is sent: long
// enough to press a key a few times, short enough to feel immediate.
const Delay = 600 * time.Millisecond

type bounds = pending.Bounds

// Scaler scales the apps of one environment, with the pending changes of
// the Book it was given.
type Scaler struct {
	d    pane.Deps
	env  string
	book *pending.Book
}

// Due is the pause after press Seq of App ending.
type Due struct {
	App string
	Seq uint64
}

// Done is the answer to a change sent.
type Done struct {
	App  string
	Sent bounds
	Got  client.App // the app after, when Err is nil
	Err  error
}

// New returns a Scaler of the apps of env, keeping its changes in
// d.Scaling (a Book of its own when that is nil).
func New(d pane.Deps, env string) *Scaler {
	book := d.Scaling
	if book == nil {
		book = pending.New()
	}
	return &Scaler{d: d, env: env, book: book}
}

// Key applies a scaling key to app, whose settings are as last listed.
func (s *Scaler) Key(km tea.KeyMsg, app client.App) tea.Cmd {
	a := s.d.Keys.Apps
	c := s.book.Get(s.env, app.Name)
	cur := bounds{Min: app.Scaling.MinConcurrency, Max: app.Scaling.MaxConcurrency}
	if c != nil {
		cur = c.To
	}
	next := cur
	switch {
	case key.Matches(km, a.ScaleUpMin):
		next.Min++
	case key.Matches(km, a.ScaleDownMin):
		next.Min--
	case key.Matches(km, a.ScaleUpMax):
		next.Max++
	case key.Matches(km, a.ScaleDownMax):
		next.Max--
	default:
		return nil
	}
	name := sanitize.String(app.Name)
	if why, limit := s.refuse(next, next.Min > cur.Min); why != "" {
		if c != nil {
			c.Refused++
			c.Limit = limit
			why += " (" + format.Count(c.Refused, "press", "presses") + " refused)"
		}
		return s.d.Ask(pane.Status{Text: name + ": " + why, Err: true})
	}
	if c == nil {
		c = s.book.Begin(s.env, app.Name, cur)
	}
	c.To = next
	seq := s.book.Press(c)
	// No status per press: commands run concurrently, so statuses of quick
	// presses could land out of order and show an older value last. The
	// row (or the runners' summary) shows the pending value instead.
	return s.d.Ask(pane.Schedule{After: Delay, Msg: Due{App: app.Name, Seq: seq}})
}

// refuse says why b can't be asked for, or "", and names the limit it
// ran into ("max 5"). raisedMin tells which key broke min ≤ max, to say
// which other key would help.
func (s *Scaler) refuse(b bounds, raisedMin bool) (why, limit string) {
	a := s.d.Keys.Apps
	switch {
	case b.Min < 0:
		return "min concurrency can't go below 0", "min 0"
	case b.Max < 0:
		return "max concurrency can't go below 0", "max 0"
	case b.Min > b.Max && raisedMin:
		return fmt.Sprintf("min concurrency can't go above max (%d): raise max first with %s",
			b.Max, a.ScaleUpMax.Help().Key), fmt.Sprintf("max %d", b.Max)
	case b.Min > b.Max:
		return fmt.Sprintf("max concurrency can't go below min (%d): lower min first with %s",
			b.Min, a.ScaleDownMin.Help().Key), fmt.Sprintf("min %d", b.Min)
	case b.Max > scaling.MaxRunners:
		return fmt.Sprintf("max concurrency can't go above %d", scaling.MaxRunners),
			fmt.Sprintf("limit %d", scaling.MaxRunners)
	}
	return "", ""
}

// Update handles Due and Done; handled reports whether msg was one.
func (s *Scaler) Update(msg tea.Msg) (cmd tea.Cmd, handled bool) {
	switch msg := msg.(type) {
	case Due:
		return s.due(msg), true
	case Done:
		return s.done(msg), true
	}
	return nil, false
}

func (s *Scaler) due(msg Due) tea.Cmd {
	c := s.book.Get(s.env, msg.App)
	if c == nil || c.Seq != msg.Seq || c.Sent != nil {
		return nil // a newer press re-armed the pause, or a call is in flight: its answer sends the rest
	}
	if c.To == c.From {
		s.book.Drop(s.env, msg.App)
		return s.d.Ask(pane.Status{Text: sanitize.String(msg.App) + ": unchanged, nothing sent"})
	}
	return s.send(msg.App, c)
}

// send asks for c.To with one UpdateApp that sets only what changed.
func (s *Scaler) send(app string, c *pending.Change) tea.Cmd {
	var spec client.ScaleSpec
	if c.To.Min != c.From.Min {
		spec.MinConcurrency = scaling.Int(c.To.Min)
	}
	if c.To.Max != c.From.Max {
		spec.MaxConcurrency = scaling.Int(c.To.Max)
	}
	sent := c.To
	c.Sent = &sent
	cl, env := s.d.Client, s.env
	what := describe(c.From, c.To)
	if c.Refused > 0 {
		what += fmt.Sprintf(" (%s; %s refused)", c.Limit, format.Count(c.Refused, "press", "presses"))
		c.Refused, c.Limit = 0, ""
	}
	name := sanitize.String(names.Alias(app, env))
	return s.d.Ask(pane.Task{
		Label: "scaling " + name + ": " + what,
		Run: func(ctx context.Context) pane.Outcome {
			got, err := cl.UpdateApp(ctx, env, app, spec)
			return pane.Outcome{Said: "scaled " + name + ": " + what, Err: err,
				Reply: Done{App: app, Sent: sent, Got: got, Err: err}}
		},
	})
}

// done takes the answer to a call. Every pane of the app may hear it (the
// root tells them all, so each shows the app as it now is); only the
// first finds the call still in flight and acts on it.
func (s *Scaler) done(msg Done) tea.Cmd {
	c := s.book.Get(s.env, msg.App)
	if c == nil || c.Sent == nil || *c.Sent != msg.Sent {
		return nil
	}
	c.Sent = nil
	if msg.Err != nil {
		// The app shows its real values again, presses made meanwhile
		// included: they were built on a value the controller refused.
		s.book.Drop(s.env, msg.App)
		return nil
	}
	c.From = msg.Sent
	if c.To == c.From {
		s.book.Drop(s.env, msg.App)
		return nil
	}
	return s.send(msg.App, c) // keys pressed while the call was in flight
}

// Now is for the scale form, which opens on app: app as the keys left it,
// with the values asked for while a change is pending, and the command
// that sends that change at once rather than after the pause. Otherwise
// the form would show the values the presses replaced, and the pause's
// call, landing while the form is open, would undo or be undone by it.
func (s *Scaler) Now(app client.App) (client.App, tea.Cmd) {
	c := s.book.Get(s.env, app.Name)
	if c == nil {
		return app, nil
	}
	app.Scaling.MinConcurrency, app.Scaling.MaxConcurrency = c.To.Min, c.To.Max
	switch {
	case c.Sent != nil:
		return app, nil // its answer sends the rest, as after a pause
	case c.To == c.From:
		s.book.Drop(s.env, app.Name)
		return app, nil
	}
	return app, s.send(app.Name, c)
}

// Shown is what app's min and max read as: the values asked for while a
// change is pending, else cur's. pending reports which.
func (s *Scaler) Shown(app string, cur scaling.Settings) (minC, maxC int, pending bool) {
	if c := s.book.Get(s.env, app); c != nil {
		return c.To.Min, c.To.Max, true
	}
	return cur.MinConcurrency, cur.MaxConcurrency, false
}

// Pending describes app's pending change ("min 1→3"), or "".
func (s *Scaler) Pending(app string) string {
	c := s.book.Get(s.env, app)
	if c == nil {
		return ""
	}
	return describe(c.From, c.To)
}

// Cell is the MIN/MAX cell of app: "1/4", or "1→3/4" while pending.
func (s *Scaler) Cell(app string, cur scaling.Settings) string {
	c := s.book.Get(s.env, app)
	if c == nil {
		return fmt.Sprintf("%d/%d", cur.MinConcurrency, cur.MaxConcurrency)
	}
	part := func(from, to int) string {
		if from == to {
			return fmt.Sprint(to)
		}
		return fmt.Sprintf("%d→%d", from, to)
	}
	return part(c.From.Min, c.To.Min) + "/" + part(c.From.Max, c.To.Max)
}

// describe says what changes from a to b: "min 1→3, max 4→6".
func describe(a, b bounds) string {
	var parts []string
	if a.Min != b.Min {
		parts = append(parts, fmt.Sprintf("min %d→%d", a.Min, b.Min))
	}
	if a.Max != b.Max {
		parts = append(parts, fmt.Sprintf("max %d→%d", a.Max, b.Max))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("min %d, max %d", a.Min, a.Max)
	}
	return strings.Join(parts, ", ")
}
