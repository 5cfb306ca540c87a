package pane

import (
	"testing"

	"github.com/faldash/faldash/keymap"
)

func TestParent(t *testing.T) {
	for _, tc := range []struct {
		k, parent Key
		ok        bool
	}{
		{RunnerKey("staging", "a", "r1"), RunnersKey("staging", "a"), true},
		{RunnersKey("staging", "a"), AppsKey("staging"), true},
		{AppsKey("staging"), EnvironmentsKey(), true},
		{SecretsKey("staging"), EnvironmentsKey(), true},
		{EnvironmentsKey(), Key{}, false},
	} {
		got, ok := tc.k.Parent()
		if got != tc.parent || ok != tc.ok {
			t.Errorf("%v.Parent() = %v %v, want %v %v", tc.k, got, ok, tc.parent, tc.ok)
		}
	}
}

func TestKeysAreComparable(t *testing.T) {
	m := map[Key]int{AppsKey("a"): 1}
	if m[AppsKey("a")] != 1 || m[SecretsKey("a")] != 0 || m[AppsKey("b")] != 0 {
		t.Error("keys of different panes collide, or equal keys differ")
	}
}

func TestReadOnlyHelpHidesMutatingKeys(t *testing.T) {
	keys := keymap.Default()
	mutating := map[string]bool{}
	for _, a := range keys.Actions() {
		if a.Mutating {
			mutating[a.Binding.Help().Desc] = true
		}
	}
	unlock := keys.Global.UnlockWrite.Help().Desc
	for _, p := range []keymap.Pane{keymap.PaneEnvironments, keymap.PaneApps, keymap.PaneRunners, keymap.PaneSecrets} {
		for _, ro := range []bool{true, false} {
			h := Help(keys, p, ro)
			sawMutating, sawUnlock := false, false
			for _, g := range append(h.FullHelp(), h.ShortHelp()) {
				for _, b := range g {
					sawMutating = sawMutating || mutating[b.Help().Desc]
					sawUnlock = sawUnlock || b.Help().Desc == unlock
				}
			}
			if sawMutating == ro || sawUnlock != ro {
				t.Errorf("pane %d read-only %v: mutating keys shown %v, unlock shown %v", p, ro, sawMutating, sawUnlock)
			}
			if len(h.ShortHelp()) == 0 {
				t.Errorf("pane %d has no short help", p)
			}
		}
	}
	h := Without(HelpKeys{Short: keys.Help(keymap.PaneRunners, false).ShortHelp()}, keys.Runners.Logs)
	for _, b := range h.ShortHelp() {
		if b.Help().Desc == "logs" {
			t.Error("Without kept the binding")
		}
	}
}
