// Package pane is the contract between faldash's root model and its panes:
// what a pane is (Pane), which one it is (Key: a kind and a scope), what it
// needs to be built (Deps), and the messages the two exchange.
//
// The root builds panes lazily, caches them by Key so that the cursor and
// the filter survive switching, and polls only the visible one: it calls
// Fetch, runs the returned function off the model's goroutine, and hands the
// answer back (a Result of the pane's own data type) only if it is still
// wanted. A failed call is recorded in the root's Freshness of the pane,
// which the pane reads (Deps.Fresh): it is told nothing. Panes never call
// the client from Update.
package pane

import (
	"context"
	"reflect"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/scalekeys/pending"
)

// Pane is one screen of the body: a table of environments, apps, runners or
// secrets, or one runner's detail. Panes are used through their pointer from
// the model's goroutine only.
type Pane interface {
	// Update handles keys the root did not take, the Result of its own
	// Fetch, Tick, and any message a pane's own commands produce.
	Update(tea.Msg) tea.Cmd
	// View draws the pane in exactly the size given to SetSize.
	View() string
	SetSize(width, height int)
	// ShortHelp and FullHelp list the keys that work in the pane.
	help.KeyMap
	// Fetch returns the call that refreshes the pane, made with FetchOf.
	// The function runs on another goroutine, so it must not touch the
	// pane: Fetch copies into it whatever it needs (client, scope, query).
	Fetch() Fetch
}

// Fetch is one refresh of a pane. Build it with FetchOf, so that the data
// type the call returns is the one of the Result the pane receives.
type Fetch func(ctx context.Context) Answer

// Answer is what a Fetch brought back, as the root sees it: whether it
// failed (for freshness and back-off), and the message the pane gets.
type Answer interface {
	Err() error
	// Msg is the message for the pane, the Result of the pane's data type
	// taken at time at; nil when the call failed.
	Msg(at time.Time) tea.Msg
	// Len counts the items fetched, for the debug log; false when the data
	// is not a list.
	Len() (int, bool)
}

// FetchOf makes a Fetch of call, whose answer reaches the pane as a
// Result[T]: T goes from the call to the pane without an
// assertion on the way.
func FetchOf[T any](call func(ctx context.Context) (T, error)) Fetch {
	return func(ctx context.Context) Answer {
		data, err := call(ctx)
		return answer[T]{data: data, err: err}
	}
}

type answer[T any] struct {
	data T
	err  error
}

func (a answer[T]) Err() error { return a.err }

func (a answer[T]) Msg(at time.Time) tea.Msg {
	if a.err != nil {
		return nil
	}
	return Result[T]{Data: a.data, At: at}
}

func (a answer[T]) Len() (int, bool) {
	if rows, ok := any(a.data).(interface{ Len() int }); ok { // a table's snapshot
		return rows.Len(), true
	}
	if v := reflect.ValueOf(a.data); v.Kind() == reflect.Slice {
		return v.Len(), true
	}
	return 0, false
}

// Filterable is a pane whose rows the root's `/` filter narrows.
type Filterable interface {
	Filter() string
	SetFilter(q string)
	// Len counts the rows the filter lets through, Total all of them.
	Len() int
	Total() int
}

// Listing is what a pane that is one table and nothing more leaves to its
// table. Embedded and set to the table, it draws, sizes and filters the
// pane.
type Listing interface {
	View() string
	SetSize(width, height int)
	Filterable
	Legended
}

// Legended is a pane whose glyphs the `?` help explains below its keys.
type Legended interface {
	Legend() []theme.Legend
}

// Searcher is a pane whose `/` searches on the server (a runner's logs,
// through fal's search parameter) rather than narrowing rows as they are
// typed: the root's `/` line edits the text, and only Enter (or Esc, which
// clears it) hands it over, since each search restarts a call.
type Searcher interface {
	Search() string
	// SetSearch starts searching for q; empty q stops searching.
	SetSearch(q string) tea.Cmd
}

// Deps is what every pane is built with.
type Deps struct {
	Client client.Client
	Keys   *keymap.KeyMap
	Styles *theme.Styles
	Now    func() time.Time
	// ReadOnly: writing is not allowed in this pane, so its help leaves out
	// the mutating keys (which the root refuses) and its dialogs do not
	// act. A Lockable pane learns of changes through SetReadOnly.
	ReadOnly bool
	// Scaling is the keyboard scaling in progress, shared by every pane
	// that scales an app; nil gives a pane a Book of its own.
	Scaling *pending.Book
	// Effects receives what the pane asks of the root (see Ask); nil
	// outside the root.
	Effects *Effects
	// Fresh reads the root's record of this pane's data. A pane draws its
	// data as stale when Stale says so, never from a flag of its own, so
	// the pane and the header can't disagree. Nil (a dialog, a test without
	// a root) reads as fresh.
	Fresh func() Freshness
}

// Freshness is what Fresh reads, or the zero Freshness without one.
func (d Deps) Freshness() Freshness {
	if d.Fresh == nil {
		return Freshness{}
	}
	return d.Fresh()
}

// Stale reports whether the root holds the pane's data stale; a table
// takes it through StaleWhen.
func (d Deps) Stale() bool { return d.Freshness().Stale() }

// Result is the data of the pane's Fetch that receives it, of the type its
// FetchOf call returned. The root delivers it only while the pane is
// visible and the answer is the latest it asked for, so a pane can apply it
// without checking where it came from.
type Result[T any] struct {
	Data T
	At   time.Time
}

// Freshness is the root's record of a pane's data, the one place it is
// kept: whether any arrived, when the last good answer did, and the error
// of the last poll (nil after a good one). The header and the error banner
// read it, and so does the pane, through Deps.Fresh.
type Freshness struct {
	Loaded  bool
	Updated time.Time
	Err     error
}

// Note records the answer to a poll made at at: good (err nil) or failed.
// A failure keeps the data and when it was read.
func (f *Freshness) Note(err error, at time.Time) {
	if err != nil {
		f.Err = err
		return
	}
	*f = Freshness{Loaded: true, Updated: at}
}

// Get returns f, for Deps.Fresh.
func (f *Freshness) Get() Freshness { return *f }

// Stale: the pane shows data older than its last poll, which failed.
func (f Freshness) Stale() bool { return f.Loaded && f.Err != nil }

// Loading: nothing arrived yet and nothing failed.
func (f Freshness) Loading() bool { return !f.Loaded && f.Err == nil }

// Tick arrives once a second while the pane is visible and showing data,
// so that uptimes and countdowns move between polls.
type Tick struct{}

// Open asks the root to show the pane of Key, as a drill-down (Esc returns).
type Open struct{ Key Key }

// Refresh asks the root to refresh the visible pane now, for example after
// a pane changed its query.
type Refresh struct{}

// Status asks the root to show a short message in the status line.
type Status struct {
	Text string
	Err  bool
}

// Cmd wraps a message as a command, for the messages that are not
// Requests (EnvCreated, Shell); a Request is asked with Deps.Ask.
func Cmd(msg tea.Msg) tea.Cmd {
	return func() tea.Msg { return msg }
}

// Shown arrives when the pane becomes the visible one, and Hidden when it
// stops being it, so a pane that streams (a runner's logs) runs its stream
// only while it is seen.
type (
	Shown  struct{}
	Hidden struct{}
)
