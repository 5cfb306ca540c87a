// Package table is the one table component of every faldash pane.
//
// A table holds domain values (V, a runner, an app), each identified by a
// typed ID, and draws them through its columns, which are functions of V:
// a cell's text, a sort key, a live cell. The pane keeps no copy of its
// rows: it asks the table for the value under the cursor.
//
// It is built for large live data. A refresh goes in two steps: a Builder,
// taken on the UI goroutine, is carried by the pane's fetch and builds a
// Snapshot where the data arrives, off the UI goroutine, doing there all
// the work that grows with the rows (cells, sort ranks, the filter's text,
// marks, the order asked for); the UI goroutine then swaps the snapshot in,
// in time that does not grow with the rows but for cheap passes over
// integers. A sort or filter chosen after the fetch started is applied at
// the swap from the snapshot's precomputed keys. A table's first huge
// listing may show a Preview of its first rows while all are built.
//
// View draws only the rows inside the window, from a cache of rendered
// rows, so moving the cursor costs the same in a 100-row table as in a
// 100,000-row one; a row is drawn again only when its cells, live cells,
// flags or width change, so an idle table's View does not change.
//
// Marks: a row is marked when a snapshot adds it or changes one of its
// cells (live cells aside), and stays marked until the next snapshot; so
// with one snapshot per refresh a mark lasts one refresh interval.
// ClearMarks drops them earlier. The first snapshot marks nothing.
//
// Cells must come sanitized from the column's Cell (see
// internal/ui/sanitize); the table only fits them to their column,
// truncating by display width with an ellipsis. A cell may carry lipgloss styling (a coloured runner state):
// the table measures and truncates it ANSI-aware, and strips it on the
// cursor row and on stale rows, whose own style must show through.
package table

import (
	"time"

	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/keymap"
)

// Glyphs drawn in the gutter, so that the cursor, marks and selection show
// on terminals without colour.
const (
	GlyphCursor   = "▌"
	GlyphAdded    = "+"
	GlyphChanged  = "*"
	GlyphSelected = "✓"
	SortAsc       = "▲"
	SortDesc      = "▼"
)

// columnGap is the blank space between two columns.
const columnGap = "  "

// Align places a cell's text inside its column.
type Align int

const (
	AlignLeft Align = iota
	AlignRight
	AlignCenter
)

// Column describes one column of values V.
type Column[V any] struct {
	Title string
	// Width is a fixed width in cells, for a column whose cells are not
	// known before they are drawn (Live). A column with Width 0 is as wide
	// as its title and widest cell, measured when a snapshot is built;
	// when the table is too narrow it may shrink to MinWidth (0: it does
	// not shrink), and it gives way first above MaxWidth (0: no limit),
	// getting the rest back only from room the other columns leave.
	// Room is given and taken in proportion to Flex (0 counts as 1).
	Width    int
	MinWidth int
	MaxWidth int
	Flex     int
	// Priority 0 is always shown; when the columns don't fit, those of
	// the highest Priority are hidden first, before any is cut. The
	// column sorted by is always shown.
	Priority int
	// Truncate is where a cell too wide for the column is cut.
	Truncate Truncation
	Align    Align
	// Cell is the column's text for v, sanitized, possibly styled. It runs
	// when a snapshot is built, off the UI goroutine, so it may read only v
	// and values that never change (styles, the pane's scope). Its text
	// takes part in marks and the filter, and sorts the column when Key is
	// nil: case-insensitively, with runs of digits compared as whole
	// numbers ("runner-9" < "runner-10").
	Cell func(v V) string
	// Key, if not nil, sorts the column instead of the text: durations,
	// counts, times, states in lifecycle order.
	Key func(v V) int64
	// ByID sorts the column in the rows' ID order, which the table keeps
	// anyway: for a column that shows the ID, it costs nothing to build.
	ByID bool
	// NoSort leaves the column out of sorting.
	NoSort bool
	// Live computes the cell when it is drawn, from v and what changes
	// without new data: the clock (uptime, expires-in) or the pane's own
	// state (a scale change not sent yet). It runs on the UI goroutine,
	// for visible rows only, at most once per Tick or Invalidate; a row is
	// drawn again only if its live text changed. While the data is stale
	// the clock stays where the cells were last drawn. A Live column draws
	// Live's text; its Cell, if any, still marks, filters and sorts, and
	// sizes the column without Width, so it must be as wide as Live's.
	Live func(v V, c Clock) string
}

// Clock is the time a live cell is drawn at: Now (frozen while the data is
// stale) and Listed, when the data was read.
type Clock struct {
	Now    time.Time
	Listed time.Time
}

// Elapsed is the time since the data was listed, never negative.
func (c Clock) Elapsed() time.Duration { return max(0, c.Now.Sub(c.Listed)) }

// sorting is the order and the filter a table shows: what a snapshot is
// built for, and what the user may change before it is swapped in.
type sorting struct {
	col    int // -1: the order the values came in
	desc   bool
	filter string // lower-cased
}

// Table is a scrolling, sortable, filterable table of values V identified
// by ID. The zero value is not usable; call New. Use it through its
// pointer from a single goroutine, as Bubble Tea does; only Builder.Build
// runs elsewhere.
type Table[ID ~string, V any] struct {
	id   func(V) ID
	cols []Column[V]
	same func(old, new V) bool // see SetSameCells
	keys keymap.TableKeys
	st   *theme.Styles
	now  func() time.Time

	snap   *Snapshot[ID, V] // never nil
	listed time.Time        // when snap's data was read
	loaded bool             // a snapshot was swapped in

	sorting sorting
	filter  string  // as typed; sorting.filter is its lower case
	order   []int32 // positions in snap, sorted as sorting asks
	view    []int32 // the part of order the filter lets through
	// ownOrder and ownView are the table's buffers for orders it computes
	// itself; order and view may instead be a snapshot's (immutable)
	// slices, which are never written to.
	ownOrder, ownView []int32
	sorter            sorter

	unmarked bool // ClearMarks since the last swap

	cursor int // index into view
	offset int // index into view of the first row drawn

	selectable bool
	selected   map[ID]struct{}
	staleFn    func() bool // see SetClock
	drawStale  bool        // Stale as the View being drawn read it
	shownAt    time.Time   // the clock of the live cells last drawn
	empty      string

	width, height int
	widths        []int
	gutter        int
	layoutGen     uint64
	liveGen       uint64
	hasLive       bool

	drawn, drawing map[ID]*drawnRow // rows of the last View, and of this one
	cellBuf        []string         // the cells of the row being drawn
	renders        int              // rows rendered, for tests

	header    string
	headerGen uint64
	headerOK  bool

	glyphs glyphs
}

// glyphs are the gutter pieces, styled once.
type glyphs struct {
	cursor, added, changed, selected string
}

// New returns an empty table of values identified by id, with the given
// columns, navigated with keys and drawn with st (nil means the default
// theme on the default renderer). Call SetSize before View: a table of
// size zero draws nothing.
func New[ID ~string, V any](id func(V) ID, cols []Column[V], keys keymap.TableKeys, st *theme.Styles) *Table[ID, V] {
	if st == nil {
		st = theme.NewStyles(theme.Default(), nil)
	}
	t := &Table[ID, V]{
		id:       id,
		cols:     append([]Column[V](nil), cols...),
		keys:     keys,
		now:      time.Now,
		selected: map[ID]struct{}{},
		sorting:  sorting{col: -1},
		empty:    "No rows.",
		drawn:    map[ID]*drawnRow{},
		drawing:  map[ID]*drawnRow{},
		cellBuf:  make([]string, len(cols)),
	}
	for _, c := range t.cols {
		t.hasLive = t.hasLive || c.Live != nil
	}
	t.snap = t.Builder().Build(nil)
	t.order, t.view = t.snap.order, t.snap.view
	t.SetStyles(st)
	return t
}

// SetClock sets where live cells read the time (time.Now by default), and
// stale, which says whether the data could not be refreshed (nil: never).
// The table keeps no staleness of its own: whoever owns the data's
// freshness answers stale, so the table can't disagree with it. Stale
// rows are drawn dimmed and do not tick: live cells keep the time they
// were last drawn at.
func (t *Table[ID, V]) SetClock(now func() time.Time, stale func() bool) {
	t.now, t.staleFn = now, stale
}

// SetStyles changes the styles the table is drawn with.
func (t *Table[ID, V]) SetStyles(st *theme.Styles) {
	t.st = st
	t.glyphs = glyphs{
		cursor:   st.Cursor.Render(GlyphCursor),
		added:    st.ChangedMark.Render(GlyphAdded),
		changed:  st.ChangedMark.Render(GlyphChanged),
		selected: st.SelectMark.Render(GlyphSelected),
	}
	t.relayout()
}

// SetSize sets the table's size in cells, its header line included.
func (t *Table[ID, V]) SetSize(width, height int) {
	t.height = max(0, height)
	if width != t.width {
		t.width = max(0, width)
		t.relayout()
	}
	t.scroll()
}

// Width and Height are the size given to SetSize.
func (t *Table[ID, V]) Width() int  { return t.width }
func (t *Table[ID, V]) Height() int { return t.height }

// SetEmpty sets what an empty table says, e.g. "No runners.".
func (t *Table[ID, V]) SetEmpty(msg string) { t.empty = msg }

// lastShown is the time live cells were last drawn at, or when the data
// was listed if they were not drawn since: the clock stops where the
// screen was, and a table shown again after the data went stale shows
// what it showed when it was left, not a time the data never reached.
// Nothing updates shownAt while the data is stale, so the clock stays.
func (t *Table[ID, V]) lastShown() time.Time {
	switch {
	case t.shownAt.After(t.listed):
		return t.shownAt
	case t.listed.IsZero():
		t.shownAt = t.now() // stops here, for the next draws too
		return t.shownAt
	}
	return t.listed
}

// Stale reports whether the table is drawn as stale.
func (t *Table[ID, V]) Stale() bool { return t.staleFn != nil && t.staleFn() }

// Listed is when the data shown was read (zero before any).
func (t *Table[ID, V]) Listed() time.Time { return t.listed }

// Tick makes the next View recompute live cells, for the clock. Call it
// once per second while a pane with live columns is shown; without live
// columns, or while the data is stale, it is free.
func (t *Table[ID, V]) Tick() {
	if t.hasLive && !t.Stale() {
		t.liveGen++
	}
}

// Invalidate makes the next View recompute live cells, for a change of
// the state they read besides the clock.
func (t *Table[ID, V]) Invalidate() {
	if t.hasLive {
		t.liveGen++
	}
}

// clock is the time live cells are drawn at.
func (t *Table[ID, V]) clock() Clock {
	if t.drawStale {
		return Clock{Now: t.lastShown(), Listed: t.listed}
	}
	t.shownAt = t.now()
	return Clock{Now: t.shownAt, Listed: t.listed}
}

// Len is the number of rows the filter lets through; Total counts all rows.
func (t *Table[ID, V]) Len() int   { return len(t.view) }
func (t *Table[ID, V]) Total() int { return len(t.snap.rows) + t.snap.more }

// Value returns the value with the given ID, filtered out or not.
func (t *Table[ID, V]) Value(id ID) (V, bool) {
	i, ok := t.snap.find(id)
	if !ok {
		var zero V
		return zero, false
	}
	return t.snap.rows[i].val, true
}

// Cells returns the cells of the row with the given ID as Cell makes them
// (empty for a column without Cell).
func (t *Table[ID, V]) Cells(id ID) ([]string, bool) {
	i, ok := t.snap.find(id)
	if !ok {
		return nil, false
	}
	cells := make([]string, len(t.cols))
	fillCells(t.cols, t.snap.rows[i].val, cells)
	return cells, true
}

// Values returns every value in the order they were given. It costs
// O(rows).
func (t *Table[ID, V]) Values() []V {
	out := make([]V, len(t.snap.rows))
	for i := range t.snap.rows {
		out[i] = t.snap.rows[i].val
	}
	return out
}

// AllIDs returns the IDs of every row, filtered out or not, in the order
// the values came in. It costs O(rows).
func (t *Table[ID, V]) AllIDs() []ID {
	out := make([]ID, len(t.snap.rows))
	for i := range t.snap.rows {
		out[i] = t.snap.rows[i].id
	}
	return out
}

// Elems returns pointers to the elements of s: a listing held by a table
// of pointers, without copying its values.
func Elems[T any](s []T) []*T {
	out := make([]*T, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}

// IDs returns the IDs of the rows the filter lets through, in display
// order. It costs O(rows).
func (t *Table[ID, V]) IDs() []ID {
	out := make([]ID, len(t.view))
	for i, pos := range t.view {
		out[i] = t.snap.rows[pos].id
	}
	return out
}
