// Package scalekeys is keyboard scaling: the keys that raise and lower an
// app's min and max concurrency. Each press shows its value at once as a
// pending change ("min 1→3"); the presses of a burst are coalesced into one
// UpdateApp call, sent once no key has been pressed for Delay; a failed call
// drops the change, so the app shows its real values again, and the status
// line says why. A press that would put min above max, or either below 0,
// is refused on the spot.
//
// The apps pane and the runners pane each keep a Scaler.
package scalekeys

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/names"
	"github.com/faldash/faldash/scaling"
	"github.com/faldash/faldash/tui/sanitize"
	"github.com/faldash/faldash/views/pane"
)

// Delay is the pause after the last press before the change is sent: long
// enough to press a key a few times, short enough to feel immediate.
const Delay = 600 * time.Millisecond

// bounds are an app's min and max concurrency.
type bounds struct{ min, max int }

// change is the keyboard scaling of one app in progress.
type change struct {
	from bounds  // the app's values when the burst began, or as last sent
	to   bounds  // the values asked for
	sent *bounds // in flight, nil when nothing is
	seq  uint64  // of the last press: only its Due message sends
}

// Scaler holds the pending changes of the apps of one environment.
type Scaler struct {
	d       pane.Deps
	env     string
	seq     uint64
	changes map[string]*change // by app name
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

// New returns a Scaler of the apps of env.
func New(d pane.Deps, env string) *Scaler {
	return &Scaler{d: d, env: env, changes: map[string]*change{}}
}

// IsKey reports whether km is one of the scaling keys.
func (s *Scaler) IsKey(km tea.KeyMsg) bool {
	a := s.d.Keys.Apps
	return key.Matches(km, a.ScaleUpMin, a.ScaleDownMin, a.ScaleUpMax, a.ScaleDownMax)
}

// Key applies a scaling key to app, whose settings are as last listed.
func (s *Scaler) Key(km tea.KeyMsg, app client.App) tea.Cmd {
	a := s.d.Keys.Apps
	c := s.changes[app.Name]
	cur := bounds{app.Scaling.MinConcurrency, app.Scaling.MaxConcurrency}
	next := cur
	if c != nil {
		next = c.to
	}
	switch {
	case key.Matches(km, a.ScaleUpMin):
		next.min++
	case key.Matches(km, a.ScaleDownMin):
		next.min--
	case key.Matches(km, a.ScaleUpMax):
		next.max++
	case key.Matches(km, a.ScaleDownMax):
		next.max--
	default:
		return nil
	}
	name := sanitize.String(app.Name)
	raisedMin := next.min > cur.min
	if c != nil {
		raisedMin = next.min > c.to.min
	}
	if why := s.refuse(next, raisedMin); why != "" {
		return pane.Cmd(pane.Status{Text: name + ": " + why, Err: true})
	}
	if c == nil {
		c = &change{from: cur}
		s.changes[app.Name] = c
	}
	c.to = next
	s.seq++
	c.seq = s.seq
	// No status per press: commands run concurrently, so statuses of quick
	// presses could land out of order and show an older value last. The
	// row (or the runners' summary) shows the pending value instead.
	return pane.Cmd(pane.Schedule{After: Delay, Msg: Due{App: app.Name, Seq: c.seq}})
}

// refuse says why b can't be asked for, or "". raisedMin tells which key
// broke min ≤ max, to say which other key would help.
func (s *Scaler) refuse(b bounds, raisedMin bool) string {
	a := s.d.Keys.Apps
	switch {
	case b.min < 0:
		return "min concurrency can't go below 0"
	case b.max < 0:
		return "max concurrency can't go below 0"
	case b.min > b.max && raisedMin:
		return fmt.Sprintf("min concurrency can't go above max (%d): raise max first with %s",
			b.max, a.ScaleUpMax.Help().Key)
	case b.min > b.max:
		return fmt.Sprintf("max concurrency can't go below min (%d): lower min first with %s",
			b.min, a.ScaleDownMin.Help().Key)
	case b.max > scaling.MaxRunners:
		return fmt.Sprintf("max concurrency can't go above %d", scaling.MaxRunners)
	}
	return ""
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
	c := s.changes[msg.App]
	if c == nil || c.seq != msg.Seq || c.sent != nil {
		return nil // a newer press re-armed the pause, or a call is in flight: its answer sends the rest
	}
	if c.to == c.from {
		delete(s.changes, msg.App)
		return pane.Cmd(pane.Status{Text: sanitize.String(msg.App) + ": unchanged, nothing sent"})
	}
	return s.send(msg.App, c)
}

// send asks for c.to with one UpdateApp that sets only what changed.
func (s *Scaler) send(app string, c *change) tea.Cmd {
	var spec client.ScaleSpec
	if c.to.min != c.from.min {
		spec.MinConcurrency = scaling.Int(c.to.min)
	}
	if c.to.max != c.from.max {
		spec.MaxConcurrency = scaling.Int(c.to.max)
	}
	sent := c.to
	c.sent = &sent
	cl, env := s.d.Client, s.env
	what := describe(c.from, c.to)
	name := sanitize.String(names.Alias(app, env))
	return pane.Cmd(pane.Task{
		Label: "scaling " + name + ": " + what,
		Done:  "scaled " + name + ": " + what,
		Run: func(ctx context.Context) (any, error) {
			return cl.UpdateApp(ctx, env, app, spec)
		},
		Reply: func(result any, err error) tea.Msg {
			got, _ := result.(client.App)
			return Done{App: app, Sent: sent, Got: got, Err: err}
		},
	})
}

func (s *Scaler) done(msg Done) tea.Cmd {
	c := s.changes[msg.App]
	if c == nil || c.sent == nil || *c.sent != msg.Sent {
		return nil
	}
	c.sent = nil
	if msg.Err != nil {
		// The app shows its real values again, presses made meanwhile
		// included: they were built on a value the controller refused.
		delete(s.changes, msg.App)
		return nil
	}
	c.from = msg.Sent
	if c.to == c.from {
		delete(s.changes, msg.App)
		return nil
	}
	return s.send(msg.App, c) // keys pressed while the call was in flight
}

// Shown is what app's min and max read as: the values asked for while a
// change is pending, else cur's. pending reports which.
func (s *Scaler) Shown(app string, cur scaling.Settings) (minC, maxC int, pending bool) {
	if c := s.changes[app]; c != nil {
		return c.to.min, c.to.max, true
	}
	return cur.MinConcurrency, cur.MaxConcurrency, false
}

// Pending describes app's pending change ("min 1→3"), or "".
func (s *Scaler) Pending(app string) string {
	c := s.changes[app]
	if c == nil {
		return ""
	}
	return describe(c.from, c.to)
}

// Cell is the MIN/MAX cell of app: "1/4", or "1→3/4" while pending.
func (s *Scaler) Cell(app string, cur scaling.Settings) string {
	c := s.changes[app]
	if c == nil {
		return fmt.Sprintf("%d/%d", cur.MinConcurrency, cur.MaxConcurrency)
	}
	part := func(from, to int) string {
		if from == to {
			return fmt.Sprint(to)
		}
		return fmt.Sprintf("%d→%d", from, to)
	}
	return part(c.from.min, c.to.min) + "/" + part(c.from.max, c.to.max)
}

// describe says what changes from a to b: "min 1→3, max 4→6".
func describe(a, b bounds) string {
	var parts []string
	if a.min != b.min {
		parts = append(parts, fmt.Sprintf("min %d→%d", a.min, b.min))
	}
	if a.max != b.max {
		parts = append(parts, fmt.Sprintf("max %d→%d", a.max, b.max))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("min %d, max %d", a.min, a.max)
	}
	return strings.Join(parts, ", ")
}
