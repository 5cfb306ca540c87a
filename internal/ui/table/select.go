package table

import "slices"

// SetSelectable turns on the selection gutter, for panes that act on
// several rows at once (runners marked with space). It costs one column.
func (t *Table[ID, V]) SetSelectable(on bool) {
	if on == t.selectable {
		return
	}
	t.selectable = on
	if !on {
		clear(t.selected)
	}
	t.relayout()
}

// ToggleSelect selects or unselects the row with the given ID. Selections
// survive refreshes, filtering and sorting, and are dropped with their row.
func (t *Table[ID, V]) ToggleSelect(id ID) {
	if _, ok := t.snap.find(id); !ok || !t.selectable {
		return
	}
	if _, on := t.selected[id]; on {
		delete(t.selected, id)
	} else {
		t.selected[id] = struct{}{}
	}
}

// IsSelected reports whether the row is selected.
func (t *Table[ID, V]) IsSelected(id ID) bool {
	_, ok := t.selected[id]
	return ok
}

// Selected returns the selected IDs, sorted.
func (t *Table[ID, V]) Selected() []ID {
	out := make([]ID, 0, len(t.selected))
	for id := range t.selected {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// ClearSelection unselects every row.
func (t *Table[ID, V]) ClearSelection() { clear(t.selected) }
