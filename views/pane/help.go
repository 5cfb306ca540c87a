package pane

import (
	"slices"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// HelpKeys is a help.KeyMap built from lists.
type HelpKeys struct {
	Short []key.Binding
	Full  [][]key.Binding
}

var _ help.KeyMap = HelpKeys{}

func (h HelpKeys) ShortHelp() []key.Binding  { return h.Short }
func (h HelpKeys) FullHelp() [][]key.Binding { return h.Full }

// Without copies h without the bindings whose keys are those of drop.
func Without(h help.KeyMap, drop ...key.Binding) HelpKeys {
	keep := func(bs []key.Binding) []key.Binding {
		out := make([]key.Binding, 0, len(bs))
		for _, b := range bs {
			if !slices.ContainsFunc(drop, func(d key.Binding) bool { return slices.Equal(d.Keys(), b.Keys()) }) {
				out = append(out, b)
			}
		}
		return out
	}
	var out HelpKeys
	out.Short = keep(h.ShortHelp())
	for _, g := range h.FullHelp() {
		if g = keep(g); len(g) > 0 {
			out.Full = append(out.Full, g)
		}
	}
	return out
}
