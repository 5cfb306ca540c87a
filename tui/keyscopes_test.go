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
		{map[string][]string{"dialog.confirm": {"n"}}, []string{`"dialog.deny"`, "confirmation"}},
		{map[string][]string{"dialog.next_field": {"enter"}}, []string{`"dialog.submit"`, "scale form"}},
		// The command line's keys are live together: completion too.
		{map[string][]string{"command.complete": {"enter"}}, []string{`"dialog.submit"`, `"command.complete"`, "command line"}},
		// A dialog's keys are all that is live in it: the revisions'
		// list moves with the table's keys.
		{map[string][]string{"dialog.cancel": {"k"}}, []string{`"table.up"`, "revisions"}},
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
	h := started(t, seeded(), Config{Env: "main", KeyMap: k})
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
	h := started(t, seeded(), Config{ReadOnly: true})
	h.key("down", "enter", "enter", "enter")
	if !strings.Contains(footer(h), "f pause logs") {
		t.Fatalf("not on a runner's detail, following its logs:\n%s", h.view())
	}
	h.key("f")
	if !strings.Contains(footer(h), "f follow logs") {
		t.Fatalf("paused logs, footer %q", footer(h))
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

// footer is the last line of the view: the keys that work now.
func footer(h *harness) string {
	lines := strings.Split(h.view(), "\n")
	return lines[len(lines)-1]
}

// A dialog's footer comes from its declared keys and follows its state.
func TestDialogFooters(t *testing.T) {
	h := started(t, seeded(), Config{Env: "main"})
	h.key("r")
	if f := footer(h); !strings.Contains(f, "y yes • n no • esc cancel • space toggle option") {
		t.Errorf("rollout question footer %q", f)
	}
	h.key(" ")
	h.viewContains("[x] force")
	h.key("esc")
	h.key("4", "n")
	if f := footer(h); !strings.Contains(f, "enter next • tab next field • esc cancel") {
		t.Errorf("secret form footer %q", f)
	}
	h.key("tab", "tab")
	if f := footer(h); !strings.Contains(f, "enter set • space toggle option • tab next field") {
		t.Errorf("secret form footer on its option %q", f)
	}
	h.key("esc", "1", "down", "enter", "e")
	if f := footer(h); !strings.Contains(f, "↑/k up • ↓/j down • esc close") {
		t.Errorf("runner environment footer %q", f)
	}
	h.key("e")
	if h.modalOpen() {
		t.Error("the key that opened the runner environment did not close it")
	}
}

// Every action a place declares exists, so a misspelt name can't drop a
// key silently, and every action is live somewhere.
func TestEveryActionIsDeclaredSomewhere(t *testing.T) {
	known := map[string]bool{}
	for _, a := range keymap.Default().Actions() {
		known[a.Name] = false
	}
	for _, s := range KeyScopes() {
		for _, n := range s.Actions {
			if _, ok := known[n]; !ok {
				t.Errorf("%s declares unknown action %q", s.Name, n)
			}
			known[n] = true
		}
	}
	for n, used := range known {
		if !used {
			t.Errorf("action %q is live nowhere", n)
		}
	}
}
