package tui

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/scaling"
	"github.com/faldash/faldash/tui/theme"
)

// TestGolden draws each pane at 120×40 in monochrome under a fixed clock.
// Run with -update to rewrite testdata/TestGolden/*.golden.
func TestGolden(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		fc   func(t *testing.T) *fakeclient.Client
		do   func(h *harness)
	}{
		{name: "loading", do: func(h *harness) {}},
		{name: "environments", do: func(h *harness) { h.settle(); h.key("down") }},
		{name: "apps", cfg: Config{Env: "staging"}, do: func(h *harness) { h.settle() }},
		{name: "apps_cloud_readonly", cfg: Config{ReadOnly: true},
			fc: func(t *testing.T) *fakeclient.Client {
				fc := seeded()
				cloud := fakeclient.New(client.Target{Kind: client.TargetCloud, Addr: "api.alpha.fal.ai:443", User: "alice"})
				envs, _ := fc.ListEnvironments(t.Context())
				cloud.SetEnvironments(envs...)
				apps, _ := fc.ListApps(t.Context(), "staging")
				cloud.SetApps("staging", apps...)
				return cloud
			},
			do: func(h *harness) { h.settle(); h.key("down", "enter") }},
		{name: "runners", cfg: Config{Env: "staging"}, do: runnersWithHistory},
		{name: "runners_terminated", cfg: Config{Env: "staging"}, do: func(h *harness) {
			h.settle()
			h.key("enter", "t", "down")
			h.clock.Advance(3 * time.Second)
		}},
		{name: "runner_detail", cfg: Config{Env: "staging"}, do: func(h *harness) {
			h.settle()
			h.key("enter", "down", "down", "enter")
			h.clock.Advance(2 * time.Second)
		}},
		{name: "runner_detail_cloud", cfg: Config{Env: "staging"}, fc: func(*testing.T) *fakeclient.Client { return cloudTeam() }, do: func(h *harness) {
			h.inZone(cet)
			h.settle()
			h.key("enter", "enter")
			h.readLogs(9)
			h.clock.Advance(2 * time.Second)
		}},
		{name: "runner_detail_search", cfg: Config{Env: "staging"}, fc: func(*testing.T) *fakeclient.Client { return cloudTeam() }, do: func(h *harness) {
			h.inZone(cet)
			h.settle()
			h.key("enter", "enter")
			h.readLogs(9)
			h.key("/")
			h.typeText("ValueError")
			h.key("enter")
			h.readLogs(4)
		}},
		{name: "secrets", cfg: Config{Env: "staging"}, do: func(h *harness) { h.settle(); h.key("4") }},
		{name: "help", cfg: Config{Env: "staging"}, do: func(h *harness) { h.settle(); h.key("?") }},
		{name: "filter", do: func(h *harness) { h.settle(); h.key("/"); h.typeText("e") }},
		{name: "stale_unreachable", cfg: Config{Env: "staging"}, do: func(h *harness) {
			h.settle()
			h.fc.FailAll(unavailable())
			for range 3 {
				h.poll()
			}
		}},
		{name: "first_load_refused", fc: func(t *testing.T) *fakeclient.Client {
			fc := seeded()
			fc.Fail("ListEnvironments", &client.Error{Kind: client.Unauthenticated, Op: "list environments"})
			return fc
		}, do: func(h *harness) { h.settle() }},
		{name: "not_found", cfg: Config{Env: "gone"}, do: func(h *harness) { h.settle() }},
		{name: "too_small", do: func(h *harness) { h.settle(); h.send(windowSize(59, 40)) }},
		{name: "env_delete", do: func(h *harness) {
			h.settle()
			h.key("down", "d") // staging
			h.typeText("stag")
			h.key("tab") // on Cancel: Delete takes no focus while the name does not match
		}},
		{name: "scale_form", cfg: Config{Env: "staging"}, do: func(h *harness) {
			h.settle()
			h.key("s")
			h.key("backspace")
			h.typeText("2")
			h.key("tab", "tab", "tab", "backspace", "backspace")
			h.typeText("x")
		}},
		{name: "secret_form", cfg: Config{Env: "staging"}, do: func(h *harness) {
			h.settle()
			h.key("4", "n")
			h.typeText("HF_TOKEN")
			h.key("tab")
			h.typeText("hf_supersecret")
		}},
		{name: "runner_env", cfg: Config{Env: "staging"}, do: func(h *harness) {
			h.settle()
			h.key("e")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fc := seeded()
			if tc.fc != nil {
				fc = tc.fc(t)
			}
			h := newHarness(t, fc, tc.cfg)
			h.parkLoads = fc.Target().Account != ""
			tc.do(h)
			v := h.view()
			checkFrame(t, v, h.m.width, h.m.height)
			golden.RequireEqual(t, []byte(v))
		})
	}
}

// runnersWithHistory polls the runners of staging's my-app while they
// scale up, for a sparkline with something in it.
func runnersWithHistory(h *harness) {
	h.settle()
	all, _ := h.fc.ListAppRunners(h.t.Context(), "staging", "my-app", client.RunnerQuery{TerminatedSince: t0.Add(-time.Hour)})
	h.fc.SetRunners("staging", "my-app")
	h.key("enter")
	for i := 1; i <= len(all); i++ {
		h.fc.SetRunners("staging", "my-app", all[:i]...)
		h.poll()
	}
	h.key("down")
	h.clock.Advance(time.Second)
}

// checkFrame asserts the frame fills the terminal exactly.
func checkFrame(t *testing.T, v string, w, h int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) != h {
		t.Errorf("frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got > w {
			t.Errorf("line %d is %d wide, more than %d: %q", i, got, w, l)
		}
	}
}

func TestEveryPaneFitsEverySize(t *testing.T) {
	paths := map[string][]string{
		"environments": nil,
		"apps":         {"down", "enter"},
		"runners":      {"down", "enter", "enter", "t"},
		"detail":       {"down", "enter", "enter", "enter"},
		"help":         {"?"},
		"command":      {":"},
		"delete":       {"down", "d", "s"},
		"scale form":   {"down", "enter", "s", "backspace"},
		"secret form":  {"down", "enter", "4", "n", "X", "tab", "y"},
		"confirm":      {"down", "enter", "enter", "K"},
	}
	widths := []int{1, 2, 10, 30, 59, 60, 61, 80, 120, 250}
	heights := []int{1, 2, 5, 11, 12, 13, 24, 60}
	for name, keys := range paths {
		h := newHarness(t, seeded(), Config{})
		h.settle()
		h.key(keys...)
		for _, w := range widths {
			for _, hh := range heights {
				h.send(windowSize(w, hh))
				v := h.view()
				checkFrame(t, v, w, hh)
				small := w < MinWidth || hh < MinHeight
				if small != strings.Contains(v, "too small") && w >= 20 && hh >= 3 {
					t.Errorf("%s at %dx%d: too-small notice shown %v", name, w, hh, !small)
				}
			}
		}
		// Back to a usable size, everything is laid out again.
		h.send(windowSize(120, 40))
		h.viewLacks("too small")
		h.viewContains("fal ›")
	}
	// A zero size (before the first resize) draws a placeholder.
	h := newHarness(t, seeded(), Config{})
	h.send(windowSize(0, 0))
	if v := h.view(); v == "" || strings.Contains(v, "\n") {
		t.Errorf("zero-size view %q", v)
	}
}

func TestClockStopsWhileTooSmall(t *testing.T) {
	h := newHarness(t, seeded(), Config{})
	h.settle()
	h.send(windowSize(40, 10))
	fire[clockMsg](h)
	if n := len(scheduled[clockMsg](h)); n != 0 {
		t.Errorf("clock still ticking on a too-small screen")
	}
	h.send(windowSize(120, 40))
	if n := len(scheduled[clockMsg](h)); n != 1 {
		t.Errorf("%d clock ticks after enlarging, want 1", n)
	}
}

const evil = "\x1b[2J\x1b]0;pwned\x07"

// hostile is a controller whose every string tries to drive the terminal.
func hostile() *fakeclient.Client {
	fc := fakeclient.New(client.Target{Kind: client.TargetCloud, Addr: "host" + evil, User: "u" + evil})
	fc.SetEnvironments(client.Environment{Name: "staging", Description: "desc" + evil, CreatedAt: t0})
	fc.SetApps("staging", client.App{Name: "app" + evil, Env: "staging", Revision: client.RevisionID("rev" + evil),
		Scaling: scaling.Settings{MachineTypes: []string{"m" + evil}, Regions: []string{"r" + evil}}})
	fc.SetRunners("staging", "app"+evil, withMetadata(client.Runner{ID: client.RunnerID("id" + evil), Alias: "a" + evil,
		State: client.RunnerState("WEIRD" + evil), MachineType: "GPU" + evil, Revision: client.RevisionID("rev" + evil)},
		map[string]any{"k" + evil: "v" + evil}).WithLeases(client.Lease{RequestID: "req" + evil, CallerUserID: "c" + evil}))
	fc.SetSecrets("staging", client.Secret{Name: "S" + evil, Env: "staging"})
	return fc
}

func TestServerStringsAreDrawnInert(t *testing.T) {
	for _, profile := range []termenv.Profile{termenv.Ascii, termenv.ANSI256} {
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(profile)
		st := theme.NewStyles(theme.Default(), r)
		h := newHarness(t, hostile(), Config{Styles: st})
		h.settle()
		check := func(where string) {
			t.Helper()
			v := h.view()
			for _, bad := range []string{"\x1b]", "\x1b[2J", "\x07", "pwned"} {
				if strings.Contains(v, bad) {
					t.Errorf("profile %v, %s: view contains %q:\n%q", profile, where, bad, v)
				}
			}
			if profile == termenv.Ascii && strings.Contains(v, "\x1b") {
				t.Errorf("%s: monochrome view has an escape:\n%q", where, v)
			}
		}
		check("environments")
		h.key("enter")
		check("apps")
		h.key("enter")
		check("runners")
		h.key("t")
		check("runners with terminated")
		h.key("enter")
		check("runner detail")
		h.key("4")
		check("secrets")
		h.fc.FailAll(&client.Error{Kind: client.Invalid, Msg: "bad" + evil})
		h.poll()
		check("error banner")
		h.key("/")
		h.typeText("x\x1b]0;y\x07")
		check("filter")
	}
}

func TestDebugLogsEveryMessage(t *testing.T) {
	var buf bytes.Buffer
	h := newHarness(t, seeded(), Config{Debug: &buf})
	h.settle()
	h.key("down", "enter")
	h.send(fetchedMsg{origin: h.m.poll.origin}) // a stale answer
	log := buf.String()
	for _, want := range []string{"resize 120x40", "fetched environments gen 1: 3 items", "key down", "key enter",
		"open apps env=staging", "dropped stale answer"} {
		if !strings.Contains(log, want) {
			t.Errorf("debug log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "\x1b") {
		t.Error("debug log has escapes")
	}
}

func TestModalsDrawServerStringsInert(t *testing.T) {
	fc := hostile()
	fc.SetRevisions("staging", "app"+evil, client.Revision{ID: client.RevisionID("rev" + evil),
		Scaling: scaling.Settings{MachineTypes: []string{"m" + evil}}})
	fc.SetSecrets("staging", client.Secret{Name: "S" + evil, Env: "staging"})
	h := newHarness(t, fc, Config{})
	h.settle()
	check := func(where string) {
		t.Helper()
		if !h.modalOpen() {
			t.Fatalf("%s: no dialog open", where)
		}
		if v := h.view(); strings.Contains(v, "\x1b") || strings.Contains(v, "\x07") {
			t.Errorf("%s: dialog draws a control sequence:\n%q", where, v)
		}
		h.key("esc")
	}
	h.key("d")
	check("delete environment")
	h.key("enter")
	for _, k := range []string{"d", "e", "v", "s", "r"} {
		h.key(k)
		check("apps " + k)
	}
	h.key("enter", "K")
	check("kill runner")
	h.key("4", "d")
	check("unset secret")
	h.key("e")
	check("runner environment of the secrets")
}
