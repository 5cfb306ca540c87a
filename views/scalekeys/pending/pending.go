// Package pending holds the keyboard scaling in progress of every app.
// One Book is shared by every pane that scales an app (its apps pane, its
// runners pane), so that presses in one pane and then the other build on
// the same pending change and are sent as one call: with a change per
// pane, each would be sent from the value the controller last listed, and
// the later call would undo the earlier one.
package pending

import "github.com/faldash/faldash/internal/names"

// Bounds are an app's min and max concurrency.
type Bounds struct{ Min, Max int }

// Change is the keyboard scaling of one app in progress.
type Change struct {
	From Bounds  // the app's values when the burst began, or as last sent
	To   Bounds  // the values asked for
	Sent *Bounds // in flight, nil when nothing is
	Seq  uint64  // of the last press: only its pause's end sends
	// Refused counts the presses refused since the change was last sent,
	// and Limit names what the last of them ran into ("max 5").
	Refused int
	Limit   string
}

// Book is the pending changes of every app, by environment and name. It is
// used from the model's goroutine only.
type Book struct {
	seq     uint64
	changes map[ref]*Change
}

type ref struct{ env, app string }

// New returns an empty Book.
func New() *Book { return &Book{changes: map[ref]*Change{}} }

func key(env, app string) ref { return ref{names.Env(env), app} }

// Get is app's pending change, or nil.
func (b *Book) Get(env, app string) *Change { return b.changes[key(env, app)] }

// Begin starts a change of app from its current values.
func (b *Book) Begin(env, app string, from Bounds) *Change {
	c := &Change{From: from, To: from}
	b.changes[key(env, app)] = c
	return c
}

// Drop forgets app's change.
func (b *Book) Drop(env, app string) { delete(b.changes, key(env, app)) }

// Press numbers a press, across every app, so that a pause ending after a
// later press of the same app can tell it is not the last.
func (b *Book) Press(c *Change) uint64 {
	b.seq++
	c.Seq = b.seq
	return c.Seq
}
