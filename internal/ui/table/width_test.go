package table

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/keymap"
)

func TestAllocate(t *testing.T) {
	const uuid = 36
	tests := []struct {
		name string
		cols []span
		room int
		want []int
	}{
		{"all fit: each as wide as it wants, the rest left blank",
			[]span{{want: uuid, least: 13}, {want: 9}, {want: 7}}, 100, []int{uuid, 9, 7}},
		{"too wide: the highest priority goes first, then the next",
			[]span{{want: uuid, least: 13}, {want: 9}, {want: 7, priority: 1}, {want: 8, priority: 3}, {want: 10, priority: 2}},
			uuid + 9 + 7 + 2*2, []int{uuid, 9, 7, 0, 0}},
		{"equal priorities: the rightmost goes first",
			[]span{{want: 10}, {want: 5, priority: 1}, {want: 5, priority: 1}}, 17, []int{10, 5, 0}},
		{"nothing left to hide: the columns that may shrink share by flex",
			[]span{{want: 30, least: 5, flex: 1}, {want: 30, least: 5, flex: 3}, {want: 4}}, 4 + 4 + 30,
			[]int{10, 20, 4}},
		{"a limited column gives way, and gets spare room back",
			[]span{{want: 80, least: 12, limit: 40}, {want: 10, priority: 1}}, 60, []int{48, 10}},
		{"a limited column gives way before a column is hidden",
			[]span{{want: 80, least: 12, limit: 40}, {want: 10, priority: 1}}, 52, []int{40, 10}},
		{"a column cut short gets the room of less important ones that shows it whole",
			[]span{{want: 24}, {want: 44, least: 16, limit: 24, priority: 1}, {want: 8, priority: 5}, {want: 17, least: 7, limit: 16, priority: 5}},
			97, []int{24, 44, 8, 0}},
		{"but none is hidden for a column that would still be cut",
			[]span{{want: 24}, {want: 60, least: 16, limit: 24, priority: 1}, {want: 8, priority: 5}},
			60, []int{24, 24, 8}},
		{"fixed columns never shrink: the line is cut instead",
			[]span{{want: 20}, {want: 20}}, 30, []int{20, 20}},
		{"no room at all keeps the columns of priority 0",
			[]span{{want: 5}, {want: 5, priority: 1}}, 0, []int{5, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := allocate(tc.cols, tc.room, 2); !slices.Equal(got, tc.want) {
				t.Errorf("allocate(room %d) = %v, want %v", tc.room, got, tc.want)
			}
		})
	}
}

func TestCutCell(t *testing.T) {
	url := "fal.run/alice/text-to-image--staging"
	tests := []struct {
		s     string
		w     int
		trunc Truncation
		want  string
	}{
		{url, 20, TruncateEnd, "fal.run/alice/text-…"},
		{url, 20, TruncateStart, "…t-to-image--staging"},
		{url, 20, TruncateMiddle, "fal.ru…mage--staging"},
		{url, 1, TruncateMiddle, "…"},
		{"世界世界世界", 7, TruncateMiddle, "世…世界"},
	}
	for _, tc := range tests {
		got := fitCut(tc.s, tc.w, AlignLeft, tc.trunc)
		if strings.TrimRight(got, " ") != tc.want || ansi.StringWidth(got) != tc.w {
			t.Errorf("fitCut(%q, %d, %v) = %q, want %q", tc.s, tc.w, tc.trunc, got, tc.want)
		}
	}
}

// runnerCols are columns like the runners pane's: an id, numbers whose
// titles are wider than their cells, and columns that give way.
func runnerCols() []Column[val] {
	return texts(
		Column[val]{Title: "ID", MinWidth: 13, MaxWidth: 36},
		Column[val]{Title: "IN-FLIGHT", Align: AlignRight},
		Column[val]{Title: "MACHINE", Priority: 2},
		Column[val]{Title: "ENDPOINT", MinWidth: 12, MaxWidth: 16, Priority: 1, Truncate: TruncateMiddle},
	)
}

const someUUID = "0b5e7c1e-6a41-4c8e-9d2f-3f0b8a2c4d11"

func TestContentSizedColumns(t *testing.T) {
	tb := New(idOf, runnerCols(), keymap.Default().Table, uitest.Styles(termenv.Ascii))
	tb.SetValues([]val{{someUUID, []string{someUUID, "1", "GPU-H100", "fal.run/alice/text-to-image--staging"}}})

	tb.SetSize(250, 4)
	if want := []int{36, 9, 8, 36}; !slices.Equal(tb.widths, want) {
		t.Errorf("at 250: widths %v, want %v: each column as wide as its title and cells, no wider", tb.widths, want)
	}
	row := lines(tb.View())[1]
	if !strings.Contains(row, someUUID+"          1  GPU-H100  fal.run/alice/text-to-image--staging") {
		t.Errorf("at 250 the row is %q", row)
	}

	// 3 gutter + 36 + 2 + 9 + 2 + 16: the machine gives way, the endpoint
	// keeps the app's name.
	tb.SetSize(68, 4)
	if want := []int{36, 9, 0, 16}; !slices.Equal(tb.widths, want) {
		t.Errorf("at 68: widths %v, want %v", tb.widths, want)
	}
	v := tb.View()
	if strings.Contains(v, "MACHINE") || !strings.Contains(v, someUUID) || !strings.Contains(v, "fal.r…e--staging") {
		t.Errorf("at 68:\n%s", v)
	}

	// Sorting by a hidden column shows it, its arrow included.
	tb.SetSort(2, false)
	if tb.widths[2] != ansi.StringWidth("MACHINE ▲") {
		t.Errorf("sorted by MACHINE at 68: widths %v", tb.widths)
	}
	if !strings.Contains(lines(tb.View())[0], "MACHINE ▲") {
		t.Errorf("the sorted column's header: %q", lines(tb.View())[0])
	}
	tb.SetSort(-1, false)

	// At 40, only the columns of priority 0 are left, and the id shrinks.
	tb.SetSize(40, 4)
	if want := []int{26, 9, 0, 0}; !slices.Equal(tb.widths, want) {
		t.Errorf("at 40: widths %v, want %v", tb.widths, want)
	}
	for i, l := range lines(tb.View()) {
		if ansi.StringWidth(l) > 40 {
			t.Errorf("line %d is wider than the table: %q", i, l)
		}
	}
}

func TestLayoutRedrawsOnlyWhenWidthsChange(t *testing.T) {
	tb := New(idOf, runnerCols(), keymap.Default().Table, uitest.Styles(termenv.Ascii))
	tb.SetSize(120, 4)
	tb.SetValues([]val{{"a", []string{"a", "1", "GPU", "x"}}})
	tb.View()
	gen := tb.layoutGen
	// New cells no wider than the column: no new layout.
	tb.SetValues([]val{{"a", []string{"a", "2", "CPU", "y"}}})
	if tb.layoutGen != gen {
		t.Error("a snapshot that changes no width laid the table out again")
	}
	tb.SetValues([]val{{"a", []string{"a-much-longer-id", "2", "CPU", "y"}}})
	if tb.layoutGen == gen || tb.widths[0] != len("a-much-longer-id") {
		t.Errorf("a wider id: widths %v", tb.widths)
	}
}
