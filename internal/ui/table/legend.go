package table

import "github.com/faldash/faldash/internal/ui/theme"

// Legend says what the gutter's glyphs and the sort arrow mean, drawn as
// the table draws them: the part of a pane's legend that is its table's.
func (t *Table[ID, V]) Legend() []theme.Legend {
	l := theme.Legend{Title: "rows", Marks: []theme.Mark{
		{Glyph: t.glyphs.cursor, Meaning: "the row keys act on"},
		{Glyph: t.glyphs.added, Meaning: "new since the last listing"},
		{Glyph: t.glyphs.changed, Meaning: "changed since the last listing"},
	}}
	if t.selectable {
		l.Marks = append(l.Marks, theme.Mark{Glyph: t.glyphs.selected, Meaning: "marked, for an action on several rows"})
	}
	l.Marks = append(l.Marks, theme.Mark{Glyph: SortAsc + " " + SortDesc, Meaning: "the sort column, ascending or descending"})
	return []theme.Legend{l}
}
