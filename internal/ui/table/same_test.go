package table

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/muesli/termenv"

	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/keymap"
)

// item is a value with cells and a field no cell shows (as a runner's
// uptime), which a live column draws.
type item struct {
	id    rid
	name  string
	state string
	n     int
	live  string
}

// itemColumns are content-sized text columns, one sorted by key, and a
// live column; cellCalls counts the cells made.
func itemColumns(cellCalls *int) []Column[*item] {
	count := func(f func(*item) string) func(*item) string {
		return func(it *item) string { *cellCalls++; return f(it) }
	}
	return []Column[*item]{
		{Title: "ID", ByID: true, Cell: count(func(it *item) string { return string(it.id) })},
		{Title: "NAME", Cell: count(func(it *item) string { return it.name })},
		{Title: "STATE", MaxWidth: 12, Cell: count(func(it *item) string { return "\x1b[1m" + it.state + "\x1b[0m" })},
		{Title: "N", Align: AlignRight, Cell: count(func(it *item) string { return fmt.Sprint(it.n) }),
			Key: func(it *item) int64 { return int64(it.n) }},
		{Title: "LIVE", Width: 8, Live: func(it *item, _ Clock) string { return it.live }},
	}
}

// sameItem is the runners pane's kind of test: every field a cell shows.
func sameItem(a, b *item) bool { return a.name == b.name && a.state == b.state && a.n == b.n }

func itemTable(t *testing.T, same bool, cellCalls *int) *Table[rid, *item] {
	t.Helper()
	tb := New(func(it *item) rid { return it.id }, itemColumns(cellCalls), keymap.Default().Table, uitest.Styles(termenv.Ascii))
	if same {
		tb.SetSameCells(sameItem)
	}
	tb.SetSize(100, 30)
	return tb
}

func items(specs ...string) []*item {
	out := make([]*item, len(specs))
	for i, s := range specs {
		f := strings.Split(s, " ")
		out[i] = &item{id: rid(f[0]), name: f[1], state: f[2], live: f[3]}
		fmt.Sscan(f[4], &out[i].n)
	}
	return out
}

// TestSameCellsSkipsOnlyUnchangedRows follows rows through refreshes where
// SetSameCells lets the table skip the unchanged ones: a row whose cells
// changed is still marked and drawn anew, a live cell reads the new value
// of a skipped row, the filter and sorts see the new texts, and a column
// narrows when its widest row goes or shrinks, though every other row was
// skipped.
func TestSameCellsSkipsOnlyUnchangedRows(t *testing.T) {
	var calls int
	tb := itemTable(t, true, &calls)
	tb.SetValues(items("a alpha idle 1s 1", "b beta running 1s 2", "c a-very-long-name idle 1s 3"))
	tb.View()

	calls = 0
	tb.SetValues(items("a alpha idle 2s 1", "b beta running 2s 2", "c a-very-long-name idle 2s 3"))
	if calls != 0 {
		t.Errorf("an unchanged refresh made %d cells, want 0", calls)
	}
	if v := tb.View(); strings.Contains(v, "1s") || strings.Count(v, "2s") != 3 {
		t.Errorf("live cells of skipped rows do not read the new values:\n%s", v)
	}
	for _, id := range []rid{"a", "b", "c"} {
		if tb.Marked(id) {
			t.Errorf("unchanged %s marked", id)
		}
	}

	// b changes one cell; the others stay.
	calls = 0
	tb.SetValues(items("a alpha idle 3s 1", "b beta draining 3s 2", "c a-very-long-name idle 3s 3"))
	if calls == 0 || calls > 8 { // b's cells, and the old ones are not made again
		t.Errorf("a refresh changing one row made %d cells", calls)
	}
	if !tb.Marked("b") || tb.Marked("a") || tb.Marked("c") {
		t.Error("marks: want only b")
	}
	if l := lines(tb.View())[2]; !strings.Contains(l, "draining") || !strings.HasPrefix(l, " "+GlyphChanged) {
		t.Errorf("changed row drawn as %q", l)
	}
	tb.SetFilter("running")
	if tb.Len() != 0 {
		t.Error("the filter still finds b's old state")
	}
	tb.SetFilter("draining")
	if got := tb.IDs(); !slices.Equal(got, []rid{"b"}) {
		t.Errorf("filter draining shows %v", got)
	}
	tb.SetFilter("")
	wide := tb.widths[1]
	if wide != len("a-very-long-name") {
		t.Fatalf("NAME is %d wide, want %d", wide, len("a-very-long-name"))
	}

	// The widest row shrinks; every other is skipped.
	tb.SetValues(items("a alpha idle 4s 1", "b beta draining 4s 2", "c gamma idle 4s 3"))
	if got := tb.widths[1]; got != len("alpha") {
		t.Errorf("NAME is %d wide after its widest cell shrank, want %d", got, len("alpha"))
	}
	// A wide row comes and goes.
	tb.SetValues(items("a alpha idle 5s 1", "b beta draining 5s 2", "c gamma idle 5s 3", "d delta-is-wider idle 5s 4"))
	if got := tb.widths[1]; got != len("delta-is-wider") || !tb.Marked("d") {
		t.Errorf("NAME is %d wide with d, want %d (d marked: %v)", got, len("delta-is-wider"), tb.Marked("d"))
	}
	tb.SetValues(items("a alpha idle 6s 1", "b beta draining 6s 2", "c gamma idle 6s 3"))
	if got := tb.widths[1]; got != len("alpha") {
		t.Errorf("NAME is %d wide after d went, want %d", got, len("alpha"))
	}

	// Sorting by text and by key sees the new values.
	tb.SetValues(items("a zulu idle 7s 9", "b beta draining 7s 2", "c gamma idle 7s 3"))
	tb.SetSort(1, false)
	if got := tb.IDs(); !slices.Equal(got, []rid{"b", "c", "a"}) {
		t.Errorf("by NAME: %v", got)
	}
	tb.SetSort(3, true)
	if got := tb.IDs(); !slices.Equal(got, []rid{"a", "c", "b"}) {
		t.Errorf("by N, descending: %v", got)
	}
}

// TestSameCellsChangesNothingShown drives two tables through the same
// random refreshes, one skipping rows SetSameCells calls unchanged and
// one making every cell, and finds them alike after each: the screen,
// marks, widths, filtered and sorted rows.
func TestSameCellsChangesNothingShown(t *testing.T) {
	var calls int
	fast, slow := itemTable(t, true, &calls), itemTable(t, false, &calls)
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "A", "bb", "Bb", "ccc", "item-9", "item-10", "dddddddd", "eeeeeeeeeeeeeeee", "Ä-ünïcode-名前"}
	states := []string{"idle", "running", "a-state-too-wide-for-its-column"}
	cur := map[rid]*item{}
	for step := range 300 {
		// Each step changes, adds and removes a few rows, or none.
		next := map[rid]*item{}
		for id, it := range cur {
			if rng.IntN(10) == 0 {
				continue // gone
			}
			c := *it
			switch rng.IntN(6) {
			case 0:
				c.name = names[rng.IntN(len(names))]
			case 1:
				c.state = states[rng.IntN(len(states))]
			case 2:
				c.n = rng.IntN(1000)
			}
			c.live = fmt.Sprint(step, "s")
			next[id] = &c
		}
		for range rng.IntN(4) {
			id := rid(fmt.Sprintf("r%02d", rng.IntN(60)))
			next[id] = &item{id: id, name: names[rng.IntN(len(names))], state: states[rng.IntN(len(states))], n: rng.IntN(1000)}
		}
		cur = next
		vals := make([]*item, 0, len(cur))
		for _, it := range cur {
			vals = append(vals, it)
		}
		slices.SortFunc(vals, func(a, b *item) int { return strings.Compare(string(a.id), string(b.id)) })
		if rng.IntN(3) == 0 {
			rng.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
		}
		for _, tb := range []*Table[rid, *item]{fast, slow} {
			tb.SetValues(vals)
		}
		kept := rng.IntN(20) == 0
		if kept {
			for _, tb := range []*Table[rid, *item]{fast, slow} {
				tb.Keep(func(it *item) bool { return it.n%7 != 0 })
			}
		}
		if f, s := fast.View(), slow.View(); f != s {
			t.Fatalf("step %d: the screens differ:\n%s\n---\n%s", step, f, s)
		}
		if !slices.Equal(fast.widths, slow.widths) || !slices.Equal(fast.snap.widths, slow.snap.widths) {
			t.Fatalf("step %d: widths %v / %v, want %v / %v", step, fast.widths, fast.snap.widths, slow.widths, slow.snap.widths)
		}
		for _, id := range slow.IDs() {
			if fast.Marked(id) != slow.Marked(id) {
				t.Fatalf("step %d: %s marked %v, want %v", step, id, fast.Marked(id), slow.Marked(id))
			}
		}
		q := names[rng.IntN(len(names))][:1]
		col, desc := rng.IntN(5)-1, rng.IntN(2) == 0
		for _, tb := range []*Table[rid, *item]{fast, slow} {
			tb.SetFilter(q)
			tb.SetSort(col, desc)
		}
		if f, s := fast.IDs(), slow.IDs(); !slices.Equal(f, s) {
			t.Fatalf("step %d: filter %q, sort %d: %v, want %v", step, q, col, f, s)
		}
		if col == 1 { // by NAME: in natural order, ties in ID order
			var want []rid
			for _, v := range vals {
				text := strings.ToLower(string(v.id) + "\x00" + v.name + "\x00" + v.state + "\x00" + fmt.Sprint(v.n))
				if strings.Contains(text, strings.ToLower(q)) && !(kept && v.n%7 == 0) {
					want = append(want, v.id)
				}
			}
			slices.SortStableFunc(want, func(a, b rid) int {
				if c := naturalCompare(cur[a].name, cur[b].name); c != 0 {
					return c
				}
				return strings.Compare(string(a), string(b))
			})
			if desc {
				slices.Reverse(want)
			}
			if got := slow.IDs(); !slices.Equal(got, want) && !sameNames(got, want, cur) {
				t.Fatalf("step %d: by NAME (desc %v), filter %q: %v, want %v", step, desc, q, got, want)
			}
		}
	}
}

// sameNames reports that two orders of rows show the same names in turn,
// for a descending order, which puts ties in reverse ID order.
func sameNames(a, b []rid, of map[rid]*item) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if naturalCompare(of[a[i]].name, of[b[i]].name) != 0 {
			return false
		}
	}
	return true
}
