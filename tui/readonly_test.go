package tui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/apps"
	"github.com/faldash/faldash/views/envs"
	"github.com/faldash/faldash/views/pane"
	"github.com/faldash/faldash/views/runners"
	"github.com/faldash/faldash/views/secrets"
)

// mutating are the mutating actions live in scope s.
func mutating(s keymap.Scope) []keymap.Action {
	var out []keymap.Action
	for _, a := range keymap.Default().Actions() {
		if a.Mutating && slices.Contains(s.Actions, a.Name) {
			out = append(out, a)
		}
	}
	return out
}

// mutatingKeys are the keys of every mutating action live in scope s.
func mutatingKeys(s keymap.Scope) []string {
	var out []string
	for _, a := range mutating(s) {
		out = append(out, a.Binding.Keys()...)
	}
	return out
}

// reads are the calls that change nothing.
var reads = map[string]bool{"ListEnvironments": true, "ListApps": true, "ListAppRunners": true,
	"ListRunners": true, "ListSecrets": true, "RunnerLogs": true, "ListRevisions": true,
	"QueueSize": true, "RunnerInfo": true, "CurrentUser": true}

func writes(fc *fakeclient.Client) []string {
	var out []string
	for _, c := range fc.Calls() {
		if !reads[c.Method] {
			out = append(out, c.Method)
		}
	}
	return out
}

func TestReadOnlyRefusesEveryMutatingKey(t *testing.T) {
	panes := []struct {
		p    keymap.Scope
		keys []string // to get there from the environments
	}{
		{envs.Scope(), nil},
		{apps.Scope(), []string{"down", "enter"}},
		{runners.Scope(), []string{"down", "enter", "enter"}},
		{secrets.Scope(), []string{"down", "enter", "4"}},
	}
	for _, tc := range panes {
		h := started(t, seeded(), Config{ReadOnly: true})
		h.key(tc.keys...)
		keys := mutatingKeys(tc.p)
		if len(keys) == 0 {
			t.Fatalf("%s has no mutating keys", tc.p.Name)
		}
		for _, k := range keys {
			h.key(k)
			if h.modalOpen() {
				t.Fatalf("%s: %q opened a dialog in read-only mode", tc.p.Name, k)
			}
			if !strings.Contains(h.status(), "Read-only (--readonly)") {
				t.Errorf("%s: %q: status %q", tc.p.Name, k, h.status())
			}
			h.key("y") // a dialog would have been answered: nothing happens
		}
		fire[delivery](h)
		h.settle()
		if w := writes(h.fc); len(w) != 0 {
			t.Errorf("%s: calls %v in read-only mode", tc.p.Name, w)
		}
		// Nothing mutating is offered, nor the unlock that would be refused.
		help := footerAndHelp(h)
		for _, a := range mutating(tc.p) {
			if strings.Contains(help, a.Binding.Help().Desc) {
				t.Errorf("%s: help offers %q", tc.p.Name, a.Binding.Help().Desc)
			}
		}
		if strings.Contains(help, "unlock") {
			t.Errorf("%s: help offers to unlock in --readonly", tc.p.Name)
		}
		h.viewContains("READ-ONLY")
		h.key("w")
		if h.modalOpen() || !strings.Contains(h.status(), "writing can't be unlocked") {
			t.Errorf("w in --readonly: modal %v, status %q", h.modalOpen(), h.status())
		}
	}
}

// footerAndHelp is the footer's keys and the `?` screen of the visible
// pane (not the status line, which may quote a refused action).
func footerAndHelp(h *harness) string {
	lines := strings.Split(h.view(), "\n")
	footer := lines[len(lines)-1]
	h.key("?")
	full := h.m.helpView()
	h.key("?")
	return footer + "\n" + full
}

func cloud() *fakeclient.Client {
	fc := fakeclient.New(client.Target{Kind: client.TargetCloud, Addr: "api.alpha.fal.ai:443", User: "alice"})
	demo := seeded()
	envs, _ := demo.ListEnvironments(context.Background())
	fc.SetEnvironments(envs...)
	for _, e := range envs {
		apps, _ := demo.ListApps(context.Background(), e.Name)
		fc.SetApps(e.Name, apps...)
		secrets, _ := demo.ListSecrets(context.Background(), e.Name)
		fc.SetSecrets(e.Name, secrets...)
	}
	return fc
}

func TestCloudMainOpensReadOnlyUntilUnlocked(t *testing.T) {
	h := started(t, cloud(), Config{Env: "main"})
	h.viewContains("READ-ONLY", "w unlock writing")
	h.viewLacks("s scale…")
	h.key("s")
	if h.modalOpen() || !strings.Contains(h.status(), "Press w to unlock writing for this session") {
		t.Fatalf("s on cloud main: modal %v, status %q", h.modalOpen(), h.status())
	}
	h.key("+")
	fire[delivery](h)
	h.settle()

	// Other environments of fal cloud are writable.
	h.key(":")
	h.typeText("env staging")
	h.key("enter")
	h.viewLacks("READ-ONLY")
	h.key("s")
	if !h.modalOpen() {
		t.Fatal("s in staging on fal cloud opened nothing")
	}
	h.key("esc", "2")
	h.key("1", "enter") // main's apps again
	if h.m.cur != pane.AppsKey("main") {
		t.Fatalf("on %v", h.m.cur)
	}

	h.key("w")
	h.viewContains("Unlock writing to main on fal cloud?")
	h.key("n")
	h.viewContains("READ-ONLY")
	h.key("w", "y")
	h.viewLacks("READ-ONLY")
	h.viewContains("Writing unlocked for this session.", "s scale…")
	h.key("s")
	if !h.modalOpen() {
		t.Fatal("s after unlocking opened nothing")
	}
	if w := writes(h.fc); len(w) != 0 {
		t.Errorf("calls %v before anything was confirmed", w)
	}
}

func TestLocalAndDemoOpenWritable(t *testing.T) {
	for _, kind := range []client.TargetKind{client.TargetLocal, client.TargetDemo} {
		fc := seeded()
		local := fakeclient.New(client.Target{Kind: kind})
		envs, _ := fc.ListEnvironments(context.Background())
		local.SetEnvironments(envs...)
		apps, _ := fc.ListApps(context.Background(), "main")
		local.SetApps("main", apps...)
		h := started(t, local, Config{Env: "main"})
		h.viewLacks("READ-ONLY")
		h.key("s")
		if !h.modalOpen() {
			t.Errorf("%v: s in main opened nothing", kind)
		}
	}
}
