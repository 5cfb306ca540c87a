package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/pane"
)

// loadKeys reads a config file holding toml, as faldash does at start,
// checked against the scopes of the root, its modes, panes and dialogs.
func loadKeys(t *testing.T, toml string) *keymap.KeyMap {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := keymap.Load(path, KeyScopes()...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// ctrl presses a Ctrl chord, which the harness's key does not spell.
func (h *harness) ctrl(t tea.KeyType) {
	h.t.Helper()
	h.send(tea.KeyMsg{Type: t})
	h.settle()
}

// Completion is an action like any other: remapped, its key completes and
// says so in the footer and above the candidates, and Tab is then just a
// key the line does not take.
func TestRemappedCompletionKey(t *testing.T) {
	k := loadKeys(t, "[keys]\n\"command.complete\" = \"ctrl+n\"\n")
	h := newHarness(t, seeded(), Config{Env: "staging", KeyMap: k})
	h.settle()
	h.key(":")
	h.typeText("env s")
	if f := footer(h); !strings.Contains(f, "ctrl+n complete") || strings.Contains(f, "tab") {
		t.Errorf("command line footer %q, want ctrl+n complete and no tab", f)
	}
	h.key("tab")
	h.viewContains(":env s█")
	h.ctrl(tea.KeyCtrlN)
	h.viewContains(":env staging█")

	h.key("esc", ":")
	h.typeText("env ")
	h.ctrl(tea.KeyCtrlN)
	h.viewContains(":env dev█", "ctrl+n: [dev]  main  staging")
	h.key("tab") // like any key the line does not claim, it drops the candidates
	h.viewContains(":env dev█")
	h.viewLacks("ctrl+n: ")
}

// The root's modes show in the footer the keys they declare, remapped
// where the config says, and answer to those keys.
func TestModeFootersFollowTheirKeys(t *testing.T) {
	k := loadKeys(t, "[keys]\n\"dialog.submit\" = \"ctrl+s\"\n\"global.help\" = \"h\"\n")
	h := newHarness(t, seeded(), Config{Env: "staging", KeyMap: k})
	h.settle()

	h.key(":")
	if f := footer(h); !strings.Contains(f, "ctrl+s run • esc cancel • tab complete • ctrl+c quit now") {
		t.Errorf("command line footer %q", f)
	}
	h.typeText("envs")
	h.key("enter") // not the submit key now: nothing happens
	h.viewContains(":envs█")
	h.ctrl(tea.KeyCtrlS)
	if h.m.mode != modeNormal || h.m.cur != pane.EnvironmentsKey() {
		t.Fatalf("ctrl+s on :envs: mode %v, pane %v", h.m.mode, h.m.cur)
	}

	h.key("/")
	if f := footer(h); !strings.Contains(f, "ctrl+s keep filter • esc clear filter • ctrl+c quit now") {
		t.Errorf("filter footer %q", f)
	}
	h.typeText("dev")
	h.ctrl(tea.KeyCtrlS)
	h.viewContains("filter /dev")
	if h.m.mode != modeNormal {
		t.Fatalf("ctrl+s did not keep the filter: mode %v", h.m.mode)
	}
	h.key("esc")

	h.key("h")
	if f := footer(h); !strings.Contains(f, "h close help • esc close help • q quit") {
		t.Errorf("help footer %q", f)
	}
	h.key("h")
	if h.m.mode != modeNormal {
		t.Errorf("h did not close the help: mode %v", h.m.mode)
	}

	h.key("2", "enter", "enter", "/") // a runner's logs: searched on the server
	if f := footer(h); !strings.Contains(f, "ctrl+s search • esc clear search • ctrl+c quit now") {
		t.Errorf("log search footer %q", f)
	}
}
