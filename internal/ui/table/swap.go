package table

import (
	"slices"
	"strings"
	"time"
)

// Swap shows snapshot s, whose data was read at listed. The cursor stays on the row with the same ID wherever sorting
// puts it, or, if that row is gone or filtered out, at the same position
// (clamped). A sort or filter chosen since s's Builder was taken is
// applied here, from s's keys. Apart from that, its cost does not grow
// with the rows but for passes over integers.
func (t *Table[ID, V]) Swap(s *Snapshot[ID, V], listed time.Time) {
	t.install(s)
	t.listed, t.loaded, t.unmarked = listed, s.more == 0, false
}

// Shows reports whether s is the snapshot shown, for a snapshot that
// replaces a preview only if nothing newer did.
func (t *Table[ID, V]) Shows(s *Snapshot[ID, V]) bool { return t.snap == s }

// SetValues shows vals, built on this goroutine: for small tables, and for
// changes made here rather than listed (Keep and Set are cheaper).
func (t *Table[ID, V]) SetValues(vals []V) {
	listed := t.listed
	t.Swap(t.Builder().Build(vals), listed)
}

// install makes s the snapshot shown, keeping the cursor and the
// selection of the rows that remain.
func (t *Table[ID, V]) install(s *Snapshot[ID, V]) {
	curID, hadCursor := t.CursorID()
	old := t.snap
	t.snap = s
	if !slices.Equal(old.widths, s.widths) {
		t.refit()
	}
	for id := range t.selected {
		if _, ok := s.find(id); !ok {
			delete(t.selected, id)
		}
	}
	t.liveGen++ // the values changed: so may their live cells
	t.reorder()
	t.keepCursor(curID, hadCursor)
}

// Keep drops the rows whose value keep rejects, keeping the others as
// they are, marks included. It costs passes over the rows, but no cell,
// rank or sort.
func (t *Table[ID, V]) Keep(keep func(V) bool) {
	old := t.snap
	newOf := make([]int32, len(old.rows))
	s := &Snapshot[ID, V]{sorting: old.sorting, rows: make([]row[ID, V], 0, len(old.rows)), widths: old.widths}
	k := len(old.cellWidths) / max(1, len(old.rows)) // widths kept per row
	for i := range old.rows {
		newOf[i] = -1
		if keep(old.rows[i].val) {
			newOf[i] = int32(len(s.rows))
			s.rows = append(s.rows, old.rows[i])
			s.cellWidths = append(s.cellWidths, old.cellWidths[k*i:k*(i+1)]...)
		}
	}
	if len(s.rows) == len(old.rows) {
		return
	}
	remap := func(ps []int32) []int32 {
		out := make([]int32, 0, len(s.rows))
		for _, p := range ps {
			if q := newOf[p]; q >= 0 {
				out = append(out, q)
			}
		}
		return out
	}
	s.byID, s.order = remap(old.byID), remap(old.order)
	s.view = s.filtered(s.order, s.sorting.filter, nil)
	s.texts = make([]*textRanks, len(old.texts))
	for c, tr := range old.texts {
		if tr == nil {
			continue
		}
		kept := &textRanks{texts: tr.texts, ranks: tr.ranks, of: make([]uint32, len(s.rows))}
		for i, at := range tr.of {
			if q := newOf[i]; q >= 0 {
				kept.of[q] = at
			}
		}
		s.texts[c] = kept
	}
	t.install(s)
}

// Set replaces the value of the row with the given ID, for a change known
// before the next listing (the app a scaling call returned). The row is
// marked as changed if its cells changed. It rebuilds the snapshot here:
// it is for tables of thousands of rows, not of a hundred thousand.
func (t *Table[ID, V]) Set(id ID, v V) {
	i, ok := t.snap.find(id)
	if !ok || t.id(v) != id {
		return
	}
	vals := t.Values()
	vals[i] = v
	b := t.Builder()
	b.marks = true
	t.install(b.Build(vals))
}

// reorder brings the order and the view to what sorting asks, taking the
// snapshot's own when it was built for the same.
func (t *Table[ID, V]) reorder() {
	t.headerOK = false
	s, want := t.snap, t.sorting
	switch {
	case s.sorting == want:
		t.order, t.view = s.order, s.view
		return
	case s.sorting.col == want.col && s.sorting.desc == want.desc:
		t.order = s.order
	default:
		t.ownOrder = s.sorted(t.cols, want.col, want.desc, &t.sorter, t.ownOrder)
		t.order = t.ownOrder
	}
	t.refilter(t.order)
}

// refilter filters from, which is order or a view holding every row the
// filter lets through.
func (t *Table[ID, V]) refilter(from []int32) {
	t.view = t.snap.filtered(from, t.sorting.filter, t.ownView)
	if t.sorting.filter != "" {
		t.ownView = t.view
	}
}

// Marked reports whether the row was added or changed by the last
// snapshot.
func (t *Table[ID, V]) Marked(id ID) bool {
	i, ok := t.snap.find(id)
	return ok && !t.unmarked && t.snap.rows[i].mark != unmarked
}

// ClearMarks unmarks every row until the next snapshot.
func (t *Table[ID, V]) ClearMarks() { t.unmarked = true }

// SetFilter shows only the rows that contain q in one of their cells (live
// cells aside), ignoring case; "" shows every row. The cursor stays on its
// row if the row still shows. Typing on narrows what shows already, so
// each keystroke costs less than the one before.
func (t *Table[ID, V]) SetFilter(q string) {
	if q == t.filter {
		return
	}
	curID, hadCursor := t.CursorID()
	lower := strings.ToLower(q)
	narrower := t.sorting.filter != "" && strings.Contains(lower, t.sorting.filter)
	t.filter, t.sorting.filter = q, lower
	if narrower {
		t.refilter(t.view)
	} else {
		t.refilter(t.order)
	}
	t.keepCursor(curID, hadCursor)
}

// Filter is the current filter text.
func (t *Table[ID, V]) Filter() string { return t.filter }

// SortBy sorts by column col, ascending; asking again for the column already
// sorted by reverses the order. Ties are broken by ID, so equal rows keep
// one order across refreshes.
func (t *Table[ID, V]) SortBy(col int) {
	if col == t.sorting.col && col >= 0 {
		t.SetSort(col, !t.sorting.desc)
		return
	}
	t.SetSort(col, false)
}

// SetSort sorts by column col (-1, or a column that can't sort: the order
// the values came in) in the given direction.
func (t *Table[ID, V]) SetSort(col int, desc bool) {
	if col < 0 || col >= len(t.cols) || !sortable(t.cols[col]) {
		col = -1
	}
	if col == t.sorting.col && desc == t.sorting.desc {
		return
	}
	curID, hadCursor := t.CursorID()
	t.sorting.col, t.sorting.desc = col, desc
	t.reorder()
	t.refit() // the sorted column's arrow may want room
	t.keepCursor(curID, hadCursor)
}

// Sort returns the sort column (-1 for none) and whether it is descending.
func (t *Table[ID, V]) Sort() (col int, desc bool) { return t.sorting.col, t.sorting.desc }

// CycleSort sorts by the next (dir > 0) or previous sortable column,
// ascending, wrapping around.
func (t *Table[ID, V]) CycleSort(dir int) {
	n := len(t.cols)
	col := t.sorting.col
	for range n {
		switch {
		case dir >= 0:
			col = (col + 1) % n // from unsorted (-1) to the first column
		case col <= 0:
			col = n - 1
		default:
			col--
		}
		if sortable(t.cols[col]) {
			t.SetSort(col, false)
			return
		}
	}
}

// ReverseSort flips the sort order.
func (t *Table[ID, V]) ReverseSort() { t.SetSort(t.sorting.col, !t.sorting.desc) }

// keepCursor puts the cursor back on id if it is still shown, or else keeps
// its position within the new view.
func (t *Table[ID, V]) keepCursor(id ID, ok bool) {
	if ok {
		if pos, found := t.snap.find(id); found {
			if i := slices.Index(t.view, pos); i >= 0 {
				t.cursor = i
				t.scroll()
				return
			}
		}
	}
	t.cursor = clamp(t.cursor, 0, len(t.view)-1)
	t.scroll()
}
