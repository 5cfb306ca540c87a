package table

import (
	"iter"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/internal/ui/sanitize"
)

// View draws the header and the rows inside the window, as exactly Height
// lines, none wider than Width. Rows whose cells, live cells, width,
// cursor, mark and selection are unchanged since the last View are not
// drawn again, and the same rows draw the same lines: an idle table's
// View does not change.
func (t *Table[ID, V]) View() string {
	if t.width <= 0 || t.height <= 0 {
		return ""
	}
	// Asked once per View, so that every row is drawn alike; going stale
	// redraws live cells at the clock where it stopped, every row alike.
	if stale := t.Stale(); stale != t.drawStale {
		t.drawStale = stale
		if stale {
			t.liveGen++
		}
	}
	lines := make([]string, 0, t.height)
	lines = append(lines, t.headerLine())
	h := t.bodyHeight()
	if len(t.view) == 0 && h > 0 {
		lines = append(lines, t.emptyLine())
	}
	for i := t.offset; i < min(len(t.view), t.offset+h); i++ {
		lines = append(lines, t.rowLine(i))
	}
	// Only the rows drawn now stay cached.
	clear(t.drawn)
	t.drawn, t.drawing = t.drawing, t.drawn
	for len(lines) < t.height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// overflows reports whether the columns are wider than the table, in which
// case every line is cut at the table's width.
func (t *Table[ID, V]) overflows() bool {
	total, shown := t.gutter, 0
	for _, w := range t.widths {
		if w > 0 {
			total += w
			shown++
		}
	}
	return total+len(columnGap)*max(0, shown-1) > t.width
}

// Flags of a drawn row, besides its cells.
const (
	flagCursor uint8 = 1 << iota
	flagSelected
	flagAdded
	flagChanged
	flagStale
)

// drawnRow is a row as the last View drew it, with what it depended on.
type drawnRow struct {
	sum     uint64   // of the row's cells
	layout  uint64   // layoutGen
	flags   uint8    // cursor, selection, mark, stale
	liveGen uint64   // when live was computed
	live    []string // the live cells, by column ("" for the others)
	line    string
	ok      bool // line was drawn with the fields above
}

func (t *Table[ID, V]) rowLine(vi int) string {
	r := &t.snap.rows[t.view[vi]]
	var flags uint8
	if vi == t.cursor {
		flags |= flagCursor
	}
	if _, ok := t.selected[r.id]; ok && t.selectable {
		flags |= flagSelected
	}
	if !t.unmarked {
		switch r.mark {
		case added:
			flags |= flagAdded
		case changed:
			flags |= flagChanged
		}
	}
	if t.drawStale {
		flags |= flagStale
	}
	d := t.drawn[r.id]
	if d == nil {
		d = &drawnRow{}
	}
	t.drawing[r.id] = d
	if t.hasLive && (d.live == nil || d.liveGen != t.liveGen) {
		t.liveCells(r.val, d)
	}
	if d.ok && d.sum == r.sum && d.layout == t.layoutGen && d.flags == flags {
		return d.line
	}
	d.line = t.renderRow(r, d.live, flags)
	d.sum, d.layout, d.flags, d.ok = r.sum, t.layoutGen, flags, true
	t.renders++
	return d.line
}

// liveCells computes the live cells of v into d, and makes d draw again
// only if one of them changed: a clock tick that changes no text changes
// no line.
func (t *Table[ID, V]) liveCells(v V, d *drawnRow) {
	clock := t.clock()
	if d.live == nil {
		d.live = make([]string, len(t.cols))
		d.ok = false
	}
	for c, col := range t.cols {
		if col.Live == nil {
			continue
		}
		if text := col.Live(v, clock); text != d.live[c] {
			d.live[c], d.ok = text, false
		}
	}
	d.liveGen = t.liveGen
}

func (t *Table[ID, V]) renderRow(r *row[ID, V], live []string, flags uint8) string {
	// The cursor row and stale rows are drawn in one style of their own,
	// which a cell's own colours (and their resets) would break.
	plain := flags&(flagCursor|flagStale) != 0

	cells := t.cellBuf[:len(t.cols)]
	fillCells(t.cols, r.val, cells)
	var b strings.Builder
	for i, c := range t.shownCols(&b) {
		cell := cells[i]
		if c.Live != nil {
			cell = cellAt(live, i)
		}
		if plain && strings.IndexByte(cell, ansi.ESC) >= 0 {
			cell = ansi.Strip(cell)
		}
		b.WriteString(fitCut(cell, t.widths[i], c.Align, c.Truncate))
	}
	content := b.String()
	switch {
	case flags&flagCursor != 0:
		// The cursor's bar spans the table, past columns that leave room.
		if pad := t.width - t.gutter - ansi.StringWidth(content); pad > 0 {
			content += strings.Repeat(" ", pad)
		}
		content = t.st.SelectedRow.Render(content)
	case flags&flagStale != 0:
		content = t.st.Dim.Render(content)
	default:
		// Trailing blanks draw nothing that the terminal's erase to the end
		// of the line (which Bubble Tea sends after a short line) doesn't,
		// and a row rewritten every second costs them each time.
		content = strings.TrimRight(content, " ")
	}
	return t.cut(t.gutterString(flags) + content)
}

// shownCols yields the columns with room in the layout, writing the gap
// into b before each but the first, so that the header and every row
// space their columns alike.
func (t *Table[ID, V]) shownCols(b *strings.Builder) iter.Seq2[int, Column[V]] {
	return func(yield func(int, Column[V]) bool) {
		first := true
		for i, c := range t.cols {
			if !t.shown(i) {
				continue
			}
			if !first {
				b.WriteString(columnGap)
			}
			first = false
			if !yield(i, c) {
				return
			}
		}
	}
}

func cellAt(cells []string, i int) string {
	if i < len(cells) {
		return cells[i]
	}
	return ""
}

func (t *Table[ID, V]) gutterString(flags uint8) string {
	var b strings.Builder
	if flags&flagCursor != 0 {
		b.WriteString(t.glyphs.cursor)
	} else {
		b.WriteByte(' ')
	}
	switch {
	case flags&flagAdded != 0:
		b.WriteString(t.glyphs.added)
	case flags&flagChanged != 0:
		b.WriteString(t.glyphs.changed)
	default:
		b.WriteByte(' ')
	}
	if t.selectable {
		if flags&flagSelected != 0 {
			b.WriteString(t.glyphs.selected)
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteByte(' ')
	return b.String()
}

func (t *Table[ID, V]) headerLine() string {
	if t.headerOK && t.headerGen == t.layoutGen {
		return t.header
	}
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", t.gutter))
	for i, c := range t.shownCols(&b) {
		w := t.widths[i]
		if i != t.sorting.col {
			b.WriteString(t.st.TableHeader.Render(fit(c.Title, w, c.Align)))
			continue
		}
		// The arrow follows the title and stays visible however narrow the
		// column: the title gives way first.
		arrow := SortAsc
		if t.sorting.desc {
			arrow = SortDesc
		}
		label := t.st.SortIndicator.Render(arrow)
		used := 1
		if w >= 3 {
			title := ansi.Truncate(c.Title, w-2, "…")
			label = t.st.TableHeader.Render(title+" ") + label
			used += ansi.StringWidth(title) + 1
		}
		pad := strings.Repeat(" ", max(0, w-used))
		if c.Align == AlignRight {
			b.WriteString(pad + label)
		} else {
			b.WriteString(label + pad)
		}
	}
	t.header, t.headerGen, t.headerOK = t.cut(b.String()), t.layoutGen, true
	return t.header
}

func (t *Table[ID, V]) emptyLine() string {
	msg := t.empty
	if len(t.snap.rows) > 0 && t.filter != "" {
		msg = `No rows match "` + sanitize.String(t.filter) + `".`
	}
	w := max(0, t.width-t.gutter)
	return t.cut(strings.Repeat(" ", t.gutter) + t.st.Empty.Render(ansi.Truncate(msg, w, "…")))
}

// cut makes sure a line is no wider than the table.
func (t *Table[ID, V]) cut(line string) string {
	if t.overflows() {
		return ansi.Truncate(line, t.width, "…")
	}
	return line
}

// fit pads or truncates s to exactly w cells, cutting its end.
func fit(s string, w int, a Align) string { return fitCut(s, w, a, TruncateEnd) }

// fitCut pads or truncates s to exactly w cells, cutting it where trunc
// says.
func fitCut(s string, w int, a Align, trunc Truncation) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = cutCell(s, sw, w, trunc)
		if sw = ansi.StringWidth(s); sw > w {
			s = ansi.Truncate(s, w, "…") // a wide rune across the cut
			sw = ansi.StringWidth(s)
		}
	}
	pad := w - sw
	switch {
	case pad == 0:
		return s
	case a == AlignRight:
		return strings.Repeat(" ", pad) + s
	case a == AlignCenter:
		return strings.Repeat(" ", pad/2) + s + strings.Repeat(" ", pad-pad/2)
	default:
		return s + strings.Repeat(" ", pad)
	}
}
