package table

import "slices"

// Every cursor operation here is O(1) in the number of rows: it moves an
// index and the window offset, and View redraws only the rows in the window.

// Cursor is the cursor's index among the rows the filter lets through.
func (t *Table[ID, V]) Cursor() int { return t.cursor }

// CursorID is the ID of the row under the cursor; false when no row shows.
func (t *Table[ID, V]) CursorID() (ID, bool) {
	if t.cursor < 0 || t.cursor >= len(t.view) {
		var zero ID
		return zero, false
	}
	return t.snap.rows[t.view[t.cursor]].id, true
}

// CursorValue is the value under the cursor; false when no row shows.
func (t *Table[ID, V]) CursorValue() (V, bool) {
	if t.cursor < 0 || t.cursor >= len(t.view) {
		var zero V
		return zero, false
	}
	return t.snap.rows[t.view[t.cursor]].val, true
}

// SetCursor moves the cursor to index i of the shown rows (clamped).
func (t *Table[ID, V]) SetCursor(i int) {
	t.cursor = clamp(i, 0, len(t.view)-1)
	t.scroll()
}

// SetCursorID moves the cursor to the row with the given ID and reports
// whether that row is shown. It costs O(rows); it is for restoring a
// position (coming back to a pane), not for navigation.
func (t *Table[ID, V]) SetCursorID(id ID) bool {
	pos, ok := t.snap.find(id)
	if !ok {
		return false
	}
	i := slices.Index(t.view, pos)
	if i < 0 {
		return false
	}
	t.SetCursor(i)
	return true
}

// Visible returns the IDs of the rows in the window, as the last View or
// resize left it.
func (t *Table[ID, V]) Visible() []ID {
	end := min(len(t.view), t.offset+t.bodyHeight())
	out := make([]ID, 0, max(0, end-t.offset))
	for _, pos := range t.view[min(t.offset, end):end] {
		out = append(out, t.snap.rows[pos].id)
	}
	return out
}

// MoveUp and MoveDown move the cursor by n rows, stopping at the ends.
func (t *Table[ID, V]) MoveUp(n int)   { t.SetCursor(t.cursor - n) }
func (t *Table[ID, V]) MoveDown(n int) { t.SetCursor(t.cursor + n) }

// GotoTop and GotoBottom move the cursor to the first or last row.
func (t *Table[ID, V]) GotoTop()    { t.SetCursor(0) }
func (t *Table[ID, V]) GotoBottom() { t.SetCursor(len(t.view) - 1) }

// bodyHeight is the number of row lines below the header.
func (t *Table[ID, V]) bodyHeight() int { return max(0, t.height-1) }

// scroll moves the window the least needed to show the cursor, and never
// leaves blank lines at the bottom while rows above are hidden.
func (t *Table[ID, V]) scroll() {
	h := t.bodyHeight()
	if h == 0 {
		t.offset = t.cursor
		return
	}
	t.offset = min(t.offset, max(0, len(t.view)-h))
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+h {
		t.offset = t.cursor - h + 1
	}
	t.offset = max(0, t.offset)
}

// clamp limits v to [lo, hi]; when hi < lo (no rows) it returns lo.
func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}
