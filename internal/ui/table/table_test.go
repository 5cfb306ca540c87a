package table

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/keymap"
)

type rid string

// val is the tests' domain value: an ID and one text per column.
type val struct {
	id    rid
	cells []string
}

func idOf(v val) rid { return v.id }

// texts gives each column that has neither Cell nor Live the text of v at
// its index.
func texts(cs ...Column[val]) []Column[val] {
	for i := range cs {
		if cs[i].Cell == nil && cs[i].Live == nil {
			cs[i].Cell = func(v val) string { return cellAt(v.cells, i) }
		}
	}
	return cs
}

func cols() []Column[val] {
	return texts(
		Column[val]{Title: "NAME", Flex: 1},
		Column[val]{Title: "STATE", Width: 10},
	)
}

func newTable(t testing.TB, c []Column[val]) *Table[rid, val] {
	t.Helper()
	tb := New(idOf, c, keymap.Default().Table, uitest.Styles(termenv.Ascii))
	tb.SetSize(40, 10)
	return tb
}

// valsOf makes values whose first cell is the ID and second is "idle".
func valsOf(ids ...string) []val {
	out := make([]val, len(ids))
	for i, id := range ids {
		out[i] = val{id: rid(id), cells: []string{id, "idle"}}
	}
	return out
}

func cursorID(t *testing.T, tb *Table[rid, val]) rid {
	t.Helper()
	id, ok := tb.CursorID()
	if !ok {
		t.Fatal("no cursor row")
	}
	return id
}

func lines(view string) []string { return strings.Split(view, "\n") }

func TestCursorKeptByIDAcrossReorder(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetValues(valsOf("a", "b", "c", "d"))
	tb.MoveDown(2)
	if got := cursorID(t, tb); got != "c" {
		t.Fatalf("cursor on %s, want c", got)
	}
	tb.SetValues(valsOf("d", "c", "b", "a"))
	if got := cursorID(t, tb); got != "c" || tb.Cursor() != 1 {
		t.Errorf("after reorder cursor on %s at %d, want c at 1", got, tb.Cursor())
	}
	tb.SetValues(valsOf("x", "y", "z", "d", "c"))
	if got := cursorID(t, tb); got != "c" || tb.Cursor() != 4 {
		t.Errorf("after inserts cursor on %s at %d, want c at 4", got, tb.Cursor())
	}
}

func TestCursorWhenRowVanishes(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetValues(valsOf("a", "b", "c", "d", "e"))
	tb.MoveDown(2) // c
	tb.SetValues(valsOf("a", "b", "d", "e"))
	if got := cursorID(t, tb); got != "d" {
		t.Errorf("cursor on %s after c vanished, want d (same position)", got)
	}
	tb.GotoBottom() // e
	tb.SetValues(valsOf("a", "b"))
	if got := cursorID(t, tb); got != "b" {
		t.Errorf("cursor on %s after the tail vanished, want b (last row)", got)
	}
	tb.SetValues(nil)
	if _, ok := tb.CursorID(); ok {
		t.Error("cursor row in an empty table")
	}
	tb.SetValues(valsOf("q"))
	if got := cursorID(t, tb); got != "q" {
		t.Errorf("cursor on %s, want q", got)
	}
	if v, ok := tb.CursorValue(); !ok || v.cells[0] != "q" {
		t.Errorf("cursor value %v %v", v, ok)
	}
}

func TestFilterKeepsCursorByID(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetValues([]val{
		{"1", []string{"alpha", "idle"}},
		{"2", []string{"beta", "RUNNING"}},
		{"3", []string{"gamma", "idle"}},
		{"4", []string{"Betamax", "idle"}},
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
	// Typing on narrows; deleting widens again.
	tb.SetFilter("a")
	tb.SetFilter("al")
	if got := tb.IDs(); !slices.Equal(got, []rid{"1"}) {
		t.Errorf("filter al shows %v, want [1]", got)
	}
	tb.SetFilter("a")
	if got := tb.IDs(); !slices.Equal(got, []rid{"1", "2", "3", "4"}) {
		t.Errorf("filter a after al shows %v", got)
	}
	// A refresh under a filter keeps filtering and keeps the cursor.
	tb.SetCursorID("3")
	tb.SetValues([]val{
		{"3", []string{"gamma", "idle"}},
		{"5", []string{"delta", "idle"}},
		{"6", []string{"omicron", "idle"}},
	})
	if got := tb.IDs(); !slices.Equal(got, []rid{"3", "5"}) {
		t.Errorf("refresh under filter shows %v, want [3 5]", got)
	}
	if got := cursorID(t, tb); got != "3" {
		t.Errorf("cursor on %s, want 3", got)
	}
}

func TestFilterIgnoresStylingAndFindsWideText(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetValues([]val{
		{"1", []string{"Größe", "\x1b[32mrunning\x1b[0m"}},
		{"2", []string{"plain", "idle"}},
	})
	for q, want := range map[string][]rid{"GRÖSSE": nil, "größe": {"1"}, "RÖ": {"1"}, "32m": nil, "nning": {"1"}} {
		tb.SetFilter(q)
		if got := tb.IDs(); !slices.Equal(got, want) {
			t.Errorf("filter %q shows %v, want %v", q, got, want)
		}
	}
}

func TestMarks(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetValues(valsOf("a", "b", "c"))
	for _, id := range []rid{"a", "b", "c"} {
		if tb.Marked(id) {
			t.Errorf("first load marked %s", id)
		}
	}

	next := valsOf("a", "b", "c", "e")
	next[1].cells = []string{"b", "RUNNING"}
	tb.SetValues(next)
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

	tb.SetValues(next) // nothing changed: marks expire
	for _, id := range []rid{"a", "b", "c", "e"} {
		if tb.Marked(id) {
			t.Errorf("%s still marked after an unchanged refresh", id)
		}
	}

	next[0].cells = []string{"a", "SETUP"}
	tb.SetValues(next)
	tb.ClearMarks()
	if tb.Marked("a") || strings.Contains(tb.View(), GlyphChanged) {
		t.Error("ClearMarks left a mark")
	}
}

// uptimeCol is a live column reading the tests' clock-driven texts.
func uptimeCol(texts map[rid]string) Column[val] {
	return Column[val]{Title: "UPTIME", Width: 6, Live: func(v val, _ Clock) string { return texts[v.id] }}
}

func TestLiveColumnsDoNotMarkAndTick(t *testing.T) {
	uptime := map[rid]string{"a": "1s"}
	tb := newTable(t, append(cols(), uptimeCol(uptime)))
	tb.SetValues([]val{{"a", []string{"a", "idle", "ignored"}}})
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
	tb.SetValues([]val{{"a", []string{"a", "idle", "changed but live"}}})
	if tb.Marked("a") {
		t.Error("a change in a live column's value marked the row")
	}
	tb.SetFilter("ignored")
	if tb.Len() != 0 {
		t.Error("the filter matched a live column's value")
	}
}

func TestLiveColumnWithCellMarksAndFilters(t *testing.T) {
	pending := ""
	c := texts(Column[val]{Title: "NAME", Flex: 1}, Column[val]{Title: "MIN", Width: 8})
	c[1].Live = func(v val, _ Clock) string { return v.cells[1] + pending }
	tb := newTable(t, c)
	tb.SetValues([]val{{"a", []string{"a", "1"}}, {"b", []string{"b", "2"}}})
	pending = "→3"
	tb.Invalidate()
	if !strings.Contains(tb.View(), "1→3") {
		t.Errorf("Invalidate did not redraw the live cell:\n%s", tb.View())
	}
	tb.SetValues([]val{{"a", []string{"a", "5"}}, {"b", []string{"b", "2"}}})
	if !tb.Marked("a") || tb.Marked("b") {
		t.Error("a changed Cell behind a live column did not mark its row")
	}
	tb.SetFilter("5")
	if got := tb.IDs(); !slices.Equal(got, []rid{"a"}) {
		t.Errorf("filter 5 shows %v", got)
	}
}

// TestDrawsOnlyVisibleRowsAndCaches counts the rows rendered.
func TestDrawsOnlyVisibleRowsAndCaches(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetSize(40, 6) // header + 5 rows
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = fmt.Sprintf("row-%03d", i)
	}
	tb.SetValues(valsOf(ids...))
	draws := func(f func()) int {
		before := tb.renders
		f()
		tb.View()
		return tb.renders - before
	}

	if n := draws(func() {}); n != 5 {
		t.Fatalf("first View drew %d rows, want 5", n)
	}
	if n := len(lines(tb.View())); n != 6 {
		t.Fatalf("View has %d lines, want 6", n)
	}
	if n := draws(func() {}); n != 0 {
		t.Errorf("an unchanged View drew %d rows", n)
	}
	if n := draws(func() { tb.MoveDown(1) }); n != 2 {
		t.Errorf("moving the cursor drew %d rows, want 2 (old and new cursor row)", n)
	}
	if n := draws(func() { tb.SetValues(valsOf(ids...)) }); n != 0 {
		t.Errorf("an unchanged refresh drew %d rows", n)
	}
	changed := valsOf(ids...)
	changed[3].cells = []string{"row-003", "RUNNING"}
	if n := draws(func() { tb.SetValues(changed) }); n != 1 {
		t.Errorf("refresh with one changed row drew %d rows, want 1", n)
	}
	var view string
	if n := draws(func() { tb.GotoBottom(); view = tb.View() }); n != 5 {
		t.Errorf("jumping to the bottom drew %d rows, want 5", n)
	}
	ls := lines(view)
	if !strings.Contains(ls[5], "row-999") || !strings.Contains(ls[1], "row-995") {
		t.Errorf("bottom window is %q", ls[1:])
	}
	if n := draws(func() { tb.SetSize(50, 6) }); n != 5 {
		t.Errorf("a width change redrew %d rows, want 5", n)
	}
}

// TestQuietTick: a tick redraws only the rows whose live text changed, and
// a tick that changes no text leaves the View as it was.
func TestQuietTick(t *testing.T) {
	uptime := map[rid]string{"a": "1m", "b": "5s", "c": "2h"}
	calls := 0
	live := Column[val]{Title: "UP", Width: 4, Live: func(v val, _ Clock) string { calls++; return uptime[v.id] }}
	tb := newTable(t, append(cols(), live))
	tb.SetValues(valsOf("a", "b", "c"))
	before := tb.View()
	renders := tb.renders

	tb.Tick()
	if v := tb.View(); v != before || tb.renders != renders {
		t.Errorf("a tick that changed no text drew %d rows", tb.renders-renders)
	}
	uptime["b"] = "6s"
	calls = 0
	tb.Tick()
	v := tb.View()
	if tb.renders != renders+1 || !strings.Contains(v, "6s") {
		t.Errorf("a tick changing one row drew %d rows:\n%s", tb.renders-renders, v)
	}
	if calls != 3 {
		t.Errorf("live cells computed %d times for 3 visible rows", calls)
	}
	calls = 0
	tb.View()
	if calls != 0 {
		t.Errorf("a View without a tick computed %d live cells", calls)
	}
}

func TestStaleDataStopsTheClock(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	up := Column[val]{Title: "UP", Width: 6, Live: func(_ val, c Clock) string { return c.Elapsed().String() }}
	tb := newTable(t, append(cols(), up))
	stale := false // the owner's record, which the table only reads
	tb.SetClock(func() time.Time { return now }, func() bool { return stale })
	tb.Swap(tb.Builder().Build(valsOf("a")), now)
	now = now.Add(3 * time.Second)
	tb.Tick()
	if !strings.Contains(tb.View(), "3s") {
		t.Fatalf("live cell not ticking: %q", tb.View())
	}
	stale = true
	now = now.Add(5 * time.Second)
	tb.Tick()
	if v := tb.View(); !strings.Contains(v, "3s") || !tb.Stale() {
		t.Errorf("stale data ticked: %q", v)
	}
	now = now.Add(5 * time.Second) // still stale: the clock stays where it stopped
	tb.Invalidate()
	if v := tb.View(); !strings.Contains(v, "3s") {
		t.Errorf("stale data ticked after an Invalidate: %q", v)
	}
	// A local change while the data is stale keeps it stale: the owner
	// says when it is fresh.
	tb.SetValues(valsOf("a", "b"))
	if v := tb.View(); !tb.Stale() || !strings.Contains(v, "3s") {
		t.Errorf("a local change made stale data tick: stale %v, %q", tb.Stale(), v)
	}
	stale = false
	tb.Swap(tb.Builder().Build(valsOf("a")), now)
	if v := tb.View(); tb.Stale() || !strings.Contains(v, "0s") {
		t.Errorf("fresh data: stale %v, %q", tb.Stale(), v)
	}
}

func TestWindowFollowsCursor(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetSize(30, 4) // 3 rows
	tb.SetValues(valsOf("a", "b", "c", "d", "e", "f"))
	for _, k := range []string{"j", "j", "j"} {
		tb.Update(uitest.Key(k))
	}
	ls := lines(tb.View())
	if !strings.Contains(ls[1], "b") || !strings.HasPrefix(ls[3], GlyphCursor) || !strings.Contains(ls[3], "d") {
		t.Errorf("window after 3 downs: %q", ls)
	}
	tb.Update(uitest.Key("k"))
	tb.Update(uitest.Key("k"))
	ls = lines(tb.View())
	if !strings.HasPrefix(ls[1], GlyphCursor) || !strings.Contains(ls[1], "b") {
		t.Errorf("window after scrolling back up: %q", ls)
	}
	// Rows shrinking below the window pull it up rather than leave blanks.
	tb.GotoBottom()
	tb.SetValues(valsOf("a", "b", "c", "d"))
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
	tb.SetValues(valsOf(ids...))
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
			msg = uitest.Key(s.key)
		}
		if cmd := tb.Update(msg); cmd != nil {
			t.Errorf("%s returned a command", s.key)
		}
		if tb.Cursor() != s.want {
			t.Fatalf("after %s cursor at %d, want %d", s.key, tb.Cursor(), s.want)
		}
	}
	tb.Update(uitest.Key(">"))
	if col, desc := tb.Sort(); col != 0 || desc {
		t.Errorf("> sorts by %d desc=%v, want 0 asc", col, desc)
	}
	tb.Update(uitest.Key("~"))
	if _, desc := tb.Sort(); !desc {
		t.Error("~ did not reverse")
	}
	tb.Update(tea.WindowSizeMsg{Width: 1, Height: 1}) // ignored, not a panic
}

func TestEmptyTableIgnoresKeys(t *testing.T) {
	tb := newTable(t, cols())
	for _, k := range []string{"j", "k", "G", "g", "pgdown", ">", "~"} {
		tb.Update(uitest.Key(k))
	}
	if tb.Cursor() != 0 {
		t.Errorf("cursor at %d in an empty table", tb.Cursor())
	}
}

func TestSort(t *testing.T) {
	c := texts(
		Column[val]{Title: "NAME", Flex: 1},
		Column[val]{Title: "STATE", Width: 8},
		Column[val]{Title: "N", Width: 4, Align: AlignRight},
		Column[val]{Title: "X", Width: 2, NoSort: true},
		Column[val]{Title: "LEN", Width: 3, Key: func(v val) int64 { return int64(len(v.cells[0])) }},
		Column[val]{Title: "ID", Width: 3, ByID: true},
	)
	tb := newTable(t, c)
	mk := func(id, name, state, n string) val { return val{rid(id), []string{name, state, n, ""}} }
	vals := []val{
		mk("r3", "runner-10", "idle", "12"),
		mk("r1", "runner-9", "idle", "3"),
		mk("r2", "Runner-2", "RUNNING", "3"),
		mk("r4", "runner-1", "idle", "007"),
	}
	tb.SetValues(vals)
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
	slices.Reverse(vals) // the server answers in another order
	tb.SetValues(vals)
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

	tb.CycleSort(1) // X can't sort: on to LEN
	if col, _ := tb.Sort(); col != 4 {
		t.Errorf("cycling from N went to %d, want 4", col)
	}
	if got := tb.IDs(); !slices.Equal(got, []rid{"r1", "r2", "r4", "r3"}) {
		t.Errorf("by key: %v, want lengths 8,8,8,9 with ties by ID", got)
	}
	tb.ReverseSort()
	if got := tb.IDs(); !slices.Equal(got, []rid{"r3", "r1", "r2", "r4"}) {
		t.Errorf("by key descending: %v, want the ID tiebreak kept ascending", got)
	}
	tb.CycleSort(1)
	tb.SortBy(5)
	if got := tb.IDs(); !slices.Equal(got, []rid{"r4", "r3", "r2", "r1"}) {
		t.Errorf("by ID descending: %v", got)
	}
	tb.CycleSort(1) // wraps to NAME
	if col, _ := tb.Sort(); col != 0 {
		t.Errorf("cycling from ID went to %d, want 0", col)
	}
	tb.CycleSort(-1)
	if col, _ := tb.Sort(); col != 5 {
		t.Errorf("cycling back from NAME went to %d, want 5", col)
	}
	tb.SetSort(3, false)
	if col, _ := tb.Sort(); col != -1 {
		t.Errorf("sorting by a NoSort column gave %d, want -1", col)
	}
	if got := tb.IDs(); !slices.Equal(got, []rid{"r4", "r2", "r1", "r3"}) {
		t.Errorf("unsorted: %v, want the order given", got)
	}
}

// TestSortAndFilterChosenDuringABuild: a snapshot built for one order and
// filter, swapped in after the user chose others, shows the others.
func TestSortAndFilterChosenDuringABuild(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetValues(valsOf("b", "a", "c"))
	b := tb.Builder() // a fetch starts, unsorted and unfiltered
	tb.SetSort(0, true)
	tb.SetCursorID("b")
	s := b.Build(valsOf("b", "a", "c", "ab"))
	tb.Swap(s, time.Time{})
	if got := tb.IDs(); !slices.Equal(got, []rid{"c", "b", "ab", "a"}) {
		t.Errorf("sorted during the build: %v", got)
	}
	if cursorID(t, tb) != "b" {
		t.Errorf("cursor on %s, want b", cursorID(t, tb))
	}
	b = tb.Builder()
	tb.SetFilter("A")
	tb.Swap(b.Build(valsOf("b", "a", "c", "ab", "ba")), time.Time{})
	if got := tb.IDs(); !slices.Equal(got, []rid{"ba", "ab", "a"}) {
		t.Errorf("filtered during the build: %v", got)
	}
	if got := lines(tb.View())[0]; !strings.Contains(got, SortDesc) {
		t.Errorf("header %q", got)
	}
}

// TestBuildOffTheUIGoroutine builds snapshots on other goroutines while
// the table is used: under -race, any shared write shows.
func TestBuildOffTheUIGoroutine(t *testing.T) {
	c := append(cols(), uptimeCol(map[rid]string{}))
	tb := newTable(t, c)
	tb.SetSelectable(true)
	vals := func(round int) []val {
		out := make([]val, 500)
		for i := range out {
			id := fmt.Sprintf("r%03d", i)
			out[i] = val{rid(id), []string{id, strconv.Itoa((i + round) % 3)}}
		}
		return out
	}
	tb.SetValues(vals(0))
	tb.SetSort(1, false)
	for round := 1; round <= 20; round++ {
		b := tb.Builder()
		done := make(chan *Snapshot[rid, val])
		go func() { done <- b.Build(vals(round)) }()
		for range 10 { // the UI goes on meanwhile
			tb.MoveDown(1)
			tb.ToggleSelect(cursorID(t, tb))
			tb.SetFilter(strconv.Itoa(round % 3))
			tb.Tick()
			tb.View()
		}
		tb.Swap(<-done, time.Time{})
		tb.View()
	}
	tb.SetFilter("")
	if tb.Total() != 500 || tb.Len() != 500 {
		t.Errorf("%d of %d rows", tb.Len(), tb.Total())
	}
}

func TestKeep(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetSelectable(true)
	tb.SetValues(valsOf("a", "b", "c", "d"))
	next := valsOf("a", "b", "c", "d")
	next[3].cells[1] = "RUNNING"
	tb.SetValues(next)
	tb.SetSort(0, true)
	tb.SetCursorID("c")
	tb.ToggleSelect("b")
	tb.ToggleSelect("c")
	tb.Keep(func(v val) bool { return v.id != "c" })
	if got := tb.IDs(); !slices.Equal(got, []rid{"d", "b", "a"}) {
		t.Errorf("kept %v", got)
	}
	if got := cursorID(t, tb); got != "b" {
		t.Errorf("cursor on %s, want b (c's place)", got)
	}
	if !tb.Marked("d") || !tb.IsSelected("b") || tb.IsSelected("c") {
		t.Error("Keep lost a mark or a selection, or kept c's")
	}
	tb.SortBy(1)
	if got := tb.IDs(); !slices.Equal(got, []rid{"a", "b", "d"}) {
		t.Errorf("sorted by state after Keep: %v", got)
	}
	if _, ok := tb.Value("c"); ok {
		t.Error("c still has a value")
	}
}

func TestSet(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetValues(valsOf("a", "b"))
	tb.SetSort(1, false)
	tb.Set("b", val{"b", []string{"b", "ACTIVE"}})
	if got := tb.IDs(); !slices.Equal(got, []rid{"b", "a"}) {
		t.Errorf("after Set: %v", got)
	}
	if !tb.Marked("b") || tb.Marked("a") {
		t.Error("Set did not mark the changed row alone")
	}
	tb.Set("b", val{"zz", nil}) // another ID: ignored
	tb.Set("q", val{"q", nil})  // no such row: ignored
	if cells, _ := tb.Cells("b"); cells[1] != "ACTIVE" || tb.Total() != 2 {
		t.Errorf("cells of b %v, %d rows", cells, tb.Total())
	}
}

func TestRadixSortIsAStableSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 10, 1000, 5000} {
		for _, spread := range []uint64{1, 3, 1 << 20, 1<<63 + 5} {
			items := make([]keyed, n)
			for i := range items {
				items[i] = keyed{key: rng.Uint64N(spread) << (rng.UintN(2) * 40), pos: int32(i)}
			}
			want := slices.Clone(items)
			slices.SortStableFunc(want, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
			var sc sorter
			buf, _ := sc.items(n)
			got := sc.sort(append(buf[:0], items...))
			if !slices.Equal(got, want) {
				t.Fatalf("n %d spread %d: radix sort differs from a stable sort", n, spread)
			}
		}
	}
}

func TestMerge(t *testing.T) {
	cmpInt := func(a, b int32) int { return cmp.Compare(a/10, b/10) } // ties within tens
	got := merge([]int32{1, 12, 15, 30}, []int32{0, 13, 14, 40}, cmpInt)
	if want := []int32{1, 0, 12, 15, 13, 14, 30, 40}; !slices.Equal(got, want) {
		t.Errorf("merge = %v, want %v", got, want)
	}
	if got := merge([]int32{1, 2}, nil, cmpInt); !slices.Equal(got, []int32{1, 2}) {
		t.Errorf("merge with nothing = %v", got)
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
	c := texts(
		Column[val]{Title: "NAME", Flex: 2, MinWidth: 6},
		Column[val]{Title: "DESCRIPTION", Flex: 1},
		Column[val]{Title: "STATE", Width: 12},
		Column[val]{Title: "INFLIGHT", Width: 8, Align: AlignRight},
	)
	vals := []val{
		{"1", []string{"a-very-long-application-name", "描述 with wide text 🚀🚀", "● running", "12"}},
		{"2", []string{"b", "", "\x1b[32m○ idle\x1b[0m", "0"}},
	}
	for _, p := range []termenv.Profile{termenv.Ascii, termenv.ANSI256} {
		tb := New(idOf, c, keymap.Default().Table, uitest.Styles(p))
		tb.SetSelectable(true)
		tb.SetValues(vals)
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
	tb.SetValues(valsOf("a", "b", "c"))
	next := valsOf("a", "b", "c", "d")
	next[2].cells = []string{"c", "RUNNING"}
	tb.SetValues(next)
	tb.ToggleSelect("b")
	tb.SetSort(0, true)
	tb.SetCursorID("d")
	var stale bool
	tb.SetClock(time.Now, func() bool { return stale })
	for _, stale = range []bool{false, true} {
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
	col := New(idOf, cols(), keymap.Default().Table, uitest.Styles(termenv.ANSI256))
	col.SetSize(40, 5)
	col.SetValues([]val{{"a", []string{"a", "\x1b[32mRUNNING\x1b[0m"}}, {"b", []string{"b", "\x1b[32mRUNNING\x1b[0m"}}})
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
	tb.SetValues(valsOf("a"))
	tb.SetFilter("zz\x1b[2Jz")
	if ls := lines(tb.View()); !strings.Contains(ls[1], `No rows match "zzz".`) {
		t.Errorf("no match: %q", ls[1])
	}
}

func TestSelection(t *testing.T) {
	tb := newTable(t, cols())
	tb.SetValues(valsOf("a", "b", "c"))
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
	tb.SetValues(valsOf("a", "b"))
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
	tb.SetValues([]val{{"a", []string{"first"}}, {"a", []string{"second"}}})
	if cells, _ := tb.Cells("a"); tb.Total() != 1 || cells[0] != "first" {
		t.Errorf("duplicates: total %d, kept %v", tb.Total(), cells)
	}
}

func TestShortRowsAndFlexLayout(t *testing.T) {
	tb := New(idOf, texts(
		Column[val]{Title: "A", Flex: 1, MinWidth: 1},
		Column[val]{Title: "B", Flex: 3, MinWidth: 1},
		Column[val]{Title: "C", Width: 4},
	), keymap.Default().Table, uitest.Styles(termenv.Ascii))
	tb.SetSize(3+4+4+20, 3) // gutter, two gaps, C, and 20 to share
	wide := strings.Repeat("x", 30)
	tb.SetValues([]val{{"x", []string{wide, wide}}})
	if tb.widths[0] != 5 || tb.widths[1] != 15 || tb.widths[2] != 4 {
		t.Errorf("widths %v, want [5 15 4]: shared by Flex when the cells need more", tb.widths)
	}
	tb.SetValues([]val{{"x", []string{"only-one-cell"}}})
	if tb.widths[0] != 13 || tb.widths[1] != 1 {
		t.Errorf("widths %v, want [13 1 4]: as wide as the cells and titles", tb.widths)
	}
	tb.SetValues([]val{{"x", []string{"only-one-cell"}}, {"y", []string{"b"}}})
	ls := lines(tb.View())
	if ansi.StringWidth(ls[1]) != tb.Width() {
		t.Errorf("the cursor row %q does not span the table", ls[1])
	}
	if ls[2] != " + b" {
		t.Errorf("a short row drawn %q, want its blanks dropped", ls[2])
	}
}

func TestSortByID(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	prefixes := []string{"", "a", "a\x00", "a\x00b", "runner-0", "runner-00", "runner-000"}
	for _, n := range []int{0, 1, 2, 100, 3000} {
		rows := make([]row[rid, val], n)
		ps := make([]int32, n)
		for i := range rows {
			// Short IDs, IDs sharing their first eight bytes, zero bytes.
			id := prefixes[rng.IntN(len(prefixes))] + strconv.Itoa(rng.IntN(1000))[:rng.IntN(2)]
			rows[i], ps[i] = row[rid, val]{id: rid(id)}, int32(i)
		}
		sortByID(rows, ps)
		if !slices.IsSortedFunc(ps, func(a, b int32) int { return cmp.Compare(rows[a].id, rows[b].id) }) {
			t.Fatalf("n %d: not sorted", n)
		}
	}
}

func TestPreview(t *testing.T) {
	tb := newTable(t, cols())
	ids := make([]string, previewFrom+1)
	for i := range ids {
		ids[i] = fmt.Sprintf("r%05d", i)
	}
	vals := valsOf(ids...)
	b := tb.Builder()
	p, ok := b.Preview(vals)
	if !ok {
		t.Fatal("no preview of a first, huge listing")
	}
	tb.Swap(p, time.Time{})
	if tb.Len() != previewRows || tb.Total() != len(vals) {
		t.Errorf("preview shows %d of %d", tb.Len(), tb.Total())
	}
	if _, ok := tb.Builder().Preview(vals); !ok {
		t.Error("no preview while a preview is shown")
	}
	tb.Swap(b.Build(vals), time.Time{})
	if !tb.Shows(tb.snap) || tb.Len() != len(vals) {
		t.Errorf("all rows: %d", tb.Len())
	}
	if _, ok := tb.Builder().Preview(vals); ok {
		t.Error("a preview of a table showing data")
	}
	vals[len(vals)-1].cells[1] = "RUNNING"
	tb.SetValues(vals)
	if tb.Marked("r00000") || !tb.Marked(rid(ids[len(ids)-1])) {
		t.Error("after a preview, the next snapshot marks the wrong rows")
	}
	small := newTable(t, cols())
	if _, ok := small.Builder().Preview(vals[:previewFrom]); ok {
		t.Error("a preview of a listing a build handles at once")
	}
	small.SetSort(0, false)
	if _, ok := small.Builder().Preview(vals); ok {
		t.Error("a preview of a sorted table")
	}
}
