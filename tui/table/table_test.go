package table

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/tui/theme"
)

type rid string

func styles(p termenv.Profile) *theme.Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	return theme.NewStyles(theme.Default(), r)
}

func cols() []Column[rid] {
	return []Column[rid]{
		{Title: "NAME", Flex: 1},
		{Title: "STATE", Width: 10},
	}
}

func newTable(t testing.TB, c []Column[rid]) *Table[rid] {
	t.Helper()
	tb := New(c, keymap.Default().Table, styles(termenv.Ascii))
	tb.SetSize(40, 10)
	return tb
}

// rowsOf makes rows whose first cell is the ID and second is "idle".
func rowsOf(ids ...string) []Row[rid] {
	out := make([]Row[rid], len(ids))
	for i, id := range ids {
		out[i] = Row[rid]{ID: rid(id), Cells: []string{id, "idle"}}
	}
	return out
}

func cursorID(t *testing.T, tb *Table[rid]) rid {
	t.Helper()
	id, ok := tb.CursorID()
	if !ok {
		t.Fatal("no cursor row")
	}
	return id
}

func lines(view string) []string { return strings.Split(view, "\n") }

func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "home":
		return tea.KeyMsg{Type: tea.KeyHome}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

func TestCursorKeptByIDAcrossReorder(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetRows(rowsOf("a", "b", "c", "d"))
	tb.MoveDown(2)
	if got := cursorID(t, tb); got != "c" {
		t.Fatalf("cursor on %s, want c", got)
	}
	tb.SetRows(rowsOf("d", "c", "b", "a"))
	if got := cursorID(t, tb); got != "c" || tb.Cursor() != 1 {
		t.Errorf("after reorder cursor on %s at %d, want c at 1", got, tb.Cursor())
	}
	tb.SetRows(rowsOf("x", "y", "z", "d", "c"))
	if got := cursorID(t, tb); got != "c" || tb.Cursor() != 4 {
		t.Errorf("after inserts cursor on %s at %d, want c at 4", got, tb.Cursor())
	}
}

func TestCursorWhenRowVanishes(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetRows(rowsOf("a", "b", "c", "d", "e"))
	tb.MoveDown(2) // c
	tb.SetRows(rowsOf("a", "b", "d", "e"))
	if got := cursorID(t, tb); got != "d" {
		t.Errorf("cursor on %s after c vanished, want d (same position)", got)
	}
	tb.GotoBottom() // e
	tb.SetRows(rowsOf("a", "b"))
	if got := cursorID(t, tb); got != "b" {
		t.Errorf("cursor on %s after the tail vanished, want b (last row)", got)
	}
	tb.SetRows(nil)
	if _, ok := tb.CursorID(); ok {
		t.Error("cursor row in an empty table")
	}
	tb.SetRows(rowsOf("q"))
	if got := cursorID(t, tb); got != "q" {
		t.Errorf("cursor on %s, want q", got)
	}
}

func TestFilterKeepsCursorByID(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetRows([]Row[rid]{
		{ID: "1", Cells: []string{"alpha", "idle"}},
		{ID: "2", Cells: []string{"beta", "RUNNING"}},
		{ID: "3", Cells: []string{"gamma", "idle"}},
		{ID: "4", Cells: []string{"Betamax", "idle"}},
	})
	tb.MoveDown(3) // Betamax
	tb.SetFilter("BETA")
	if tb.Len() != 2 || tb.Total() != 4 {
		t.Fatalf("filter BETA shows %d of %d rows, want 2 of 4", tb.Len(), tb.Total())
	}
	if got := cursorID(t, tb); got != "4" || tb.Cursor() != 1 {
		t.Errorf("cursor on %s at %d, want 4 at 1", got, tb.Cursor())
	}
	tb.SetFilter("running") // matches the second cell, case-insensitively
	if got := tb.IDs(); !slices.Equal(got, []rid{"2"}) {
		t.Errorf("filter running shows %v, want [2]", got)
	}
	tb.SetFilter("")
	if got := cursorID(t, tb); got != "2" || tb.Len() != 4 {
		t.Errorf("cleared filter: cursor on %s, %d rows; want 2 and 4", got, tb.Len())
	}
	tb.SetFilter("aidle") // would match only across the cell boundary
	if tb.Len() != 0 {
		t.Errorf("a match spanning two cells shows %v", tb.IDs())
	}
	// A refresh under a filter keeps filtering and keeps the cursor.
	tb.SetFilter("a")
	tb.SetCursorID("3")
	tb.SetRows([]Row[rid]{
		{ID: "3", Cells: []string{"gamma", "idle"}},
		{ID: "5", Cells: []string{"delta", "idle"}},
		{ID: "6", Cells: []string{"omicron", "idle"}},
	})
	if got := tb.IDs(); !slices.Equal(got, []rid{"3", "5"}) {
		t.Errorf("refresh under filter shows %v, want [3 5]", got)
	}
	if got := cursorID(t, tb); got != "3" {
		t.Errorf("cursor on %s, want 3", got)
	}
}

func TestMarks(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetRows(rowsOf("a", "b", "c"))
	for _, id := range []rid{"a", "b", "c"} {
		if tb.Marked(id) {
			t.Errorf("first load marked %s", id)
		}
	}

	next := rowsOf("a", "b", "c", "e")
	next[1].Cells = []string{"b", "RUNNING"}
	tb.SetRows(next)
	for id, want := range map[rid]bool{"a": false, "b": true, "c": false, "e": true} {
		if tb.Marked(id) != want {
			t.Errorf("Marked(%s) = %v, want %v", id, !want, want)
		}
	}
	ls := lines(tb.View())
	// Cursor on a; b changed; e added.
	if !strings.HasPrefix(ls[2], " "+GlyphChanged+" b") {
		t.Errorf("changed row drawn as %q", ls[2])
	}
	if !strings.HasPrefix(ls[4], " "+GlyphAdded+" e") {
		t.Errorf("added row drawn as %q", ls[4])
	}
	if !strings.HasPrefix(ls[3], "   c") {
		t.Errorf("unchanged row drawn as %q", ls[3])
	}

	tb.SetRows(next) // nothing changed: marks expire
	for _, id := range []rid{"a", "b", "c", "e"} {
		if tb.Marked(id) {
			t.Errorf("%s still marked after an unchanged refresh", id)
		}
	}

	next[0].Cells = []string{"a", "SETUP"}
	tb.SetRows(next)
	tb.ClearMarks()
	if tb.Marked("a") || strings.Contains(tb.View(), GlyphChanged) {
		t.Error("ClearMarks left a mark")
	}
}

func TestLiveColumnsDoNotMarkAndTick(t *testing.T) {
	uptime := map[rid]string{"a": "1s"}
	c := append(cols(), Column[rid]{Title: "UPTIME", Width: 6, Live: func(id rid) string { return uptime[id] }})
	tb := newTable(t, c)
	tb.SetRows([]Row[rid]{{ID: "a", Cells: []string{"a", "idle", "ignored"}}})
	if !strings.Contains(tb.View(), "1s") {
		t.Fatalf("live cell not drawn: %q", tb.View())
	}
	uptime["a"] = "2s"
	if strings.Contains(tb.View(), "2s") {
		t.Error("live cell redrawn without a Tick")
	}
	tb.Tick()
	if !strings.Contains(tb.View(), "2s") {
		t.Error("live cell not redrawn after Tick")
	}
	tb.SetRows([]Row[rid]{{ID: "a", Cells: []string{"a", "idle", "changed but live"}}})
	if tb.Marked("a") {
		t.Error("a change in a live column's cell marked the row")
	}
	tb.SetFilter("ignored")
	if tb.Len() != 0 {
		t.Error("the filter matched a live column's cell")
	}
}

// TestDrawsOnlyVisibleRowsAndCaches counts calls of a live column, which
// runs once per drawn row.
func TestDrawsOnlyVisibleRowsAndCaches(t *testing.T) {
	draws := 0
	c := append(cols(), Column[rid]{Title: "N", Width: 3, Live: func(rid) string { draws++; return "" }})
	tb := newTable(t, c)
	tb.SetSize(40, 6) // header + 5 rows
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("row-%03d", i)
	}
	tb.SetRows(rowsOf(ids...))

	view := tb.View()
	if draws != 5 {
		t.Fatalf("first View drew %d rows, want 5", draws)
	}
	if n := len(lines(view)); n != 6 {
		t.Fatalf("View has %d lines, want 6", n)
	}

	draws = 0
	tb.View()
	if draws != 0 {
		t.Errorf("an unchanged View drew %d rows", draws)
	}

	draws = 0
	tb.MoveDown(1)
	tb.View()
	if draws != 2 {
		t.Errorf("moving the cursor drew %d rows, want 2 (old and new cursor row)", draws)
	}

	draws = 0
	tb.SetRows(rowsOf(ids...))
	tb.View()
	if draws != 0 {
		t.Errorf("an unchanged refresh drew %d rows", draws)
	}

	draws = 0
	changed := rowsOf(ids...)
	changed[3].Cells = []string{"row-003", "RUNNING"}
	tb.SetRows(changed)
	tb.View()
	if draws != 1 {
		t.Errorf("refresh with one changed row drew %d rows, want 1", draws)
	}

	draws = 0
	tb.GotoBottom()
	view = tb.View()
	ls := lines(view)
	if !strings.Contains(ls[5], "row-999") || !strings.Contains(ls[1], "row-995") {
		t.Errorf("bottom window is %q", ls[1:])
	}
	if draws != 5 {
		t.Errorf("jumping to the bottom drew %d rows, want 5", draws)
	}

	draws = 0
	tb.SetSize(50, 6)
	tb.View()
	if draws != 5 {
		t.Errorf("a width change redrew %d rows, want 5", draws)
	}
}

func TestWindowFollowsCursor(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetSize(30, 4) // 3 rows
	tb.SetRows(rowsOf("a", "b", "c", "d", "e", "f"))
	for _, k := range []string{"j", "j", "j"} {
		tb.Update(keyMsg(k))
	}
	ls := lines(tb.View())
	if !strings.Contains(ls[1], "b") || !strings.HasPrefix(ls[3], GlyphCursor) || !strings.Contains(ls[3], "d") {
		t.Errorf("window after 3 downs: %q", ls)
	}
	tb.Update(keyMsg("k"))
	tb.Update(keyMsg("k"))
	ls = lines(tb.View())
	if !strings.HasPrefix(ls[1], GlyphCursor) || !strings.Contains(ls[1], "b") {
		t.Errorf("window after scrolling back up: %q", ls)
	}
	// Rows shrinking below the window pull it up rather than leave blanks.
	tb.GotoBottom()
	tb.SetRows(rowsOf("a", "b", "c", "d"))
	ls = lines(tb.View())
	if !strings.Contains(ls[1], "b") || !strings.Contains(ls[3], "d") {
		t.Errorf("window after rows shrank: %q", ls)
	}
}

func TestUpdateKeys(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetSize(30, 5) // 4 rows per page
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = "r" + strconv.Itoa(i)
	}
	tb.SetRows(rowsOf(ids...))
	steps := []struct {
		key  string
		want int
	}{
		{"j", 1}, {"down", 2}, {"k", 1}, {"pgdown", 5}, {"ctrl+d", 7},
		{"G", 19}, {"j", 19}, {"g", 0}, {"k", 0}, {"end", 19}, {"home", 0},
	}
	for _, s := range steps {
		var msg tea.KeyMsg
		switch s.key {
		case "ctrl+d":
			msg = tea.KeyMsg{Type: tea.KeyCtrlD}
		case "end":
			msg = tea.KeyMsg{Type: tea.KeyEnd}
		default:
			msg = keyMsg(s.key)
		}
		if cmd := tb.Update(msg); cmd != nil {
			t.Errorf("%s returned a command", s.key)
		}
		if tb.Cursor() != s.want {
			t.Fatalf("after %s cursor at %d, want %d", s.key, tb.Cursor(), s.want)
		}
	}
	tb.Update(keyMsg(">"))
	if col, desc := tb.Sort(); col != 0 || desc {
		t.Errorf("> sorts by %d desc=%v, want 0 asc", col, desc)
	}
	tb.Update(keyMsg("~"))
	if _, desc := tb.Sort(); !desc {
		t.Error("~ did not reverse")
	}
	tb.Update(tea.WindowSizeMsg{Width: 1, Height: 1}) // ignored, not a panic
}

func TestEmptyTableIgnoresKeys(t *testing.T) {
	tb := newTable(t, cols())
	for _, k := range []string{"j", "k", "G", "g", "pgdown", ">", "~"} {
		tb.Update(keyMsg(k))
	}
	if tb.Cursor() != 0 {
		t.Errorf("cursor at %d in an empty table", tb.Cursor())
	}
}

func TestSort(t *testing.T) {
	tb := newTable(t, []Column[rid]{
		{Title: "NAME", Flex: 1},
		{Title: "STATE", Width: 8},
		{Title: "N", Width: 4, Align: AlignRight},
		{Title: "X", Width: 2, NoSort: true},
	})
	mk := func(id, name, state, n string) Row[rid] {
		return Row[rid]{ID: rid(id), Cells: []string{name, state, n, ""}}
	}
	rows := []Row[rid]{
		mk("r3", "runner-10", "idle", "12"),
		mk("r1", "runner-9", "idle", "3"),
		mk("r2", "Runner-2", "RUNNING", "3"),
		mk("r4", "runner-1", "idle", "007"),
	}
	tb.SetRows(rows)
	tb.SetCursorID("r1")

	tb.SortBy(0)
	if got := tb.IDs(); !slices.Equal(got, []rid{"r4", "r2", "r1", "r3"}) {
		t.Errorf("by name: %v, want natural, case-insensitive order", got)
	}
	if cursorID(t, tb) != "r1" {
		t.Error("sorting moved the cursor off its row")
	}
	tb.SortBy(0)
	if got := tb.IDs(); !slices.Equal(got, []rid{"r3", "r1", "r2", "r4"}) {
		t.Errorf("by name, again: %v, want reversed", got)
	}

	tb.SortBy(1) // states tie: broken by ID
	if got := tb.IDs(); !slices.Equal(got, []rid{"r1", "r3", "r4", "r2"}) {
		t.Errorf("by state: %v", got)
	}
	slices.Reverse(rows) // the server answers in another order
	tb.SetRows(rows)
	if got := tb.IDs(); !slices.Equal(got, []rid{"r1", "r3", "r4", "r2"}) {
		t.Errorf("by state after a reordered refresh: %v, want the same order", got)
	}
	tb.SetSort(1, true) // descending flips the key, not the ID tiebreak
	if got := tb.IDs(); !slices.Equal(got, []rid{"r2", "r1", "r3", "r4"}) {
		t.Errorf("by state descending: %v", got)
	}

	tb.SortBy(2)
	if got := tb.IDs(); !slices.Equal(got, []rid{"r1", "r2", "r4", "r3"}) {
		t.Errorf("by number: %v, want 3,3,007,12 with ties by ID", got)
	}
	if h := lines(tb.View())[0]; !strings.Contains(h, SortAsc) {
		t.Errorf("header %q lacks the sort arrow", h)
	}

	tb.CycleSort(1) // X can't sort: wraps to NAME
	if col, _ := tb.Sort(); col != 0 {
		t.Errorf("cycling from N went to %d, want 0", col)
	}
	tb.CycleSort(-1)
	if col, _ := tb.Sort(); col != 2 {
		t.Errorf("cycling back from NAME went to %d, want 2", col)
	}
	tb.SetSort(3, false)
	if col, _ := tb.Sort(); col != -1 {
		t.Errorf("sorting by a NoSort column gave %d, want -1", col)
	}
	if got := tb.IDs(); !slices.Equal(got, []rid{"r4", "r2", "r1", "r3"}) {
		t.Errorf("unsorted: %v, want the order given", got)
	}

	byLen := func(a, b Row[rid]) int { return cmp.Compare(len(a.Cells[0]), len(b.Cells[0])) }
	tb.SetColumns([]Column[rid]{{Title: "NAME", Flex: 1, Compare: byLen}, {Title: "STATE", Width: 8}})
	tb.SortBy(0)
	if got := tb.IDs(); !slices.Equal(got, []rid{"r1", "r2", "r4", "r3"}) {
		t.Errorf("custom compare: %v", got)
	}
}

func TestNaturalCompare(t *testing.T) {
	ordered := []string{"", "1", "2", "02x", "10", "a", "A1", "a2", "a10", "b", "runner-9", "runner-10", "Zeta", "é"}
	for i := range ordered {
		for j := range ordered {
			got := naturalCompare(ordered[i], ordered[j])
			want := cmp.Compare(i, j)
			if got != want && !(strings.EqualFold(ordered[i], ordered[j])) {
				t.Errorf("naturalCompare(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func TestTruncation(t *testing.T) {
	tests := []struct {
		in    string
		w     int
		align Align
		want  string
	}{
		{"abcdefgh", 5, AlignLeft, "abcd…"},
		{"abc", 5, AlignLeft, "abc  "},
		{"abc", 5, AlignRight, "  abc"},
		{"abc", 6, AlignCenter, " abc  "},
		{"世界世界", 5, AlignLeft, "世界…"},
		{"世界世界", 4, AlignLeft, "世… "},
		{"🚀🚀🚀", 3, AlignLeft, "🚀…"},
		{"abc", 1, AlignLeft, "…"},
		{"abc", 0, AlignLeft, ""},
	}
	for _, tc := range tests {
		got := fit(tc.in, tc.w, tc.align)
		if got != tc.want {
			t.Errorf("fit(%q, %d) = %q, want %q", tc.in, tc.w, got, tc.want)
		}
		if tc.w > 0 && ansi.StringWidth(got) != tc.w {
			t.Errorf("fit(%q, %d) is %d wide", tc.in, tc.w, ansi.StringWidth(got))
		}
	}
	styled := "\x1b[31mabcdefgh\x1b[0m"
	if got := fit(styled, 5, AlignLeft); ansi.Strip(got) != "abcd…" || ansi.StringWidth(got) != 5 {
		t.Errorf("fit(styled) = %q", got)
	}
}

func TestLinesNeverExceedWidth(t *testing.T) {
	c := []Column[rid]{
		{Title: "NAME", Flex: 2, MinWidth: 6},
		{Title: "DESCRIPTION", Flex: 1},
		{Title: "STATE", Width: 12},
		{Title: "INFLIGHT", Width: 8, Align: AlignRight},
	}
	rows := []Row[rid]{
		{ID: "1", Cells: []string{"a-very-long-application-name", "描述 with wide text 🚀🚀", "● running", "12"}},
		{ID: "2", Cells: []string{"b", "", "\x1b[32m○ idle\x1b[0m", "0"}},
	}
	for _, p := range []termenv.Profile{termenv.Ascii, termenv.ANSI256} {
		tb := New(c, keymap.Default().Table, styles(p))
		tb.SetSelectable(true)
		tb.SetRows(rows)
		tb.SetSort(0, false)
		for w := 0; w <= 70; w++ {
			for h := 0; h <= 4; h++ {
				tb.SetSize(w, h)
				view := tb.View()
				if h == 0 || w == 0 {
					if view != "" {
						t.Fatalf("%dx%d view is %q, want empty", w, h, view)
					}
					continue
				}
				ls := lines(view)
				if len(ls) != h {
					t.Fatalf("%dx%d view has %d lines", w, h, len(ls))
				}
				for _, l := range ls {
					if lw := ansi.StringWidth(l); lw > w {
						t.Fatalf("%dx%d line %q is %d wide", w, h, l, lw)
					}
				}
			}
		}
	}
}

func TestViewUnderAsciiHasNoEscapes(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetSelectable(true)
	tb.SetRows(rowsOf("a", "b", "c"))
	next := rowsOf("a", "b", "c", "d")
	next[2].Cells = []string{"c", "RUNNING"}
	tb.SetRows(next)
	tb.ToggleSelect("b")
	tb.SetSort(0, true)
	tb.SetCursorID("d")
	for _, stale := range []bool{false, true} {
		tb.SetStale(stale)
		view := tb.View()
		if strings.Contains(view, "\x1b") {
			t.Fatalf("stale=%v: escape codes under Ascii: %q", stale, view)
		}
		ls := lines(view)
		if !strings.HasPrefix(ls[1], GlyphCursor+GlyphAdded+" ") || !strings.Contains(ls[1], "d") {
			t.Errorf("stale=%v: cursor row is %q, want the cursor glyph and the added mark", stale, ls[1])
		}
		if !strings.HasPrefix(ls[3], "  "+GlyphSelected+" b") {
			t.Errorf("stale=%v: selected row is %q", stale, ls[3])
		}
		if !strings.Contains(ls[0], "NAME "+SortDesc) {
			t.Errorf("stale=%v: header is %q", stale, ls[0])
		}
	}

	// In colour, the cursor row drops the cell's own colours so that the
	// row highlight is not cut short by the cell's reset.
	col := New(cols(), keymap.Default().Table, styles(termenv.ANSI256))
	col.SetSize(40, 5)
	col.SetRows([]Row[rid]{{ID: "a", Cells: []string{"a", "\x1b[32mRUNNING\x1b[0m"}}, {ID: "b", Cells: []string{"b", "\x1b[32mRUNNING\x1b[0m"}}})
	ls := lines(col.View())
	if strings.Contains(ls[1], "\x1b[32m") {
		t.Errorf("cursor row kept the cell's colour: %q", ls[1])
	}
	if !strings.Contains(ls[2], "\x1b[32m") {
		t.Errorf("other row lost the cell's colour: %q", ls[2])
	}
	if !strings.Contains(ls[1], "\x1b[") {
		t.Errorf("cursor row has no highlight in colour: %q", ls[1])
	}
}

func TestEmptyState(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetEmpty("No runners.")
	ls := lines(tb.View())
	if len(ls) != 10 || !strings.Contains(ls[1], "No runners.") {
		t.Errorf("empty table: %q", ls)
	}
	tb.SetRows(rowsOf("a"))
	tb.SetFilter("zz\x1b[2Jz")
	if ls := lines(tb.View()); !strings.Contains(ls[1], `No rows match "zzz".`) {
		t.Errorf("no match: %q", ls[1])
	}
}

func TestSelection(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetRows(rowsOf("a", "b", "c"))
	tb.ToggleSelect("a")
	if tb.IsSelected("a") {
		t.Error("selected a row in a table that is not selectable")
	}
	tb.SetSelectable(true)
	tb.ToggleSelect("c")
	tb.ToggleSelect("a")
	tb.ToggleSelect("zz")
	if got := tb.Selected(); !slices.Equal(got, []rid{"a", "c"}) {
		t.Errorf("Selected() = %v", got)
	}
	tb.ToggleSelect("a")
	tb.SetRows(rowsOf("a", "b"))
	if got := tb.Selected(); len(got) != 0 {
		t.Errorf("Selected() = %v after c vanished and a was toggled off", got)
	}
	tb.ToggleSelect("b")
	tb.ClearSelection()
	if tb.IsSelected("b") {
		t.Error("ClearSelection kept b")
	}
}

func TestDuplicateIDsKeepFirst(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetRows([]Row[rid]{{ID: "a", Cells: []string{"first"}}, {ID: "a", Cells: []string{"second"}}})
	if r, _ := tb.Row("a"); tb.Total() != 1 || r.Cells[0] != "first" {
		t.Errorf("duplicates: total %d, kept %v", tb.Total(), r.Cells)
	}
}

func TestShortRowsAndFlexLayout(t *testing.T) {
	tb := New([]Column[rid]{
		{Title: "A", Flex: 1},
		{Title: "B", Flex: 3},
		{Title: "C", Width: 4},
	}, keymap.Default().Table, styles(termenv.Ascii))
	tb.SetSize(3+4+4+20, 3) // gutter, two gaps, C, and 20 to share
	if tb.widths[0] != 5 || tb.widths[1] != 15 || tb.widths[2] != 4 {
		t.Errorf("widths %v, want [5 15 4]", tb.widths)
	}
	tb.SetRows([]Row[rid]{{ID: "x", Cells: []string{"only-one-cell"}}})
	if ls := lines(tb.View()); ansi.StringWidth(ls[1]) != tb.Width() {
		t.Errorf("short row drawn %q", ls[1])
	}
}
