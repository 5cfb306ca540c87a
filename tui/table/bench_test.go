package table

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/muesli/termenv"

	"github.com/faldash/faldash/keymap"
)

func benchColumns() []Column[rid] {
	return []Column[rid]{
		{Title: "ID", Width: 12},
		{Title: "STATE", Width: 14},
		{Title: "INFLIGHT", Width: 8, Align: AlignRight},
		{Title: "REVISION", Width: 10},
		{Title: "MACHINE", Flex: 1},
	}
}

func benchRows(n int, variant string) []Row[rid] {
	rows := make([]Row[rid], n)
	for i := range rows {
		id := fmt.Sprintf("runner-%06d", i)
		rows[i] = Row[rid]{ID: rid(id), Cells: []string{
			id, "● running", strconv.Itoa(i % 7), "rev-" + variant, "GPU-H100",
		}}
	}
	return rows
}

func benchTable(b *testing.B, n int) *Table[rid] {
	b.Helper()
	tb := New(benchColumns(), keymap.Default().Table, styles(termenv.ANSI256))
	tb.SetSize(120, 40)
	tb.SetRows(benchRows(n, "a"))
	tb.View()
	return tb
}

// BenchmarkCursorMoveView is one keypress: move the cursor, draw the table.
// Its cost must not depend on the number of rows.
func BenchmarkCursorMoveView(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run("rows="+strconv.Itoa(n), func(b *testing.B) {
			tb := benchTable(b, n)
			b.ReportAllocs()
			b.ResetTimer()
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

// BenchmarkFilteredCursorMoveView is the same under an active filter.
func BenchmarkFilteredCursorMoveView(b *testing.B) {
	for _, n := range []int{100, 100_000} {
		b.Run("rows="+strconv.Itoa(n), func(b *testing.B) {
			tb := benchTable(b, n)
			tb.SetFilter("runner-0")
			b.ReportAllocs()
			b.ResetTimer()
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

// BenchmarkSetRows is one refresh of 100,000 rows, unchanged and with every
// row changed, unsorted and sorted by a column.
func BenchmarkSetRows(b *testing.B) {
	const n = 100_000
	same, other := benchRows(n, "a"), benchRows(n, "b")
	for _, tc := range []struct {
		name    string
		sortCol int
		change  bool
	}{
		{"unchanged", -1, false},
		{"all-changed", -1, true},
		{"unchanged-sorted", 2, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tb := benchTable(b, n)
			tb.SetSort(tc.sortCol, false)
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				rows := same
				if tc.change && i%2 == 0 {
					rows = other
				}
				tb.SetRows(rows)
				i++
			}
		})
	}
}

// BenchmarkSetFilter is one keystroke in the filter of 100,000 rows.
func BenchmarkSetFilter(b *testing.B) {
	tb := benchTable(b, 100_000)
	queries := []string{"runner-01", "runner-0"}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		tb.SetFilter(queries[i%2])
		i++
	}
}
