package table

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Update moves the cursor and changes the sort on the table keys. Other
// messages are ignored: the pane handles its own keys first and passes the
// rest here. It never returns a command; the pane compares CursorID before
// and after if it needs to react to a move.
func (t *Table[ID, V]) Update(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	page := max(1, t.bodyHeight())
	switch k := t.keys; {
	case key.Matches(km, k.Up):
		t.MoveUp(1)
	case key.Matches(km, k.Down):
		t.MoveDown(1)
	case key.Matches(km, k.PageUp):
		t.MoveUp(page)
	case key.Matches(km, k.PageDown):
		t.MoveDown(page)
	case key.Matches(km, k.HalfPageUp):
		t.MoveUp(max(1, page/2))
	case key.Matches(km, k.HalfPageDown):
		t.MoveDown(max(1, page/2))
	case key.Matches(km, k.Top):
		t.GotoTop()
	case key.Matches(km, k.Bottom):
		t.GotoBottom()
	case key.Matches(km, k.SortNext):
		t.CycleSort(1)
	case key.Matches(km, k.SortPrev):
		t.CycleSort(-1)
	case key.Matches(km, k.SortReverse):
		t.ReverseSort()
	}
	return nil
}

// ShortHelp and FullHelp describe the table keys (help.KeyMap).
func (t *Table[ID, V]) ShortHelp() []key.Binding {
	return []key.Binding{t.keys.Up, t.keys.Down, t.keys.SortNext}
}

func (t *Table[ID, V]) FullHelp() [][]key.Binding {
	k := t.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.HalfPageUp, k.HalfPageDown, k.Top, k.Bottom},
		{k.SortNext, k.SortPrev, k.SortReverse},
	}
}
