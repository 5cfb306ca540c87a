package keymap

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Act is one key of a context (a pane, the root's global keys), declared
// once: the action it is (Name, by which the key is looked up in the
// KeyMap, so a remap reaches it, and which says whether it mutates), its
// help there, and its handler. Dispatch, the `?` help, the footer, the
// read-only refusal and the start-up clash check all read the same list.
type Act[T any] struct {
	Name string // "envs.new"
	// Desc is the help text here, when it is not the binding's own
	// ("apps" for enter in the environments).
	Desc string
	// Group is the column of the full help the key is listed in.
	Group int
	// Footer is the key's place in the footer, from 1; 0 leaves it to the
	// full help.
	Footer int
	// With shows the footer item as one with this other action of the
	// context ("+/- min"), described as FooterDesc.
	With       string
	FooterDesc string
	// Label, if not nil, says the help text ("" for Desc's) and whether
	// the footer shows the key now, for a key whose meaning or use follows
	// the state (`t` shows or hides terminated runners).
	Label func(T) (desc string, footer bool)
	// Run handles the key; nil for a key listed here but handled by
	// another (the root's global keys, the table's keys).
	Run func(T, tea.KeyMsg) tea.Cmd
}

// Context is the keys live together in one place. No two of them may
// share a key: given the context's Scope, Apply (and so Load) refuses that
// at start.
type Context[T any] []Act[T]

// Scope is a context's name and its action names, without handlers, for
// the clash check.
type Scope struct {
	Name    string // "apps pane", named in the error
	Actions []string
}

// Scope names the actions of c.
func (c Context[T]) Scope(name string) Scope {
	s := Scope{Name: name}
	for _, a := range c {
		s.Actions = append(s.Actions, a.Name)
	}
	return s
}

// Dispatch runs the handler of the act whose key km is; false when no act
// with a handler has it.
func (c Context[T]) Dispatch(k *KeyMap, t T, km tea.KeyMsg) (tea.Cmd, bool) {
	es := k.entries()
	for _, a := range c {
		if e, ok := find(es, a.Name); ok && a.Run != nil && key.Matches(km, *e.b) {
			return a.Run(t, km), true
		}
	}
	return nil, false
}

// Mutating returns the mutating action of c whose key km is, for the root
// to refuse while writing is not allowed.
func (c Context[T]) Mutating(k *KeyMap, km tea.KeyMsg) (Action, bool) {
	es := k.entries()
	for _, a := range c {
		if e, ok := find(es, a.Name); ok && e.flags&mutating != 0 && key.Matches(km, *e.b) {
			return e.action(), true
		}
	}
	return Action{}, false
}

// Help is the help of c for t. Read-only, mutating keys are left out and
// the key that lifts read-only mode is shown; writable, that key is left
// out, having nothing to lift.
func (c Context[T]) Help(k *KeyMap, t T, readOnly bool) Help {
	type item struct {
		at int
		b  key.Binding
	}
	var footer []item
	var full [][]key.Binding
	es := k.entries()
	for _, a := range c {
		e, ok := find(es, a.Name)
		if !ok {
			continue
		}
		if readOnly && e.flags&mutating != 0 || !readOnly && a.Name == "global.unlock_write" {
			continue
		}
		b, desc, inFooter := *e.b, a.Desc, a.Footer > 0
		if a.Label != nil {
			d, now := a.Label(t)
			if d != "" {
				desc = d
			}
			inFooter = inFooter && now
		}
		if desc != "" {
			b.SetHelp(b.Help().Key, desc)
		}
		for len(full) <= a.Group {
			full = append(full, nil)
		}
		full[a.Group] = append(full[a.Group], b)
		if !inFooter {
			continue
		}
		if w, ok := find(es, a.With); ok {
			if readOnly && w.flags&mutating != 0 {
				continue
			}
			keys := append(append([]string{}, e.b.Keys()...), w.b.Keys()...)
			b = key.NewBinding(key.WithKeys(keys...),
				key.WithHelp(Label(e.b.Keys())+"/"+Label(w.b.Keys()), a.FooterDesc))
		}
		footer = append(footer, item{a.Footer, b})
	}
	var h Help
	for at := 1; len(h.short) < len(footer); at++ {
		for _, it := range footer {
			if it.at == at {
				h.short = append(h.short, it.b)
			}
		}
	}
	for _, g := range full {
		if len(g) > 0 {
			h.full = append(h.full, g)
		}
	}
	return h
}

// find is the entry of the action called name; an unknown name has
// none, so a context naming it has no such key.
func find(es []entry, name string) (entry, bool) {
	for _, e := range es {
		if e.name == name {
			return e, true
		}
	}
	return entry{}, false
}
