package tui

import (
	"strings"
	"testing"

	"github.com/faldash/faldash/keymap"
)

func TestDefaultKeysFitEveryScope(t *testing.T) {
	if err := keymap.Default().Apply(nil, KeyScopes()...); err != nil {
		t.Fatal(err)
	}
}

// A key bound twice where both are live is refused at start, naming the
// place; the places are the panes' declared keys.
func TestKeyClashesAreRefusedPerScope(t *testing.T) {
	for _, tc := range []struct {
		overrides map[string][]string
		want      []string
	}{
		{map[string][]string{"apps.delete": {"q"}}, []string{`"global.quit"`, `"apps.delete"`, "apps pane"}},
		{map[string][]string{"runners.logs": {"+"}}, []string{`"apps.scale_up_min"`, `"runners.logs"`, "runners pane"}},
		{map[string][]string{"secrets.runner_env": {"s"}}, []string{`"apps.scale"`, "apps pane"}},
		{map[string][]string{"logs.follow": {"x"}}, []string{`"runners.shell"`, "log view"}},
		{map[string][]string{"envs.new": {"j"}}, []string{`"table.down"`, "environments pane"}},
		{map[string][]string{"dialog.confirm": {"n"}}, []string{`"dialog.deny"`, "dialogs"}},
	} {
		err := keymap.Default().Apply(tc.overrides, KeyScopes()...)
		if err == nil {
			t.Errorf("%v accepted", tc.overrides)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q lacks %s", tc.overrides, err, w)
			}
		}
	}
	// Keys of different places may be the same: d deletes in each pane.
	if err := keymap.Default().Apply(map[string][]string{"runners.kill": {"d"}}, KeyScopes()...); err != nil {
		t.Errorf("kill on d: %v", err)
	}
}

// A remapped key is what the pane answers to and what its help shows.
func TestRemappedKeyDispatchesAndShows(t *testing.T) {
	k := keymap.Default()
	if err := k.Apply(map[string][]string{"apps.scale": {"S"}, "apps.scale_up_min": {"="}}, KeyScopes()...); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, seeded(), Config{Env: "main", KeyMap: k})
	h.settle()
	h.viewContains("S scale…", "=/- min")
	h.key("s")
	if h.modalOpen() {
		t.Fatal("the old key still opens the scale form")
	}
	h.key("S")
	if !h.modalOpen() {
		t.Fatal("the new key opened nothing")
	}
}

// The runner's detail declares its keys too: its help lists them, and the
// shell is refused read-only.
func TestDetailKeys(t *testing.T) {
	h := newHarness(t, seeded(), Config{ReadOnly: true})
	h.settle()
	h.key("down", "enter", "enter", "enter")
	if !strings.Contains(h.view(), "f follow") {
		t.Fatalf("not on a runner's detail:\n%s", h.view())
	}
	help := footerAndHelp(h)
	for _, want := range []string{"esc back", "/ search logs", "pgup/ctrl+b page up", "ctrl+u half page up", "ctrl+c quit now"} {
		if !strings.Contains(help, want) {
			t.Errorf("detail help lacks %q:\n%s", want, help)
		}
	}
	if strings.Contains(help, "shell") {
		t.Errorf("read-only detail offers the shell:\n%s", help)
	}
	h.key("x")
	if !strings.Contains(h.status(), "Read-only (--readonly)") {
		t.Errorf("x in a read-only detail: status %q", h.status())
	}
}
