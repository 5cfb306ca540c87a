// Package table is the one table component of every faldash pane.
//
// It is built for live data: rows carry a typed ID, and each SetRows (one
// per refresh) keeps the cursor on the same ID, marks the rows that were
// added or changed, and keeps the rendered string of every row whose data
// did not change. View draws only the rows inside the window, so moving the
// cursor costs the same in a 100-row table as in a 100,000-row one.
//
// Marks: a row is marked when a SetRows adds it or changes one of its
// (non-live) cells, and stays marked until the next SetRows, which marks it
// again only if it changed again; so with one SetRows per refresh a mark
// lasts one refresh interval. ClearMarks drops them earlier. The first
// SetRows marks nothing, since everything in it is new.
//
// Cells must be sanitized by the caller (see tui/sanitize); the table only
// fits them to their column, truncating by display width with an ellipsis.
// A cell may carry lipgloss styling (a coloured runner state): the table
// measures and truncates it ANSI-aware, and strips it on the cursor row and
// on stale rows, whose own style must show through.
package table

import (
	"cmp"

	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/tui/theme"
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

// Column describes one column.
type Column[ID cmp.Ordered] struct {
	Title string
	// Width is a fixed width in cells. A column with Width 0 is flexible:
	// it shares what the fixed columns leave, in proportion to Flex
	// (0 counts as 1), and gets at least MinWidth.
	Width    int
	Flex     int
	MinWidth int
	Align    Align
	// Compare orders rows by this column. Nil compares the cells' text,
	// case-insensitively and with runs of digits compared as whole numbers
	// ("runner-9" < "runner-10"). Supply one for durations, times and sizes,
	// typically closing over the pane's rows by ID.
	Compare func(a, b Row[ID]) int
	// NoSort leaves the column out of sorting.
	NoSort bool
	// Live computes the cell when it is drawn, for values that change
	// without new data, such as uptime or expires-in. It runs only for
	// visible rows, at most once per Tick. The row's Cells entry for a live
	// column is ignored: it takes no part in marks or the filter.
	Live func(id ID) string
}

// Row is one row of data: its ID and one cell per column.
//
// The table keeps Cells as given: don't modify them after SetRows.
type Row[ID cmp.Ordered] struct {
	ID    ID
	Cells []string
}

type mark uint8

const (
	unmarked mark = iota
	added
	changed
)

// entry is a row with what the table derived from it.
type entry[ID cmp.Ordered] struct {
	row  Row[ID]
	mark mark

	search   string // lower-cased cells for the filter, built on first use
	searchOK bool

	rendered string
	key      renderKey
	cached   bool
}

// renderKey is everything besides the row's data that a rendered row
// depends on; a cached string is valid only under the same key.
type renderKey struct {
	layout uint64
	live   uint64
	flags  uint8
}

const (
	flagCursor uint8 = 1 << iota
	flagSelected
	flagAdded
	flagChanged
	flagStale
)

// Table is a scrolling, sortable, filterable table of rows identified by ID.
// The zero value is not usable; call New. Use it through its pointer from a
// single goroutine, as Bubble Tea does.
type Table[ID cmp.Ordered] struct {
	cols []Column[ID]
	keys keymap.TableKeys
	st   *theme.Styles

	rows   []entry[ID] // in the order given to SetRows
	index  map[ID]int  // ID -> position in rows
	order  []int       // positions in rows, sorted
	view   []int       // the part of order the filter lets through
	loaded bool

	spareRows  []entry[ID] // the generation before rows, reused by SetRows
	spareIndex map[ID]int

	cursor int // index into view
	offset int // index into view of the first row drawn

	filter      string
	filterLower string
	sortCol     int // -1: the order given to SetRows
	sortDesc    bool

	selectable bool
	selected   map[ID]struct{}
	stale      bool
	empty      string

	width, height int
	widths        []int
	gutter        int
	layoutGen     uint64
	liveGen       uint64
	hasLive       bool

	header    string
	headerKey renderKey
	headerOK  bool

	glyphs glyphs
}

// glyphs are the gutter pieces, styled once.
type glyphs struct {
	cursor, added, changed, selected string
}

// New returns an empty table with the given columns, navigated with keys
// and drawn with st (nil means the default theme on the default renderer).
// Call SetSize before View: a table of size zero draws nothing.
func New[ID cmp.Ordered](cols []Column[ID], keys keymap.TableKeys, st *theme.Styles) *Table[ID] {
	if st == nil {
		st = theme.NewStyles(theme.Default(), nil)
	}
	t := &Table[ID]{
		keys:     keys,
		index:    map[ID]int{},
		selected: map[ID]struct{}{},
		sortCol:  -1,
		empty:    "No rows.",
	}
	t.SetStyles(st)
	t.SetColumns(cols)
	return t
}

// SetStyles changes the styles the table is drawn with.
func (t *Table[ID]) SetStyles(st *theme.Styles) {
	t.st = st
	t.glyphs = glyphs{
		cursor:   st.Cursor.Render(GlyphCursor),
		added:    st.ChangedMark.Render(GlyphAdded),
		changed:  st.ChangedMark.Render(GlyphChanged),
		selected: st.SelectMark.Render(GlyphSelected),
	}
	t.relayout()
}

// SetColumns replaces the columns. Rows keep their cells, so the new
// columns must index them the same way. Sorting resets to the order given
// to SetRows; the filter and the cursor's row are kept.
func (t *Table[ID]) SetColumns(cols []Column[ID]) {
	t.cols = append([]Column[ID](nil), cols...)
	t.hasLive = false
	for _, c := range t.cols {
		if c.Live != nil {
			t.hasLive = true
		}
	}
	for i := range t.rows {
		t.rows[i].searchOK = false // which cells the filter sees may have changed
	}
	curID, hadCursor := t.CursorID()
	t.sortCol, t.sortDesc = -1, false
	t.reorder(nil)
	t.keepCursor(curID, hadCursor)
	t.relayout()
}

// SetSize sets the table's size in cells, its header line included.
func (t *Table[ID]) SetSize(width, height int) {
	t.height = max(0, height)
	if width != t.width {
		t.width = max(0, width)
		t.relayout()
	}
	t.scroll()
}

// Width and Height are the size given to SetSize.
func (t *Table[ID]) Width() int  { return t.width }
func (t *Table[ID]) Height() int { return t.height }

// SetEmpty sets what an empty table says, e.g. "No runners.".
func (t *Table[ID]) SetEmpty(msg string) { t.empty = msg }

// SetStale draws every row dimmed (true) or normally (false), for data that
// could not be refreshed.
func (t *Table[ID]) SetStale(stale bool) { t.stale = stale }

// Stale reports whether the table is drawn as stale.
func (t *Table[ID]) Stale() bool { return t.stale }

// Tick makes the next View recompute live columns. Call it once per second
// while a pane with live columns is shown; without live columns it is free.
func (t *Table[ID]) Tick() {
	if t.hasLive {
		t.liveGen++
	}
}

// Len is the number of rows the filter lets through; Total counts all rows.
func (t *Table[ID]) Len() int   { return len(t.view) }
func (t *Table[ID]) Total() int { return len(t.rows) }

// Row returns the row with the given ID, filtered out or not.
func (t *Table[ID]) Row(id ID) (Row[ID], bool) {
	i, ok := t.index[id]
	if !ok {
		return Row[ID]{}, false
	}
	return t.rows[i].row, true
}

// IDs returns the IDs of the rows the filter lets through, in display
// order. It costs O(rows).
func (t *Table[ID]) IDs() []ID {
	out := make([]ID, len(t.view))
	for i, pos := range t.view {
		out[i] = t.rows[pos].row.ID
	}
	return out
}
