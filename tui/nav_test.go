package tui

import (
	"strings"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
	"github.com/faldash/faldash/views/runners"
)

func runnerCursor(t *testing.T, h *harness) client.RunnerID {
	t.Helper()
	p, ok := h.m.current().pane.(*runners.Pane)
	if !ok {
		t.Fatalf("visible pane is %T", h.m.current().pane)
	}
	id, _ := p.Cursor()
	return id
}

func breadcrumb(h *harness) string {
	return strings.Split(h.view(), "\n")[1]
}

func TestDrillDownAndBack(t *testing.T) {
	h := started(t, seeded(), Config{})
	steps := []struct {
		key, crumb string
		kind       pane.Kind
	}{
		{"down", "fal › environments", pane.Environments},
		{"enter", "fal › staging › apps", pane.Apps},
		{"enter", "fal › staging › my-app › runners", pane.Runners},
		{"enter", "fal › staging › my-app › runners › r-0001", pane.Runner},
	}
	for _, s := range steps {
		h.key(s.key)
		if h.m.cur.Kind != s.kind || !strings.HasPrefix(breadcrumb(h), s.crumb) {
			t.Fatalf("after %s: pane %s, breadcrumb %q, want %s %q", s.key, h.m.cur.Kind, breadcrumb(h), s.kind, s.crumb)
		}
	}
	h.viewContains("State         ● running", "req-1", "logs need fal's REST API")

	for _, want := range []string{"fal › staging › my-app › runners", "fal › staging › apps", "fal › environments"} {
		h.key("esc")
		if !strings.HasPrefix(breadcrumb(h), want) {
			t.Fatalf("esc: breadcrumb %q, want %q", breadcrumb(h), want)
		}
	}
	// Coming back, the cursor is still on staging: the pane was cached.
	h.viewContains("▌  staging")
	h.key("esc") // nowhere further
	if h.m.cur.Kind != pane.Environments {
		t.Errorf("esc on the top pane went to %s", h.m.cur.Kind)
	}
}

func TestEscGoesUpWithoutHistory(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("esc")
	if !strings.HasPrefix(breadcrumb(h), "fal › environments") {
		t.Errorf("esc from the start pane: %q", breadcrumb(h))
	}
}

func TestNumberKeysJump(t *testing.T) {
	h := started(t, seeded(), Config{})
	h.key("3")
	h.viewContains("No app chosen: open one from the apps pane (2) first.")
	if h.m.cur.Kind != pane.Environments {
		t.Fatal("3 without an app left the pane")
	}
	h.key("4")
	h.viewContains("fal › main › secrets", "No secrets in main.")
	h.key("1", "down", "enter") // staging's apps
	h.key("enter")              // my-app's runners
	h.key("2")
	h.viewContains("fal › staging › apps")
	h.key("3")
	h.viewContains("fal › staging › my-app › runners")
	h.key("4")
	h.viewContains("fal › staging › secrets", "HF_TOKEN", "DB_URL")
	h.key("1")
	h.viewContains("fal › environments")
	// Esc retraces the jumps.
	h.key("esc")
	h.viewContains("fal › staging › secrets")
}

func TestFilter(t *testing.T) {
	h := started(t, seeded(), Config{})
	h.key("/")
	h.typeText("stag")
	h.viewContains("/stag█", "1 of 3 environments match /stag", "pre-production")
	h.viewLacks("scratch space")
	h.key("enter") // keep it; keys go back to the table
	h.viewContains("filter /stag · esc clears")
	h.key("enter") // opens staging, the only row
	h.viewContains("fal › staging › apps")
	h.key("esc")
	h.viewContains("1 of 3 environments") // the filter survived the trip
	h.key("esc")                          // clears the filter first
	h.viewContains("3 environments", "scratch space")
	if h.m.cur.Kind != pane.Environments {
		t.Error("esc with a filter left the pane")
	}

	// Esc while typing drops the filter too.
	h.key("/")
	h.typeText("dev")
	h.viewLacks("pre-production")
	h.key("esc")
	h.viewContains("pre-production", "scratch space")
	// `q` typed in the filter is text, not quit.
	h.key("/", "q")
	if h.quit {
		t.Fatal("q in the filter quit")
	}
	h.key("backspace", "esc")
}

func TestCommandLine(t *testing.T) {
	fc := seeded()
	h := started(t, fc, Config{})

	run := func(line string) {
		t.Helper()
		h.key(":")
		h.typeText(line)
		h.key("enter")
	}
	run("apps")
	h.viewContains("fal › main › apps")
	run("runners") // the app under the cursor
	if h.m.cur != pane.RunnersKey("main", "my-app") {
		t.Errorf(":runners from main's apps opened %v", h.m.cur)
	}
	run("secrets")
	h.viewContains("fal › main › secrets")
	run("envs")
	h.viewContains("fal › environments")

	fc.Reset()
	run("env staging")
	h.viewContains("fal › staging › apps", "env staging")
	if got := fc.CallsTo("ListEnvironments"); len(got) != 1 {
		t.Errorf("`:env` checked the environment %d times", len(got))
	}
	run("env nope")
	h.viewContains(`no environment named "nope"`, "fal › staging › apps")
	run("env Bad")
	h.viewContains("must start with a lowercase letter")
	run("env")
	h.viewContains("usage: :env NAME")
	run("frobnicate")
	h.viewContains(`unknown command ":frobnicate": try :envs, :apps, :runners, :secrets, :env NAME, :q`)
	run("apps extra")
	h.viewContains(":apps takes no argument")

	// Tab completes a unique prefix.
	h.key(":")
	h.typeText("se")
	h.key("tab")
	h.viewContains(":secrets█")
	h.key("esc")
	h.viewLacks(":secrets█")

	run("q")
	if !h.quit {
		t.Error(":q did not quit")
	}
}

func TestEnvCheckFailureIsReported(t *testing.T) {
	fc := seeded()
	h := started(t, fc, Config{Env: "staging"})
	fc.Fail("ListEnvironments", unavailable())
	h.key(":")
	h.typeText("env dev")
	h.send(uitest.Key("enter"))
	h.viewContains("switching to dev…")
	h.settle()
	h.viewContains("can't switch to dev: list: cannot reach the controller at 127.0.0.1:7070", "fal › staging › apps")
}

func TestQuitKeys(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		h := started(t, seeded(), Config{})
		h.key(k)
		if !h.quit {
			t.Errorf("%s did not quit", k)
		}
	}
	// Ctrl+C quits even while typing.
	h := newHarness(t, seeded(), Config{})
	h.key(":", "ctrl+c")
	if !h.quit {
		t.Error("ctrl+c in the command line did not quit")
	}
}

func TestHelpScreen(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("enter", "?")
	h.viewContains("Keys of the runners pane", "show terminated", "sort by next column", "reverse sort", "environments", "quit now")
	h.key("j") // ignored
	h.viewContains("Keys of the runners pane")
	h.key("?")
	h.viewLacks("Keys of the runners pane")
	h.key("?", "esc")
	h.viewLacks("Keys of the runners pane")
	if h.m.cur.Kind != pane.Runners {
		t.Error("esc closing help also went back")
	}
}

func TestRunnersToggleTerminatedAndMark(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("enter")
	h.viewLacks("r-0000")
	h.viewContains("✕ terminated hidden")
	h.fc.Reset()
	h.key("t")
	calls := h.fc.CallsTo("ListAppRunners")
	if len(calls) != 1 || !calls[0].Query.TerminatedSince.Equal(h.clock.now.Add(-runners.TerminatedWindow)) {
		t.Fatalf("after t: calls %+v, want one with TerminatedSince an hour ago", calls)
	}
	h.viewContains("r-0000", "✕ terminated", "replaced", "✕ 1 terminated", "showing runners terminated in the last hour")
	h.key("t")
	h.viewLacks("r-0000")

	h.key(" ")
	if p := h.m.current().pane.(*runners.Pane); len(p.Marked()) != 1 || p.Marked()[0] != "r-0001" {
		t.Errorf("marked %v", p.Marked())
	}
	h.viewContains(" ✓ r-0001")
}

func TestLiveColumnsTickWithoutCalls(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("enter")
	h.viewContains("45s      12m", "1h05m")
	h.fc.Reset()
	for range 60 {
		if fire[clockMsg](h) != 1 {
			t.Fatal("the one-second tick stopped")
		}
	}
	h.viewContains("0s      13m", "1h06m", "updated 1m ago")
	if n := len(h.fc.Calls()); n != 0 {
		t.Errorf("the clock made %d calls", n)
	}
}

func TestStatusClearedOnlyBySameSequence(t *testing.T) {
	h := started(t, seeded(), Config{})
	h.send(pane.Status{Text: "first"})
	first := scheduled[clearStatusMsg](h)
	h.send(pane.Status{Text: "second"})
	// The first message's clear fires: the second message stays.
	h.send(clearStatusMsg{seq: h.m.statusSeq - 1})
	h.viewContains("second")
	h.send(clearStatusMsg{seq: h.m.statusSeq})
	h.viewLacks("second")
	if len(first) != 1 || first[0] != statusTTL {
		t.Errorf("message cleared after %v", first)
	}
}
