package table

import (
	"slices"

	"github.com/charmbracelet/x/ansi"
)

// Truncation is where a cell too wide for its column is cut.
type Truncation int

const (
	// TruncateEnd keeps the start: ids and names, whose start tells
	// them apart.
	TruncateEnd Truncation = iota
	// TruncateMiddle keeps both ends, the end the longer: a URL keeps its
	// host's start and the path's last part, the app's name.
	TruncateMiddle
	// TruncateStart keeps the end.
	TruncateStart
)

// span is what the layout knows of one column, in cells.
type span struct {
	want     int // its title and widest cell
	least    int // as narrow as it gets before the line is cut (0: want)
	limit    int // above this it gives way first (0: no limit)
	flex     int // its share of what is given or taken
	priority int // 0: always shown; the highest is hidden first
}

// allocate fits columns into room cells, gap cells between two columns
// shown, and returns each column's width, 0 for a hidden one.
//
// Each column starts at its want, or its limit if lower; while that is
// too wide, the column of highest priority is hidden (the rightmost of
// equal ones), as k9s leaves its wide columns out of a narrow terminal:
// a column shown whole tells more than two cut ones. Then, if still too
// wide, the columns that may shrink go down to their least and share the
// room back in proportion to flex (a line wider than the least of all is
// cut); if narrower, what is left goes to the columns their limit held
// back, again by flex, and the rest stays blank at the end of the line
// rather than padding a column. Last, a column still cut short gets the
// room of columns of higher priority, if hiding them shows it whole: a
// whole endpoint tells more than the regions.
func allocate(cols []span, room, gap int) []int {
	hidden := make([]bool, len(cols))
	for {
		w, over := place(cols, hidden, room, gap)
		short, threshold := -1, 0
		if !over {
			for i, c := range cols {
				if w[i] > 0 && w[i] < c.want && (short < 0 || c.priority < cols[short].priority) {
					short = i
				}
			}
			if short < 0 {
				return w
			}
			threshold = cols[short].priority
		}
		victims := byPriority(cols, w, threshold)
		if len(victims) == 0 {
			return w
		}
		if over {
			hidden[victims[0]] = true
			continue
		}
		need, freed := cols[short].want-w[short], 0
		for _, v := range victims {
			if freed >= need {
				break
			}
			hidden[v] = true
			freed += w[v] + gap
		}
		if freed < need {
			return w // hiding them all would still cut it
		}
	}
}

// byPriority lists the columns shown whose priority is above threshold,
// the highest first, of equal ones the rightmost.
func byPriority(cols []span, w []int, threshold int) []int {
	var out []int
	for i := len(cols) - 1; i >= 0; i-- {
		if w[i] > 0 && cols[i].priority > threshold {
			out = append(out, i)
		}
	}
	slices.SortStableFunc(out, func(a, b int) int { return cols[b].priority - cols[a].priority })
	return out
}

// place gives the columns not hidden their widths: each its want, or its
// limit if lower, then shrunk to fit room or grown into it. over reports
// that the columns are too wide even before they shrink.
func place(cols []span, hidden []bool, room, gap int) (w []int, over bool) {
	w = make([]int, len(cols))
	sum, shown := 0, 0
	for i, c := range cols {
		if hidden[i] {
			continue
		}
		w[i] = c.want
		if c.limit > 0 && c.limit < c.want {
			w[i] = max(c.limit, c.least)
		}
		sum += w[i]
		shown++
	}
	total := sum + gap*max(0, shown-1)
	bound := make([]int, len(cols))
	over = total > room
	for i, c := range cols {
		switch {
		case w[i] == 0:
		case over && c.least > 0:
			// The columns that may shrink start from their least and
			// share the room back.
			bound[i] = w[i]
			total -= w[i] - min(c.least, w[i])
			w[i] = min(c.least, w[i])
		case over:
			bound[i] = w[i]
		default:
			bound[i] = max(c.want, w[i])
		}
	}
	share(w, bound, cols, room-total)
	return w, over
}

// share adds up to amount cells to the widths w in proportion to each
// column's flex (0 counts as 1), none going past its bound.
func share(w, bound []int, cols []span, amount int) {
	for amount > 0 {
		flex := 0
		for i, c := range cols {
			if w[i] < bound[i] {
				flex += max(c.flex, 1)
			}
		}
		if flex == 0 {
			return
		}
		given, last := 0, -1
		for i, c := range cols {
			if w[i] >= bound[i] {
				continue
			}
			d := min(amount*max(c.flex, 1)/flex, bound[i]-w[i])
			w[i] += d
			given += d
			last = i
		}
		if given == 0 {
			// What rounding down left goes to the last column that can
			// take it.
			w[last]++
			given = 1
		}
		amount -= given
	}
}

// relayout recomputes the column widths and makes every row draw again:
// for a change of size, styles or gutter.
func (t *Table[ID, V]) relayout() {
	t.widths = t.layout()
	t.layoutGen++
	t.headerOK = false
}

// refit recomputes the column widths, and makes every row draw again only
// if they changed: for new content widths or another sort column, which
// mostly change no width.
func (t *Table[ID, V]) refit() {
	if w := t.layout(); !slices.Equal(w, t.widths) {
		t.widths = w
		t.layoutGen++
		t.headerOK = false
	}
}

// layout computes the column widths from the table's width, its columns
// and the widest cells of the snapshot shown. Cells are measured when a
// snapshot is built, so a layout costs a pass over the columns, not the
// rows.
func (t *Table[ID, V]) layout() []int {
	t.gutter = 3 // cursor, mark, space
	if t.selectable {
		t.gutter++
	}
	spans := make([]span, len(t.cols))
	for i, c := range t.cols {
		title := ansi.StringWidth(c.Title)
		if i == t.sorting.col {
			title += 2 // " ▲"
		}
		s := span{flex: c.Flex, priority: c.Priority, limit: c.MaxWidth}
		switch {
		case c.Width > 0:
			s.want = c.Width
		case c.Live != nil && c.Cell == nil:
			s.want = max(c.MinWidth, title, 1) // live cells are not known before they are drawn
		default:
			s.want = max(title, t.snap.contentWidth(i), 1)
		}
		s.least = s.want
		if c.Width <= 0 && c.MinWidth > 0 {
			s.least = min(c.MinWidth, s.want)
		}
		if i == t.sorting.col {
			s.priority = 0 // the column sorted by shows its arrow
		}
		spans[i] = s
	}
	return allocate(spans, t.width-t.gutter, len(columnGap))
}

// shown reports whether column i has room in the layout.
func (t *Table[ID, V]) shown(i int) bool { return t.widths[i] > 0 }

// cutCell fits s, wider than w cells, into w cells, cut where trunc says
// and marked with an ellipsis.
func cutCell(s string, sw, w int, trunc Truncation) string {
	if w <= 1 {
		return ansi.Truncate(s, w, "…")
	}
	switch trunc {
	case TruncateStart:
		return ansi.TruncateLeft(s, sw-w+1, "…")
	case TruncateMiddle:
		head := (w - 1) / 3
		return ansi.Truncate(s, head, "") + "…" + ansi.TruncateLeft(s, sw-(w-1-head), "")
	}
	return ansi.Truncate(s, w, "…")
}
