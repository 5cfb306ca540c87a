package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/views/pane"
)

// helpGap is the blank between two columns of the help.
const helpGap = "    "

// helpView shows every key of the pane in as many columns as the width
// holds, scrolled when even those are taller than the body: no key is
// ever cut away.
func (m *Model) helpView() string {
	title := m.st.ModalTitle.Render("Keys of the " + m.cur.Kind.String() + " pane")
	rows := m.helpRows()
	lines := m.helpLines(rows)
	top := min(m.helpTop, max(0, len(lines)-rows))
	if len(lines) > rows {
		title += m.st.StatusInfo.Render(m.helpPosition(top, rows, len(lines)))
		lines = lines[top : top+rows]
	}
	return title + "\n\n" + strings.Join(lines, "\n")
}

// helpRows is how many lines of keys the body shows under the title.
func (m *Model) helpRows() int { return max(1, m.height-headerHeight-footerHeight-2) }

// helpLines lays the help out for the terminal's width, rows lines a
// column: the pane's keys, then, below them, what its glyphs mean. The
// legend is laid out on its own, so that it never costs the keys the
// columns they fit in.
func (m *Model) helpLines(rows int) []string {
	var keys, legend [][]string
	for _, g := range m.helpKeys(pane.HelpKeys{Full: m.current().pane.FullHelp()}).FullHelp() {
		if b := helpBlock(m.st, g); len(b) > 0 {
			keys = append(keys, b)
		}
	}
	lines := helpLayout(keys, m.width, rows)
	if l, ok := m.current().pane.(pane.Legended); ok {
		for _, lg := range l.Legend() {
			legend = append(legend, legendBlock(m.st, lg))
		}
		for len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		lines = append(append(lines, ""), helpLayout(legend, m.width, rows)...)
	}
	return lines
}

// helpPosition says which lines are shown and how to see the others.
func (m *Model) helpPosition(top, rows, total int) string {
	var more []string
	if top > 0 {
		more = append(more, "↑ more above")
	}
	if top+rows < total {
		more = append(more, "↓ more below")
	}
	t := m.keys.Table
	return "  " + strings.Join(more, ", ") + " (" + t.Up.Help().Key + " " + t.Down.Help().Key + " scroll)"
}

// helpLayout draws blocks (groups of keys, legends) side by side when
// they fit, as bubbles' help does; else it runs them one after another, a
// blank line between two, and splits that list into as many columns as
// the width holds. Of the layouts no wider than width, the first no taller
// than rows is taken, else the shortest, which the help scrolls.
func helpLayout(blocks [][]string, width, rows int) []string {
	var flow []string
	for i, b := range blocks {
		if i > 0 {
			flow = append(flow, "")
		}
		flow = append(flow, b...)
	}
	best := flow // one column: the narrowest there is
	try := func(out []string) bool {
		if widest(out) > width {
			return false
		}
		if len(out) < len(best) || widest(best) > width {
			best = out
		}
		return len(out) <= rows
	}
	if try(joinColumns(blocks)) {
		return best
	}
	for n := (len(flow) + rows - 1) / rows; n > 1; n-- {
		if try(joinColumns(splitColumns(flow, n))) {
			return best
		}
	}
	return best
}

// helpBlock draws one group: its keys lined up, then their descriptions.
func helpBlock(st *theme.Styles, g []key.Binding) []string {
	var keys, descs []string
	for _, b := range g {
		if b.Enabled() {
			keys = append(keys, st.Help.FullKey.Render(b.Help().Key))
			descs = append(descs, b.Help().Desc)
		}
	}
	return lineUp(st, keys, descs)
}

// legendBlock draws a legend under its title: each glyph as the pane
// draws it, lined up, then what it means.
func legendBlock(st *theme.Styles, l theme.Legend) []string {
	glyphs, meanings := make([]string, len(l.Marks)), make([]string, len(l.Marks))
	for i, mk := range l.Marks {
		glyphs[i], meanings[i] = mk.Glyph, mk.Meaning
	}
	return append([]string{st.Label.Render(l.Title)}, lineUp(st, glyphs, meanings)...)
}

// lineUp puts each of left, padded to the widest, before its text.
func lineUp(st *theme.Styles, left, text []string) []string {
	w := widest(left)
	out := make([]string, len(left))
	for i, l := range left {
		out[i] = l + strings.Repeat(" ", w-ansi.StringWidth(l)) + " " + st.Help.FullDesc.Render(text[i])
	}
	return out
}

// splitColumns cuts lines into n columns of equal height (the last may be
// shorter); a column does not start with a blank line.
func splitColumns(lines []string, n int) [][]string {
	h := (len(lines) + n - 1) / n
	var cols [][]string
	for len(lines) > 0 {
		for len(lines) > 0 && lines[0] == "" {
			lines = lines[1:]
		}
		k := min(h, len(lines))
		cols = append(cols, lines[:k])
		lines = lines[k:]
	}
	return cols
}

// joinColumns puts columns side by side, each padded to its widest line.
func joinColumns(cols [][]string) []string {
	h := 0
	for _, c := range cols {
		h = max(h, len(c))
	}
	out := make([]string, h)
	for i, c := range cols {
		w := widest(c)
		for r := range h {
			cell := ""
			if r < len(c) {
				cell = c[r]
			}
			if i < len(cols)-1 {
				cell += strings.Repeat(" ", w-ansi.StringWidth(cell)) + helpGap
			}
			out[r] += cell
		}
	}
	for r := range out {
		out[r] = strings.TrimRight(out[r], " ")
	}
	return out
}

func widest(lines []string) int {
	w := 0
	for _, l := range lines {
		w = max(w, ansi.StringWidth(l))
	}
	return w
}

// scrollHelp is a key that moves the help, when it is taller than the
// body, to where to says from the first line shown, the lines the body
// holds and the last first line there is.
func scrollHelp(to func(top, rows, last int) int) func(*Model, tea.KeyMsg) tea.Cmd {
	return func(m *Model, _ tea.KeyMsg) tea.Cmd {
		rows := m.helpRows()
		last := max(0, len(m.helpLines(rows))-rows)
		m.helpTop = max(0, min(to(min(m.helpTop, last), rows, last), last))
		return nil
	}
}
