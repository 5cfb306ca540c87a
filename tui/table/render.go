package table

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/tui/sanitize"
)

// View draws the header and the rows inside the window, as exactly Height
// lines, none wider than Width. Rows whose data, width, cursor, mark and
// selection are unchanged since they were last drawn are not drawn again.
func (t *Table[ID]) View() string {
	if t.width <= 0 || t.height <= 0 {
		return ""
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
	for len(lines) < t.height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// relayout recomputes the column widths and invalidates every drawn row.
func (t *Table[ID]) relayout() {
	t.layoutGen++
	t.headerOK = false
	t.gutter = 3 // cursor, mark, space
	if t.selectable {
		t.gutter++
	}

	n := len(t.cols)
	t.widths = make([]int, n)
	avail := t.width - t.gutter - len(columnGap)*max(0, n-1)
	fixed, flexTotal, lastFlex := 0, 0, -1
	for i, c := range t.cols {
		if c.Width > 0 {
			t.widths[i] = c.Width
			fixed += c.Width
		} else {
			flexTotal += max(c.Flex, 1)
			lastFlex = i
		}
	}
	// Flexible columns get their minimum first, then share what is left in
	// proportion to Flex; sharing first and raising to the minimum after
	// would make the columns wider than the table.
	mins := 0
	for _, c := range t.cols {
		if c.Width <= 0 {
			mins += max(c.MinWidth, 1)
		}
	}
	rem, given := max(0, avail-fixed-mins), 0
	for i, c := range t.cols {
		if c.Width > 0 {
			continue
		}
		w := rem * max(c.Flex, 1) / flexTotal
		if i == lastFlex {
			w = rem - given // the rounding remainder goes to the last flexible column
		}
		given += w
		t.widths[i] = max(c.MinWidth, 1) + w
	}
}

// overflows reports whether the columns are wider than the table, in which
// case every line is cut at the table's width.
func (t *Table[ID]) overflows() bool {
	total := t.gutter + len(columnGap)*max(0, len(t.widths)-1)
	for _, w := range t.widths {
		total += w
	}
	return total > t.width
}

func (t *Table[ID]) rowLine(vi int) string {
	e := &t.rows[t.view[vi]]
	var flags uint8
	if vi == t.cursor {
		flags |= flagCursor
	}
	if _, ok := t.selected[e.row.ID]; ok && t.selectable {
		flags |= flagSelected
	}
	switch e.mark {
	case added:
		flags |= flagAdded
	case changed:
		flags |= flagChanged
	}
	if t.stale {
		flags |= flagStale
	}
	key := renderKey{layout: t.layoutGen, flags: flags}
	if t.hasLive {
		key.live = t.liveGen
	}
	if e.cached && e.key == key {
		return e.rendered
	}
	e.rendered, e.key, e.cached = t.renderRow(e.row, flags), key, true
	return e.rendered
}

func (t *Table[ID]) renderRow(r Row[ID], flags uint8) string {
	// The cursor row and stale rows are drawn in one style of their own,
	// which a cell's own colours (and their resets) would break.
	plain := flags&(flagCursor|flagStale) != 0

	var b strings.Builder
	for i, c := range t.cols {
		if i > 0 {
			b.WriteString(columnGap)
		}
		cell := cellAt(r.Cells, i)
		if c.Live != nil {
			cell = c.Live(r.ID)
		}
		if plain && strings.IndexByte(cell, ansi.ESC) >= 0 {
			cell = ansi.Strip(cell)
		}
		b.WriteString(fit(cell, t.widths[i], c.Align))
	}
	content := b.String()
	switch {
	case flags&flagCursor != 0:
		content = t.st.SelectedRow.Render(content)
	case flags&flagStale != 0:
		content = t.st.Dim.Render(content)
	}
	return t.cut(t.gutterString(flags) + content)
}

func (t *Table[ID]) gutterString(flags uint8) string {
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

func (t *Table[ID]) headerLine() string {
	key := renderKey{layout: t.layoutGen}
	if t.headerOK && t.headerKey == key {
		return t.header
	}
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", t.gutter))
	for i, c := range t.cols {
		if i > 0 {
			b.WriteString(columnGap)
		}
		w := t.widths[i]
		if i != t.sortCol {
			b.WriteString(t.st.TableHeader.Render(fit(c.Title, w, c.Align)))
			continue
		}
		// The arrow follows the title and stays visible however narrow the
		// column: the title gives way first.
		arrow := SortAsc
		if t.sortDesc {
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
	t.header, t.headerKey, t.headerOK = t.cut(b.String()), key, true
	return t.header
}

func (t *Table[ID]) emptyLine() string {
	msg := t.empty
	if len(t.rows) > 0 && t.filter != "" {
		msg = `No rows match "` + sanitize.String(t.filter) + `".`
	}
	w := max(0, t.width-t.gutter)
	return t.cut(strings.Repeat(" ", t.gutter) + t.st.Empty.Render(ansi.Truncate(msg, w, "…")))
}

// cut makes sure a line is no wider than the table.
func (t *Table[ID]) cut(line string) string {
	if t.overflows() {
		return ansi.Truncate(line, t.width, "…")
	}
	return line
}

// fit pads or truncates s to exactly w cells.
func fit(s string, w int, a Align) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
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
