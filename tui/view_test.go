package tui

import (
	"bytes"
	"cmp"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
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
			cloudDetail(h)
			h.clock.Advance(2 * time.Second)
		}},
		{name: "runner_detail_search", cfg: Config{Env: "staging"}, fc: func(*testing.T) *fakeclient.Client { return cloudTeam() }, do: func(h *harness) {
			cloudDetail(h)
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
// cloudDetail opens the record of the cloud team's first runner, in CET,
// once its nine log lines are read.
func cloudDetail(h *harness) {
	h.inZone(cet)
	h.settle()
	h.key("enter", "enter")
	h.readLogs(9)
}

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
		h := started(t, seeded(), Config{})
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
	h := started(t, seeded(), Config{})
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
		h := started(t, hostile(), Config{Styles: uitest.Styles(profile)})
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
	h := started(t, seeded(), Config{Debug: &buf})
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
	h := started(t, fc, Config{})
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

// fleet is an account as a new user meets it: fal cloud, an environment
// with a long name, apps with long names, machine lists and regions, and
// runners named by UUIDs.
func fleet() *fakeclient.Client {
	fc := fakeclient.New(client.Target{Kind: client.TargetCloud, Addr: "api.alpha.fal.ai:443", User: "acme-research"})
	fc.SetEnvironments(
		client.Environment{Name: "main", Description: "production", IsDefault: true, CreatedAt: t0.Add(-400 * 24 * time.Hour)},
		client.Environment{Name: "staging-eu-west", Description: "pre-production checks before each Friday's release", CreatedAt: t0.Add(-72 * time.Hour)},
	)
	apps := []client.App{
		{Name: "text-to-image-sdxl-turbo", Revision: "3f2a9c1e-77aa-4b1e-9d2e-1c0ffee00001", AuthMode: client.AuthPrivate, ActiveRunners: 12,
			Scaling: scaling.Settings{MinConcurrency: 2, MaxConcurrency: 40, MaxMultiplexing: 4, KeepAlive: 300,
				ConcurrencyBuffer: scaling.Int(2), MachineTypes: []string{"GPU-H100", "GPU-A100"}, Regions: []string{"us-east", "eu-west"}}},
		{Name: "whisper", Revision: "a1b2c3d4-0000-4000-8000-000000000002", AuthMode: client.AuthPublic, ActiveRunners: 3,
			Scaling: scaling.Settings{MinConcurrency: 0, MaxConcurrency: 10, MaxMultiplexing: 1, KeepAlive: 60,
				MachineTypes: []string{"GPU-A10G"}}},
	}
	for _, env := range []string{"main", "staging-eu-west"} {
		for i := range apps {
			apps[i].Env = env
		}
		fc.SetApps(env, apps...)
		fc.SetQueue(env, "whisper", 17)
	}
	var runners []client.Runner
	states := []client.RunnerState{client.StateRunning, client.StateIdle, client.StateSetup, client.StateFailureDelay, client.StateRunning}
	for i, s := range states {
		runners = append(runners, client.Runner{ID: client.RunnerID(fmt.Sprintf("0b5e7c1e-6a41-4c8e-9d2f-3f0b8a2c4d%02d", i)),
			Alias: "text-to-image-sdxl-turbo", App: "text-to-image-sdxl-turbo", Revision: "3f2a9c1e-77aa-4b1e-9d2e-1c0ffee00001",
			State: s, InFlight: i % 3, Uptime: time.Duration(i+1) * 7 * time.Minute, ExpiresIn: dur(time.Duration(i) * 30 * time.Second),
			MachineType: "GPU-H100"})
	}
	runners[2].Replacement = client.WillReplace
	fc.SetRunners("main", "text-to-image-sdxl-turbo", runners...)
	return fc
}

// sizes are the terminals the dashboard is tried at: a laptop's default,
// a large window and a wide monitor, and the smallest it degrades to.
var sizes = []struct{ w, h int }{{80, 24}, {160, 45}, {250, 70}}

// TestGoldenSizes draws the fleet at 80×24, 160×45 and 250×70 (and the
// dialogs at 60×16). Run with -update to rewrite testdata/TestGoldenSizes.
func TestGoldenSizes(t *testing.T) {
	cases := []struct {
		name  string
		env   string
		do    func(h *harness)
		small bool // also at 60×16
	}{
		{name: "environments", do: func(h *harness) { h.key("1") }},
		{name: "apps", do: func(h *harness) {}},
		{name: "runners", do: func(h *harness) { h.key("enter") }},
		{name: "help_apps", do: func(h *harness) { h.key("?") }, small: true},
		{name: "help_runners", do: func(h *harness) { h.key("enter", "?") }},
		{name: "scale_form", env: "staging-eu-west", do: func(h *harness) {
			h.key("s", "tab")
			h.typeText("5") // max 40 → 405
		}, small: true},
	}
	for _, tc := range cases {
		all := sizes
		if tc.small {
			all = append(all[:len(all):len(all)], struct{ w, h int }{60, 16})
		}
		for _, sz := range all {
			t.Run(fmt.Sprintf("%s_%dx%d", tc.name, sz.w, sz.h), func(t *testing.T) {
				h := newHarness(t, fleet(), Config{Env: cmp.Or(tc.env, "main")})
				h.send(windowSize(sz.w, sz.h))
				h.settle()
				tc.do(h)
				h.settle()
				v := h.view()
				checkFrame(t, v, sz.w, sz.h)
				golden.RequireEqual(t, []byte(v))
			})
		}
	}
}

// TestHeaderKeepsTheEnvironment: at every width the dashboard lays out,
// the header names the environment and marks production, giving up the
// freshness wording and the target's address first.
func TestHeaderKeepsTheEnvironment(t *testing.T) {
	h := started(t, fleet(), Config{Env: "main"})
	for _, w := range []int{60, 70, 80, 100, 160} {
		h.send(windowSize(w, 24))
		header := strings.Split(h.view(), "\n")[0]
		for _, want := range []string{"env main", "PRODUCTION", "READ-ONLY", "✓"} {
			if !strings.Contains(header, want) {
				t.Errorf("at %d columns the header %q lacks %q", w, header, want)
			}
		}
		if w < 120 && strings.Contains(header, "updated just now") {
			t.Errorf("at %d columns the header keeps the freshness wording: %q", w, header)
		}
	}
	// Stale data says so at every width.
	h.fc.FailAll(unavailable())
	h.poll()
	for _, w := range []int{60, 80, 160} {
		h.send(windowSize(w, 24))
		if header := strings.Split(h.view(), "\n")[0]; !strings.Contains(header, "stale") || !strings.Contains(header, "env main") {
			t.Errorf("at %d columns the stale header is %q", w, header)
		}
	}
}

// TestEveryHelpKeyIsReachable scrolls the help at 80×24 and 60×16 and
// finds every key of each pane in it.
func TestEveryHelpKeyIsReachable(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {60, 16}, {60, 12}} {
		for _, open := range [][]string{{"1"}, {}, {"enter"}, {"4"}} {
			h := newHarness(t, fleet(), Config{Env: "main"})
			h.send(windowSize(sz.w, sz.h))
			h.settle()
			h.key(open...)
			h.settle()
			h.key("?")
			seen := h.view()
			for range 40 {
				h.key("down")
				seen += h.view()
			}
			for _, g := range h.m.helpKeys(pane.HelpKeys{Full: h.m.current().pane.FullHelp()}).FullHelp() {
				for _, b := range g {
					if !strings.Contains(seen, b.Help().Key+" ") || !strings.Contains(seen, b.Help().Desc) {
						t.Errorf("%dx%d, %s pane: help never shows %q %q", sz.w, sz.h, h.m.cur.Kind, b.Help().Key, b.Help().Desc)
					}
				}
			}
			if !strings.Contains(h.view(), "↑ more above") && strings.Contains(seen, "↓ more below") {
				t.Errorf("%dx%d: scrolled to the end, the help does not say there is more above:\n%s", sz.w, sz.h, h.view())
			}
			h.key("esc", "?")
			if v := h.view(); strings.Contains(v, "↑ more above") {
				t.Errorf("%dx%d: the help opens scrolled:\n%s", sz.w, sz.h, v)
			}
		}
	}
}

// TestScaleFormDiffStaysInView: however small the terminal, the change
// Enter would apply is on screen, with the reset legend, wherever the
// focus is.
func TestScaleFormDiffStaysInView(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {60, 16}, {60, 12}} {
		h := newHarness(t, fleet(), Config{Env: "staging-eu-west"})
		h.send(windowSize(sz.w, sz.h))
		h.settle()
		h.key("s", "tab")
		h.typeText("5")
		for i := range 12 {
			v := h.view()
			for _, want := range []string{"Changes", "max concurrency", "40 → 405", "fal resets this field"} {
				if !strings.Contains(v, want) {
					t.Fatalf("%dx%d, focus on field %d: the form lacks %q:\n%s", sz.w, sz.h, i+1, want, v)
				}
			}
			if !strings.Contains(v, "› ") {
				t.Fatalf("%dx%d, focus on field %d: the focused field is not shown:\n%s", sz.w, sz.h, i+1, v)
			}
			h.key("tab")
		}
	}
}
