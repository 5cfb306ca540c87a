package table

import (
	"cmp"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// SetRows replaces the rows. The cursor stays on the row with the same ID
// wherever sorting puts it, or, if that row is gone or filtered out, at the
// same position (clamped). Rows whose cells are unchanged keep their
// rendered strings; added and changed rows are marked (see the package doc).
// Of rows sharing an ID, the first is kept.
func (t *Table[ID]) SetRows(rows []Row[ID]) {
	curID, hadCursor := t.CursorID()
	oldRows, oldIndex, oldOrder := t.rows, t.index, t.order

	// The previous generation's slice and map are reused as the next one's,
	// so a steady refresh allocates nothing per row.
	t.rows = t.spareRows[:0]
	t.index = t.spareIndex
	if t.index == nil {
		t.index = make(map[ID]int, len(rows))
	}
	clear(t.index)
	for _, r := range rows {
		if _, dup := t.index[r.ID]; dup {
			continue
		}
		e := entry[ID]{row: r}
		if i, ok := oldIndex[r.ID]; ok {
			old := &oldRows[i]
			if t.sameCells(old.row.Cells, r.Cells) {
				e.search, e.searchOK = old.search, old.searchOK
				e.rendered, e.key, e.cached = old.rendered, old.key, old.cached
			} else {
				e.mark = changed
			}
		} else if t.loaded {
			e.mark = added
		}
		t.index[r.ID] = len(t.rows)
		t.rows = append(t.rows, e)
	}
	t.loaded = true

	var seed []int
	if t.sortCol >= 0 {
		seed = t.seedOrder(oldRows, oldOrder)
	}
	clear(oldRows) // drop the old strings now rather than one refresh later
	t.spareRows, t.spareIndex = oldRows, oldIndex

	for id := range t.selected {
		if _, ok := t.index[id]; !ok {
			delete(t.selected, id)
		}
	}
	t.reorder(seed)
	t.keepCursor(curID, hadCursor)
}

// seedOrder lists the new rows in the previous sorted order, new rows last.
// Sorting an almost sorted list is close to linear, so a refresh that
// changed little re-sorts cheaply.
func (t *Table[ID]) seedOrder(oldRows []entry[ID], oldOrder []int) []int {
	seed := make([]int, 0, len(t.rows))
	placed := make([]bool, len(t.rows))
	for _, old := range oldOrder {
		if pos, ok := t.index[oldRows[old].row.ID]; ok && !placed[pos] {
			seed = append(seed, pos)
			placed[pos] = true
		}
	}
	for pos, ok := range placed {
		if !ok {
			seed = append(seed, pos)
		}
	}
	return seed
}

// sameCells compares the cells a mark depends on: all but live columns.
func (t *Table[ID]) sameCells(a, b []string) bool {
	if len(a) == len(b) && !t.hasLive {
		return slices.Equal(a, b)
	}
	for i := range max(len(a), len(b)) {
		if i < len(t.cols) && t.cols[i].Live != nil {
			continue
		}
		if cellAt(a, i) != cellAt(b, i) {
			return false
		}
	}
	return true
}

func cellAt(cells []string, i int) string {
	if i < len(cells) {
		return cells[i]
	}
	return ""
}

// Marked reports whether the row was added or changed by the last SetRows.
func (t *Table[ID]) Marked(id ID) bool {
	i, ok := t.index[id]
	return ok && t.rows[i].mark != unmarked
}

// ClearMarks unmarks every row until the next SetRows.
func (t *Table[ID]) ClearMarks() {
	for i := range t.rows {
		t.rows[i].mark = unmarked
	}
}

// SetFilter shows only the rows that contain q in one of their (non-live)
// cells, ignoring case; "" shows every row. The cursor stays on its row if
// the row still shows.
func (t *Table[ID]) SetFilter(q string) {
	if q == t.filter {
		return
	}
	curID, hadCursor := t.CursorID()
	t.filter, t.filterLower = q, strings.ToLower(q)
	t.refilter()
	t.keepCursor(curID, hadCursor)
}

// Filter is the current filter text.
func (t *Table[ID]) Filter() string { return t.filter }

// SortBy sorts by column col, ascending; asking again for the column already
// sorted by reverses the order. Ties are broken by ID, so equal rows keep
// one order across refreshes.
func (t *Table[ID]) SortBy(col int) {
	if col == t.sortCol && col >= 0 {
		t.SetSort(col, !t.sortDesc)
		return
	}
	t.SetSort(col, false)
}

// SetSort sorts by column col (-1, or a column that can't sort: the order
// given to SetRows) in the given direction.
func (t *Table[ID]) SetSort(col int, desc bool) {
	if !t.sortable(col) {
		col = -1
	}
	if col == t.sortCol && desc == t.sortDesc {
		return
	}
	curID, hadCursor := t.CursorID()
	t.sortCol, t.sortDesc = col, desc
	t.reorder(nil)
	t.keepCursor(curID, hadCursor)
}

// Sort returns the sort column (-1 for none) and whether it is descending.
func (t *Table[ID]) Sort() (col int, desc bool) { return t.sortCol, t.sortDesc }

// CycleSort sorts by the next (dir > 0) or previous sortable column,
// ascending, wrapping around.
func (t *Table[ID]) CycleSort(dir int) {
	n := len(t.cols)
	col := t.sortCol
	for range n {
		switch {
		case dir >= 0:
			col = (col + 1) % n // from unsorted (-1) to the first column
		case col <= 0:
			col = n - 1
		default:
			col--
		}
		if t.sortable(col) {
			t.SetSort(col, false)
			return
		}
	}
}

// ReverseSort flips the sort order.
func (t *Table[ID]) ReverseSort() { t.SetSort(t.sortCol, !t.sortDesc) }

func (t *Table[ID]) sortable(col int) bool {
	if col < 0 || col >= len(t.cols) {
		return false
	}
	c := t.cols[col]
	return !c.NoSort && (c.Live == nil || c.Compare != nil)
}

// reorder rebuilds the sorted order, starting from seed if it is not nil,
// and then the filtered view.
func (t *Table[ID]) reorder(seed []int) {
	t.headerOK = false
	switch {
	case seed != nil:
		t.order = seed
	case cap(t.order) >= len(t.rows):
		t.order = t.order[:len(t.rows)]
	default:
		t.order = make([]int, len(t.rows))
	}
	if seed == nil {
		for i := range t.order {
			t.order[i] = i
		}
	}
	switch {
	case t.sortCol >= 0:
		col := t.sortCol
		compare := t.cols[col].Compare
		if compare == nil {
			compare = func(a, b Row[ID]) int {
				return naturalCompare(cellAt(a.Cells, col), cellAt(b.Cells, col))
			}
		}
		slices.SortFunc(t.order, func(i, j int) int {
			a, b := t.rows[i].row, t.rows[j].row
			c := compare(a, b)
			if t.sortDesc {
				c = -c
			}
			if c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
	case t.sortDesc:
		slices.Reverse(t.order)
	}
	t.refilter()
}

func (t *Table[ID]) refilter() {
	if t.filterLower == "" {
		t.view = t.order
		return
	}
	// A fresh slice: view must not alias order, which reorder reuses.
	t.view = make([]int, 0, len(t.order))
	for _, pos := range t.order {
		if t.matches(&t.rows[pos]) {
			t.view = append(t.view, pos)
		}
	}
}

func (t *Table[ID]) matches(e *entry[ID]) bool {
	if !e.searchOK {
		var b strings.Builder
		for i, c := range e.row.Cells {
			if i < len(t.cols) && t.cols[i].Live != nil {
				continue
			}
			if strings.IndexByte(c, ansi.ESC) >= 0 {
				c = ansi.Strip(c)
			}
			b.WriteString(strings.ToLower(c))
			b.WriteByte(0) // a match may not span two cells
		}
		e.search, e.searchOK = b.String(), true
	}
	return strings.Contains(e.search, t.filterLower)
}

// keepCursor puts the cursor back on id if it is still shown, or else keeps
// its position within the new view.
func (t *Table[ID]) keepCursor(id ID, ok bool) {
	if ok {
		if pos, found := t.index[id]; found {
			for i, p := range t.view {
				if p == pos {
					t.cursor = i
					t.scroll()
					return
				}
			}
		}
	}
	t.cursor = clamp(t.cursor, 0, len(t.view)-1)
	t.scroll()
}
