package runners

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/views/pane"
)

// toggleTerminated is `t`: terminated runners of the last hour are shown,
// or hidden again.
func (p *Pane) toggleTerminated() tea.Cmd {
	p.showTerminated = !p.showTerminated
	p.revealing = p.showTerminated
	p.setEmpty()
	text := "hiding terminated runners"
	if p.showTerminated {
		text = "showing runners terminated in the last hour"
	} else {
		p.dropTerminated()
	}
	return p.d.Ask(pane.Refresh{}, pane.Status{Text: text})
}

// revealed is called with each listing swapped in. The first one with
// the terminated runners `t` asked for would mark them all new, though
// they ended before: they were hidden, not added. Its marks are dropped,
// those of the runners that did change with them, for one refresh.
func (p *Pane) revealed(l listing) {
	if p.revealing && l.showTerminated {
		p.table.ClearMarks()
		p.revealing = false
	}
}

// toggleLabel names `t` for what it does now, "show terminated" or "hide
// terminated"; the footer shows it while terminated runners are shown.
func (p *Pane) toggleLabel() (string, bool) {
	verb := "show "
	if p.showTerminated {
		verb = "hide "
	}
	return verb + theme.StateWord(string(client.StateTerminated)), p.showTerminated
}
