package pane

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/keymap"
)

// Keyed is a pane that declares its keys as a keymap.Context: the root
// refuses the mutating ones while writing is not allowed, before the pane
// sees them.
type Keyed interface {
	MutatingKey(km tea.KeyMsg) (keymap.Action, bool)
}

// Groups of a table pane's full help: its own keys, the table's, the
// root's.
const (
	GroupOwn = iota
	GroupTable
	GroupGlobal
)

// Footer places of the keys every table pane ends its footer with, after
// its own: help and quit last, so that they are the last to give way.
const (
	footerFilter = 90 + iota
	footerUnlock
	footerHelp
	footerQuit
)

// TableActs are the keys a table pane lists after its own: the table's
// (moving, sorting), then the root's. Enter is described as enter and
// handled by open; with "" it does nothing in the pane and is not listed.
func TableActs[T any](enter string, open func(T, tea.KeyMsg) tea.Cmd) keymap.Context[T] {
	var c keymap.Context[T]
	for _, n := range []string{"table.up", "table.down", "table.page_up", "table.page_down",
		"table.half_page_up", "table.half_page_down", "table.top", "table.bottom",
		"table.sort_next", "table.sort_prev", "table.sort_reverse"} {
		c = append(c, keymap.Act[T]{Name: n, Group: GroupTable})
	}
	if enter != "" {
		c = append(c, keymap.Act[T]{Name: "global.enter", Desc: enter, Group: GroupGlobal, Footer: 1, Run: open})
	}
	return append(c, GlobalActs[T](
		keymap.Act[T]{Name: "global.back"},
		keymap.Act[T]{Name: "global.filter", Footer: footerFilter},
		keymap.Act[T]{Name: "global.command"},
		keymap.Act[T]{Name: "global.pane_envs"},
		keymap.Act[T]{Name: "global.pane_apps"},
		keymap.Act[T]{Name: "global.pane_runners"},
		keymap.Act[T]{Name: "global.pane_secrets"},
		keymap.Act[T]{Name: "global.refresh"},
		keymap.Act[T]{Name: "global.last_error"},
		keymap.Act[T]{Name: "global.unlock_write", Footer: footerUnlock},
		keymap.Act[T]{Name: "global.help", Footer: footerHelp},
		keymap.Act[T]{Name: "global.quit", Footer: footerQuit},
		keymap.Act[T]{Name: "global.force_quit"},
	)...)
}

// GlobalActs lists keys the root handles in a pane's help, in the global
// group.
func GlobalActs[T any](acts ...keymap.Act[T]) keymap.Context[T] {
	for i := range acts {
		acts[i].Group = GroupGlobal
	}
	return acts
}

// KeyActions is a context of keys bound to the child that declares it.
// Embedded, it gives the child its help (help.KeyMap, read-only as its
// Deps say) and the root's Keyed.
type KeyActions[T any] struct {
	acts keymap.Context[T]
	self T
	d    *Deps
}

// Bind binds acts to self, whose Deps are d.
func Bind[T any](acts keymap.Context[T], self T, d *Deps) KeyActions[T] {
	return KeyActions[T]{acts: acts, self: self, d: d}
}

// Key runs the handler of km; false when none has it.
func (k KeyActions[T]) Key(km tea.KeyMsg) (tea.Cmd, bool) {
	return k.acts.Dispatch(k.d.Keys, k.self, km)
}

// KeyOr runs the handler of km, or else hands km to other (a pane's
// table, which moves and sorts).
func (k KeyActions[T]) KeyOr(km tea.KeyMsg, other func(tea.Msg) tea.Cmd) tea.Cmd {
	if cmd, ok := k.Key(km); ok {
		return cmd
	}
	return other(km)
}

// Pressed is the command of the action msg's key is bound to: all the
// Update of a child that answers nothing but its keys (a question, the
// last error). Other messages and unbound keys do nothing.
func (k KeyActions[T]) Pressed(msg tea.Msg) tea.Cmd {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		return nil
	}
	cmd, _ := k.Key(km)
	return cmd
}

// MutatingKey is the mutating action km is here, if any.
func (k KeyActions[T]) MutatingKey(km tea.KeyMsg) (keymap.Action, bool) {
	return k.acts.Mutating(k.d.Keys, km)
}

func (k KeyActions[T]) help() keymap.Help { return k.acts.Help(k.d.Keys, k.self, k.d.ReadOnly) }

func (k KeyActions[T]) ShortHelp() []key.Binding  { return k.help().ShortHelp() }
func (k KeyActions[T]) FullHelp() [][]key.Binding { return k.help().FullHelp() }
