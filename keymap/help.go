package keymap

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// Help is the help of one context: ShortHelp for the footer, FullHelp for
// `?`. It implements help.KeyMap.
type Help struct {
	short []key.Binding
	full  [][]key.Binding
}

var _ help.KeyMap = Help{}

func (h Help) ShortHelp() []key.Binding  { return h.short }
func (h Help) FullHelp() [][]key.Binding { return h.full }
