package keymap

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
)

// Apply rebinds actions by name: overrides maps an action name such as
// "runners.kill" to its new keys, which replace the default ones. It changes
// nothing unless every override is valid: an unknown action name, an empty
// key list, a key Bubble Tea never reports, two live actions sharing a key,
// a destructive action on a Ctrl chord, or a character key for an action
// live while text is typed is an error that names the action.
// Two actions share a key only if no scope holds both: scopes are the sets
// of keys live together, which the panes and the root declare.
func (k *KeyMap) Apply(overrides map[string][]string, scopes ...Scope) error {
	next := *k
	byName := make(map[string]entry)
	for _, e := range next.entries() {
		byName[e.name] = e
	}

	names := make([]string, 0, len(overrides))
	for name := range overrides {
		names = append(names, name)
	}
	slices.Sort(names)

	var errs []error
	for _, name := range names {
		e, ok := byName[name]
		if !ok {
			errs = append(errs, unknownAction(name, byName))
			continue
		}
		keys, err := normalizeKeys(overrides[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("action %q: %w", name, err))
			continue
		}
		e.b.SetKeys(keys...)
		e.b.SetHelp(Label(keys), e.b.Help().Desc)
	}
	if len(errs) == 0 {
		errs = next.validate(scopes)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	*k = next
	return nil
}

// validate reports bindings that would shadow one another, put a
// destructive action within reach of a Ctrl chord, or take a character
// from the text fields.
func (k *KeyMap) validate(scopes []Scope) []error {
	es := k.entries()
	var errs []error
	for _, e := range es {
		for _, key := range e.b.Keys() {
			switch {
			case e.flags&destructive != 0 && strings.HasPrefix(key, "ctrl+"):
				errs = append(errs, fmt.Errorf("action %q: destructive actions can't be bound to a Ctrl chord (%s)", e.name, key))
			case e.flags&typing != 0 && typesText(key):
				errs = append(errs, fmt.Errorf("action %q: %s types text in the command line, the filter and forms, where this action is live; use a named key or a chord",
					e.name, Label([]string{key})))
			}
		}
	}
	for _, c := range scopes {
		owner := make(map[string]string)
		for _, e := range es {
			if !slices.Contains(c.Actions, e.name) {
				continue
			}
			for _, key := range e.b.Keys() {
				if prev, dup := owner[key]; dup {
					errs = append(errs, fmt.Errorf("key %q is bound to both %q and %q, which are live together in the %s", Label([]string{key}), prev, e.name, c.Name))
					continue
				}
				owner[key] = e.name
			}
		}
	}
	return errs
}

// normalizeKeys checks that each key is one Bubble Tea can report and
// spells it as tea.KeyMsg.String() does, so that key.Matches finds it.
func normalizeKeys(keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, errors.New("no keys given; list at least one")
	}
	out := make([]string, 0, len(keys))
	for _, raw := range keys {
		k := raw
		if k == "space" {
			k = " " // what Bubble Tea v1 reports for the space bar
		}
		if k != " " {
			k = strings.TrimSpace(k)
		}
		if !knownKey(k) {
			return nil, fmt.Errorf("unknown key %q (use names like \"x\", \"X\", \"ctrl+x\", \"alt+x\", \"enter\", \"space\", \"pgdown\", \"f5\")", raw)
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// namedKeys is every key name Bubble Tea v1 reports, taken from the library
// itself so that the two can't drift apart.
var namedKeys = func() map[string]bool {
	m := make(map[string]bool)
	for t := tea.KeyType(-256); t <= 256; t++ {
		if s := t.String(); s != "" && s != "runes" {
			m[s] = true
		}
	}
	return m
}()

// typesText reports whether a key is a character typed into a text field:
// a rune without a modifier, the space bar included.
func typesText(k string) bool {
	switch {
	case k == " " || k == "+":
		return true
	case namedKeys[k] || strings.Contains(k, "+"): // enter, f5, ctrl+x, alt+x
		return false
	}
	return true
}

func knownKey(k string) bool {
	k = strings.TrimPrefix(k, "alt+")
	if namedKeys[k] {
		return true
	}
	r, size := utf8.DecodeRuneInString(k)
	return size == len(k) && size > 0 && r != utf8.RuneError && r > ' ' && r != 0x7f
}

// Label is how keys are shown in help: "↑/k", "space", "ctrl+r".
func Label(keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		switch k {
		case " ":
			k = "space"
		case "up":
			k = "↑"
		case "down":
			k = "↓"
		case "left":
			k = "←"
		case "right":
			k = "→"
		}
		parts[i] = k
	}
	return strings.Join(parts, "/")
}

func unknownAction(name string, known map[string]entry) error {
	best, bestDist := "", 4 // suggest only close names
	for n := range known {
		if d := editDistance(name, n); d < bestDist || (d == bestDist && n < best) {
			best, bestDist = n, d
		}
	}
	if best != "" {
		return fmt.Errorf("unknown action %q (did you mean %q?)", name, best)
	}
	return fmt.Errorf("unknown action %q (names look like \"apps.scale_up_min\"; see the README's key table)", name)
}

// editDistance is the Levenshtein distance between a and b, in bytes: action
// names are ASCII.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
