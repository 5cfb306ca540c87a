package keymap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

func TestDefaultIsValid(t *testing.T) {
	k := Default()
	if errs := k.validate(nil); len(errs) > 0 {
		t.Fatalf("default bindings conflict: %v", errs)
	}
}

func TestDefaultNoSharedKeysWithinAScope(t *testing.T) {
	owner := map[string]string{} // scope + key -> action
	for _, a := range Default().Actions() {
		scope, _, _ := strings.Cut(a.Name, ".")
		if len(a.Binding.Keys()) == 0 {
			t.Errorf("%s has no keys", a.Name)
		}
		if a.Binding.Help().Desc == "" {
			t.Errorf("%s has no help text", a.Name)
		}
		for _, k := range a.Binding.Keys() {
			if prev, dup := owner[scope+" "+k]; dup {
				t.Errorf("%q is bound to both %s and %s", k, prev, a.Name)
			}
			owner[scope+" "+k] = a.Name
		}
	}
}

func TestDefaultNamesAreUniqueAndScoped(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range Default().Actions() {
		if seen[a.Name] {
			t.Errorf("action %s declared twice", a.Name)
		}
		seen[a.Name] = true
		if !strings.Contains(a.Name, ".") {
			t.Errorf("action %s has no scope", a.Name)
		}
	}
}

func TestNoDestructiveActionOnCtrl(t *testing.T) {
	destructive := 0
	for _, a := range Default().Actions() {
		if !a.Destructive {
			continue
		}
		destructive++
		if !a.Mutating {
			t.Errorf("%s is destructive but not mutating", a.Name)
		}
		for _, k := range a.Binding.Keys() {
			if strings.HasPrefix(k, "ctrl+") {
				t.Errorf("destructive %s is on %s", a.Name, k)
			}
		}
	}
	if destructive < 5 {
		t.Errorf("only %d destructive actions declared", destructive)
	}
}

func TestDefaultKeysMatchWhatTheIssueNames(t *testing.T) {
	k := Default()
	cases := []struct {
		msg tea.KeyMsg
		b   key.Binding
	}{
		{runes("q"), k.Global.Quit},
		{tea.KeyMsg{Type: tea.KeyCtrlC}, k.Global.ForceQuit},
		{runes("?"), k.Global.Help},
		{runes(":"), k.Global.Command},
		{runes("/"), k.Global.Filter},
		{tea.KeyMsg{Type: tea.KeyEsc}, k.Global.Back},
		{tea.KeyMsg{Type: tea.KeyEnter}, k.Global.Enter},
		{runes("3"), k.Global.PaneRunners},
		{runes("w"), k.Global.UnlockWrite},
		{runes("j"), k.Table.Down},
		{tea.KeyMsg{Type: tea.KeyDown}, k.Table.Down},
		{runes("G"), k.Table.Bottom},
		{tea.KeyMsg{Type: tea.KeyPgDown}, k.Table.PageDown},
		{runes("+"), k.Apps.ScaleUpMin},
		{runes("-"), k.Apps.ScaleDownMin},
		{runes("]"), k.Apps.ScaleUpMax},
		{runes("["), k.Apps.ScaleDownMax},
		{runes("s"), k.Apps.Scale},
		{runes("r"), k.Apps.Rollout},
		{runes("d"), k.Apps.Delete},
		{runes("n"), k.Envs.New},
		{runes("d"), k.Envs.Delete},
		{runes("n"), k.Secrets.New},
		{runes("d"), k.Secrets.Delete},
		{runes("e"), k.Secrets.RunnerEnv},
		{runes("S"), k.Runners.Stop},
		{runes("K"), k.Runners.Kill},
		{tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}, k.Runners.Mark},
		{runes("t"), k.Runners.ToggleTerminated},
		{runes("l"), k.Runners.Logs},
	}
	for _, tc := range cases {
		if !key.Matches(tc.msg, tc.b) {
			t.Errorf("%q does not match the binding %q (%s)", tc.msg.String(), tc.b.Keys(), tc.b.Help().Desc)
		}
	}
}

func TestApplyRemaps(t *testing.T) {
	k := Default()
	err := k.Apply(map[string][]string{
		"runners.kill":      {"X"},
		"global.quit":       {"Q", "ctrl+q"},
		"runners.mark":      {"space", "m"},
		"apps.scale_up_min": {"="},
	})
	if err != nil {
		t.Fatal(err)
	}
	if key.Matches(runes("K"), k.Runners.Kill) || !key.Matches(runes("X"), k.Runners.Kill) {
		t.Errorf("kill keys = %q, want [X]", k.Runners.Kill.Keys())
	}
	if got := k.Runners.Kill.Help(); got.Key != "X" || got.Desc != "kill" {
		t.Errorf("kill help = %+v, want key X with the old description", got)
	}
	if !key.Matches(tea.KeyMsg{Type: tea.KeyCtrlQ}, k.Global.Quit) {
		t.Error("ctrl+q does not quit")
	}
	if !key.Matches(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}, k.Runners.Mark) {
		t.Errorf("space does not mark; keys %q", k.Runners.Mark.Keys())
	}
	if got := k.Runners.Mark.Help().Key; got != "space/m" {
		t.Errorf("mark help key = %q", got)
	}
	// Untouched bindings keep their defaults.
	if !key.Matches(runes("S"), k.Runners.Stop) {
		t.Error("stop lost its default key")
	}
}

// testScopes stand for the panes' declared keys (the real ones are tested
// in tui, which knows every pane).
var testScopes = []Scope{
	{Name: "apps pane", Actions: []string{"global.quit", "apps.delete", "apps.scale_up_min"}},
	{Name: "runners pane", Actions: []string{"global.quit", "apps.scale_up_min", "runners.logs", "runners.stop", "runners.kill"}},
}

func TestApplyErrors(t *testing.T) {
	cases := []struct {
		name      string
		overrides map[string][]string
		wantInErr []string
	}{
		{"unknown action", map[string][]string{"apps.scael": {"x"}}, []string{`"apps.scael"`, `did you mean "apps.scale"`}},
		{"far-off name", map[string][]string{"nothing.like.this.at.all": {"x"}}, []string{`unknown action "nothing.like.this.at.all"`}},
		{"empty key list", map[string][]string{"runners.kill": {}}, []string{`"runners.kill"`, "no keys"}},
		{"unknown key name", map[string][]string{"global.quit": {"ctlr+q"}}, []string{`"global.quit"`, `unknown key "ctlr+q"`}},
		{"destructive on ctrl", map[string][]string{"envs.delete": {"ctrl+x"}}, []string{`"envs.delete"`, "Ctrl"}},
		{"conflict with global", map[string][]string{"apps.delete": {"q"}}, []string{`"global.quit"`, `"apps.delete"`, "apps pane"}},
		{"conflict with borrowed scaling key", map[string][]string{"runners.logs": {"+"}}, []string{`"apps.scale_up_min"`, `"runners.logs"`, "runners pane"}},
		{"several problems at once", map[string][]string{"a.b": {"x"}, "c.d": {"y"}}, []string{`"a.b"`, `"c.d"`}},
		{"submit on a typed character", map[string][]string{"dialog.submit": {"x"}}, []string{`"dialog.submit"`, "types text"}},
		{"completion on space", map[string][]string{"command.complete": {"space"}}, []string{`"command.complete"`, "space types text"}},
		{"cancel on plus", map[string][]string{"dialog.cancel": {"esc", "+"}}, []string{`"dialog.cancel"`, "+ types text"}},
		{"next field on a capital", map[string][]string{"dialog.next_field": {"N"}}, []string{`"dialog.next_field"`, "N types text"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := Default()
			err := k.Apply(tc.overrides, testScopes...)
			if err == nil {
				t.Fatal("Apply succeeded")
			}
			for _, want := range tc.wantInErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %s", err, want)
				}
			}
			if !key.Matches(runes("q"), k.Global.Quit) || !key.Matches(runes("K"), k.Runners.Kill) {
				t.Error("a failed Apply changed the bindings")
			}
		})
	}
}

// Keys live while text is typed may be named keys and chords; keys of
// the y/n questions, where nothing is typed, may be characters.
func TestTypingActionsTakeNamedKeysAndChords(t *testing.T) {
	k := Default()
	err := k.Apply(map[string][]string{
		"dialog.submit": {"ctrl+s", "enter"}, "dialog.cancel": {"alt+q"}, "command.complete": {"f2"},
		"dialog.confirm": {"j"}, "dialog.deny": {"x"},
	}, testScopes...)
	if err != nil {
		t.Fatal(err)
	}
	if !key.Matches(runes("j"), k.Dialog.Confirm) || !key.Matches(tea.KeyMsg{Type: tea.KeyCtrlS}, k.Dialog.Submit) {
		t.Error("the remaps did not take")
	}
}

func TestApplySwapsWithoutConflict(t *testing.T) {
	// Swapping two keys must validate the end state, not each step.
	k := Default()
	if err := k.Apply(map[string][]string{"runners.stop": {"K"}, "runners.kill": {"S"}}, testScopes...); err != nil {
		t.Fatal(err)
	}
	if !key.Matches(runes("K"), k.Runners.Stop) || !key.Matches(runes("S"), k.Runners.Kill) {
		t.Error("swap not applied")
	}
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad(t *testing.T) {
	path := writeConfig(t, `
refresh = "2s" # another part's setting, ignored here

[keys]
"runners.kill" = ["X"]
"global.quit" = "Q"

[keys.apps]
scale_up_min = ["=", "+"]
`)
	k, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !key.Matches(runes("X"), k.Runners.Kill) {
		t.Errorf("kill keys %q", k.Runners.Kill.Keys())
	}
	if !key.Matches(runes("Q"), k.Global.Quit) || key.Matches(runes("q"), k.Global.Quit) {
		t.Errorf("quit keys %q", k.Global.Quit.Keys())
	}
	if got := k.Apps.ScaleUpMin.Keys(); len(got) != 2 || got[0] != "=" {
		t.Errorf("scale_up_min keys %q", got)
	}
}

func TestLoadMissingFileIsDefaults(t *testing.T) {
	k, err := Load(filepath.Join(t.TempDir(), "nope", "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !key.Matches(runes("q"), k.Global.Quit) {
		t.Error("missing file did not give defaults")
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, body string
		wantInErr  []string
	}{
		{"unknown action", "[keys]\n\"runners.explode\" = [\"x\"]\n", []string{"runners.explode", "config.toml"}},
		{"nested unknown", "[keys.runners]\nexplode = \"x\"\n", []string{"runners.explode"}},
		{"empty list", "[keys]\n\"global.quit\" = []\n", []string{"global.quit", "no keys"}},
		{"wrong type", "[keys]\n\"global.quit\" = 3\n", []string{"global.quit", "int64"}},
		{"wrong item type", "[keys]\n\"global.quit\" = [\"q\", 3]\n", []string{"global.quit", "strings"}},
		{"bad toml", "[keys\n", []string{"config.toml"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tc.body))
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, want := range tc.wantInErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %s", err, want)
				}
			}
		})
	}
}

func TestConfigPath(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	if got, err := ConfigPath(); err != nil || got != filepath.Join("/xdg", "faldash", "config.toml") {
		t.Errorf("ConfigPath() = %q, %v", got, err)
	}
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", "/home/u")
	if got, err := ConfigPath(); err != nil || got != filepath.Join("/home/u", ".config", "faldash", "config.toml") {
		t.Errorf("ConfigPath() without XDG = %q, %v", got, err)
	}
}
