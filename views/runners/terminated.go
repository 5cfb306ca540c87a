package runners

import (
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/pane"
)

// toggleTerminated is `t`: terminated runners of the last hour are shown,
// or hidden again.
func (p *Pane) toggleTerminated() tea.Cmd {
	p.showTerminated = !p.showTerminated
	p.revealing = p.showTerminated
	p.setEmpty()
	p.labelToggle()
	text := "hiding terminated runners"
	if p.showTerminated {
		text = "showing runners terminated in the last hour"
	} else {
		p.dropTerminated()
	}
	return tea.Batch(pane.Cmd(pane.Refresh{}), pane.Cmd(pane.Status{Text: text}))
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

// labelToggle names `t` for what it does now, "show terminated" or "hide
// terminated", in the full help and, while terminated runners are shown,
// in the footer, so that the way back is in sight.
func (p *Pane) labelToggle() {
	p.help = pane.Help(p.d.Keys, keymap.PaneRunners, p.d.ReadOnly)
	t := p.d.Keys.Runners.ToggleTerminated
	verb := "show "
	if p.showTerminated {
		verb = "hide "
	}
	t.SetHelp(t.Help().Key, verb+theme.StateWord(string(client.StateTerminated)))
	isToggle := func(b key.Binding) bool { return slices.Equal(b.Keys(), t.Keys()) }
	relabel := func(bs []key.Binding) []key.Binding {
		out := slices.Clone(bs)
		for i := range out {
			if isToggle(out[i]) {
				out[i] = t
			}
		}
		return out
	}
	full := make([][]key.Binding, len(p.help.Full))
	for i, g := range p.help.Full {
		full[i] = relabel(g)
	}
	p.help.Full = full
	p.help.Short = relabel(p.help.Short)
	if p.showTerminated && !slices.ContainsFunc(p.help.Short, isToggle) {
		p.help.Short = slices.Insert(p.help.Short, p.footerSlot(), t)
	}
}

// footerSlot is where `t` goes in the footer: after the runner actions,
// before the keys every pane has.
func (p *Pane) footerSlot() int {
	r := p.d.Keys.Runners
	at := 0
	for i, b := range p.help.Short {
		for _, action := range []key.Binding{r.Logs, r.Shell, r.Mark, r.Stop, r.Kill} {
			if slices.Equal(b.Keys(), action.Keys()) {
				at = i + 1
			}
		}
	}
	return at
}
