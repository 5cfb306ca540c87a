package table

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/muesli/termenv"

	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/keymap"
)

// runner is a benchmark value: what a runners pane shows of a runner.
type runner struct {
	id       rid
	state    string
	inFlight int
	revision string
	machine  string
	uptime   time.Duration
}

func benchColumns() []Column[*runner] {
	return []Column[*runner]{
		{Title: "ID", Width: 12, ByID: true, Cell: func(r *runner) string { return string(r.id) }},
		{Title: "STATE", Width: 14, Cell: func(r *runner) string { return r.state }},
		{Title: "INFLIGHT", Width: 8, Align: AlignRight,
			Cell: func(r *runner) string { return strconv.Itoa(r.inFlight) },
			Key:  func(r *runner) int64 { return int64(r.inFlight) }},
		{Title: "REVISION", Width: 10, Cell: func(r *runner) string { return r.revision }},
		{Title: "UPTIME", Width: 8, Align: AlignRight,
			Live: func(r *runner, c Clock) string { return (r.uptime + c.Elapsed()).Truncate(time.Minute).String() },
			Key:  func(r *runner) int64 { return int64(r.uptime / time.Second) }},
		{Title: "MACHINE", Flex: 1, Cell: func(r *runner) string { return r.machine }},
	}
}

// sameRunner is the benchmark table's SetSameCells, as the runners pane
// has one: every field a cell shows.
func sameRunner(a, b *runner) bool {
	return a.state == b.state && a.inFlight == b.inFlight && a.revision == b.revision && a.machine == b.machine
}

// benchRunners are n runners; variants differ in every row's in-flight
// count.
func benchRunners(n, variant int) []*runner {
	rs := make([]*runner, n)
	for i := range rs {
		rs[i] = &runner{
			id:       rid(fmt.Sprintf("%08x-%06d", i*2654435761%(1<<32), i)),
			state:    []string{"● running", "○ idle", "◌ pending"}[i%3],
			inFlight: (i + variant) % 4,
			revision: "rev-" + strconv.Itoa(i%3),
			machine:  "GPU-H100",
			uptime:   time.Duration(i) * time.Second,
		}
	}
	return rs
}

func benchTable(b *testing.B, n int) *Table[rid, *runner] {
	b.Helper()
	tb := New(func(r *runner) rid { return r.id }, benchColumns(), keymap.Default().Table, uitest.Styles(termenv.ANSI256))
	tb.SetSameCells(sameRunner)
	tb.SetSize(120, 40)
	tb.SetValues(benchRunners(n, 0))
	tb.View()
	return tb
}

// BenchmarkCursorMoveView is one keypress: move the cursor, draw the table.
// Its cost must not depend on the number of rows.
func BenchmarkCursorMoveView(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		for _, filter := range []string{"", "-0"} {
			b.Run("rows="+strconv.Itoa(n)+"/filter="+filter, func(b *testing.B) {
				tb := benchTable(b, n)
				tb.SetFilter(filter)
				b.ReportAllocs()
				for b.Loop() {
					if tb.Cursor() == tb.Len()-1 {
						tb.GotoTop()
					} else {
						tb.MoveDown(1)
					}
					_ = tb.View()
				}
			})
		}
	}
}

// BenchmarkRefresh is one refresh of 100,000 rows, unchanged and with every
// row changed, in two parts: Build, off the UI goroutine, and Swap, on it,
// with the next View; and a Swap whose snapshot was built for another sort
// than the one shown by then (the user pressed > meanwhile). Snapshots are
// built before the timed loops, so that a run takes seconds.
func BenchmarkRefresh(b *testing.B) {
	const n = 100_000
	same, other := benchRunners(n, 0), benchRunners(n, 1)
	for _, tc := range []struct {
		name    string
		sortCol int
		change  bool
	}{
		{"unchanged", -1, false},
		{"all-changed", -1, true},
		{"all-changed-sorted", 2, true},
	} {
		next := same
		if tc.change {
			next = other
		}
		b.Run(tc.name+"/build", func(b *testing.B) {
			tb := benchTable(b, n)
			tb.SetSort(tc.sortCol, false)
			bl := tb.Builder()
			b.ReportAllocs()
			for b.Loop() {
				bl.Build(next)
			}
		})
		b.Run(tc.name+"/swap", func(b *testing.B) {
			tb := benchTable(b, n)
			tb.SetSort(tc.sortCol, false)
			bl := tb.Builder()
			snaps := []*Snapshot[rid, *runner]{bl.Build(next), bl.Build(same)}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				tb.Swap(snaps[i%2], time.Time{})
				_ = tb.View()
			}
		})
	}
	b.Run("first/build", func(b *testing.B) {
		// An app's runners opened: nothing to start from.
		bl := New(func(r *runner) rid { return r.id }, benchColumns(), keymap.Default().Table, uitest.Styles(termenv.ANSI256)).Builder()
		b.ReportAllocs()
		for b.Loop() {
			bl.Build(same)
		}
	})
	b.Run("sort-changed-meanwhile/swap", func(b *testing.B) {
		tb := benchTable(b, n)
		bl := tb.Builder()
		snaps := []*Snapshot[rid, *runner]{bl.Build(other), bl.Build(same)}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			tb.SetSort(2+i%2, false) // never the order the snapshots were built in
			tb.Swap(snaps[i%2], time.Time{})
			_ = tb.View()
		}
	})
}

// BenchmarkSortKey is one sort key press on 100,000 rows: by a text
// column (ranks built with the snapshot), by a key, by ID.
func BenchmarkSortKey(b *testing.B) {
	for _, col := range []int{0, 2, 3, 4} {
		b.Run("col="+benchColumns()[col].Title, func(b *testing.B) {
			tb := benchTable(b, 100_000)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				tb.SetSort(col, i%2 == 0)
				_ = tb.View()
			}
		})
	}
}

// BenchmarkSetFilter is one keystroke in the filter of 100,000 rows: the
// first (every row searched), then one narrowing it (only the rows shown).
func BenchmarkSetFilter(b *testing.B) {
	for _, q := range []string{"a", "ab"} {
		b.Run("q="+q, func(b *testing.B) {
			tb := benchTable(b, 100_000)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				tb.SetFilter(q[:1])
				if len(q) == 1 {
					tb.SetFilter("")
				}
				b.StartTimer()
				tb.SetFilter(q)
				_ = tb.View()
			}
		})
	}
}
