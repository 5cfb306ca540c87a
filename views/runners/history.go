package runners

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/internal/ui/theme"
)

// maxSamples bounds each app's history: at the default 2 s refresh it is
// the last half hour, and more than any terminal is wide.
const maxSamples = 900

// History keeps, per app, the runner counts seen at every refresh of the
// session, for the sparklines of the runners pane. The root model owns one
// and hands it to every runners pane, so an app's history outlives its
// pane. Use it from the model's goroutine only.
type History struct {
	series map[string][]Counts // by app alias
}

// NewHistory returns an empty history.
func NewHistory() *History { return &History{series: map[string][]Counts{}} }

// Record appends one sample for alias, dropping the oldest beyond maxSamples.
func (h *History) Record(alias string, c Counts) {
	s := append(h.series[alias], c)
	if len(s) > maxSamples {
		s = append(s[:0:0], s[len(s)-maxSamples:]...)
	}
	h.series[alias] = s
}

// Samples returns alias's samples, oldest first. The slice is shared: don't
// modify it.
func (h *History) Samples(alias string) []Counts { return h.series[alias] }

// blocks are the eight heights of a sparkline cell.
var blocks = []rune("▁▂▃▄▅▆▇█")

// zeroCell marks a sample of zero: a blank would read as missing data.
const zeroCell = '·'

// sparkline draws values as one cell each, scaled so that top fills a cell.
func sparkline(values []int, top int) string {
	var b strings.Builder
	for _, v := range values {
		switch {
		case v <= 0 || top <= 0:
			b.WriteRune(zeroCell)
		default:
			level := (v*len(blocks) + top - 1) / top // ceil, so 1 of 100 still shows
			b.WriteRune(blocks[min(level, len(blocks))-1])
		}
	}
	return b.String()
}

// historyLine draws the session's samples as one sparkline per state
// that some runner was in, named as the summary and the rows name it,
// side by side in width cells, all on one scale so that their heights
// compare.
func historyLine(st *theme.Styles, samples []Counts, width int) string {
	const title = "history "
	if len(samples) == 0 {
		return st.Summary.Render(title + "(none yet)")
	}
	var shown []string
	top := 0
	for _, state := range liveStates() {
		seen := false
		for _, s := range samples {
			if v := s.Of(state); v > 0 {
				seen = true
				top = max(top, v)
			}
		}
		if seen {
			shown = append(shown, state)
		}
	}
	if len(shown) == 0 {
		return st.Summary.Render(title + "no runners this session")
	}
	labels := 0
	for _, state := range shown {
		labels += len("  ") + 2 + ansi.StringWidth(theme.StateWord(state)) + 1 // gap, glyph+space, word, space
	}
	cells := max(1, (width-len(title)-labels)/len(shown))
	from := max(0, len(samples)-cells)

	var b strings.Builder
	b.WriteString(st.Summary.Render(title))
	for i, state := range shown {
		if i > 0 {
			b.WriteString("  ")
		}
		values := make([]int, 0, len(samples)-from)
		for _, s := range samples[from:] {
			values = append(values, s.Of(state))
		}
		b.WriteString(st.StateStyle(state).Render(theme.StateLabel(state) + " " + sparkline(values, top)))
	}
	return ansi.Truncate(b.String(), width, "…")
}
