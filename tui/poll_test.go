package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
)

func unavailable() error {
	return &client.Error{Kind: client.Unavailable, Op: "list", Addr: "127.0.0.1:7070", Err: errors.New("connection refused")}
}

func methods(h *harness) []string {
	var out []string
	for _, c := range h.fc.Calls() {
		out = append(out, c.Method)
	}
	return out
}

func TestFirstFrameLoadsThenShowsData(t *testing.T) {
	h := newHarness(t, seeded(), Config{})
	h.viewContains("Loading environments…", "loading…", "fal › environments")
	if got := methods(h); !slices.Equal(got, []string{"ListEnvironments"}) {
		t.Fatalf("calls before the first answer: %v", got)
	}
	if len(scheduled[spinMsg](h)) != 1 {
		t.Error("no spinner while loading")
	}
	h.settle()
	h.viewContains("staging", "pre-production checks", "updated just now", "connected")
	h.viewLacks("Loading")
	if d := scheduled[pollTickMsg](h); !slices.Equal(d, []time.Duration{DefaultRefresh}) {
		t.Errorf("next poll in %v, want [%v]", d, DefaultRefresh)
	}

	// The spinner stops once its frame fires with nothing loading.
	fire[spinMsg](h)
	if n := len(scheduled[spinMsg](h)); n != 0 {
		t.Errorf("spinner still scheduled after load: %d", n)
	}
}

func TestStartsInEnvApps(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	calls := h.fc.Calls()
	if len(calls) != 3 || calls[0].Method != "ListApps" || calls[0].Env != "staging" ||
		calls[1].Method != "QueueSize" || calls[2].Method != "QueueSize" {
		t.Fatalf("calls %+v, want one ListApps of staging, then the queue of each app", calls)
	}
	h.viewContains("fal › staging › apps", "image-gen", "env staging")
	h.viewLacks("PRODUCTION")
}

func TestPollsAtIntervalWithOneCallAtATime(t *testing.T) {
	h := started(t, seeded(), Config{})
	h.fc.Reset()

	// A poll goes out; its answer is held back.
	fire[pollTickMsg](h)
	if got := len(h.fc.Calls()); got != 1 {
		t.Fatalf("%d calls after the tick, want 1", got)
	}
	answer := take[fetchedMsg](h)
	if len(answer) != 1 {
		t.Fatalf("want one answer pending, got %d", len(answer))
	}
	if n := len(scheduled[pollTickMsg](h)); n != 0 {
		t.Fatalf("a poll is armed while one is in flight")
	}

	// Nothing starts another call while it is in flight: not a stale tick,
	// not a refresh request, not the clock.
	h.send(pollTickMsg{seq: h.m.poll.tickSeq})
	h.send(pollTickMsg{seq: h.m.poll.tickSeq - 1})
	h.send(uitest.Key("ctrl+r"))
	h.send(pane.Refresh{})
	fire[clockMsg](h)
	if got := len(h.fc.Calls()); got != 1 {
		t.Fatalf("%d calls while one was in flight, want 1", got)
	}

	// The answer arrives: the refresh asked for meanwhile goes out now.
	h.send(answer[0])
	if got := len(h.fc.Calls()); got != 2 {
		t.Fatalf("%d calls after the answer, want the requested refresh", got)
	}
	h.settle()
	if d := scheduled[pollTickMsg](h); !slices.Equal(d, []time.Duration{DefaultRefresh}) {
		t.Errorf("next poll in %v", d)
	}
}

func TestAnswerForLeftPaneIsDropped(t *testing.T) {
	h := started(t, seeded(), Config{})
	h.fc.Reset()

	fire[pollTickMsg](h) // environments are being listed...
	pending := take[fetchedMsg](h)
	h.send(uitest.Key("2")) // ...when the user jumps to the apps of main
	if got := methods(h); !slices.Equal(got, []string{"ListEnvironments"}) {
		t.Fatalf("calls before the old answer arrived: %v (two would be in flight)", got)
	}

	// The environments answer now brings a fourth environment: it must not
	// reach the environments pane, and the apps call goes out.
	h.fc.SetEnvironments(client.Environment{Name: "late"})
	h.send(pending[0])
	envs := h.m.entry(pane.EnvironmentsKey())
	if f := envs.pane.(pane.Filterable); f.Total() != 3 {
		t.Errorf("environments pane has %d rows: the stale answer was applied", f.Total())
	}
	if got := methods(h); !slices.Equal(got, []string{"ListEnvironments", "ListApps", "QueueSize"}) {
		t.Fatalf("calls %v, want the apps (and their queues) listed after the dropped answer", got)
	}
	h.settle()
	h.viewContains("fal › main › apps", "my-app")
}

// ghostAnswer is a real answer to the Fetch of k's pane, from a controller
// that lists an environment and an app named ghost: had it been taken, the
// view would show them.
func ghostAnswer(t *testing.T, k pane.Key) pane.Answer {
	t.Helper()
	fc := fakeclient.New(demoTarget())
	fc.SetEnvironments(client.Environment{Name: "ghost"})
	fc.SetApps("main", client.App{Name: "ghost"})
	a := New(Config{Client: fc}).entry(k).pane.Fetch()(t.Context())
	if a.Err() != nil {
		t.Fatal(a.Err())
	}
	return a
}

func TestAnswerOfOlderGenerationIsDropped(t *testing.T) {
	h := started(t, seeded(), Config{})
	gen := h.m.poll.gen
	h.fc.Reset()

	ghosts := ghostAnswer(t, pane.EnvironmentsKey())
	h.send(fetchedMsg{origin: pane.Origin{Key: pane.EnvironmentsKey(), Gen: gen - 1}, answer: ghosts})
	h.send(fetchedMsg{origin: pane.Origin{Key: pane.EnvironmentsKey(), Gen: gen}, answer: ghosts}) // answered already
	h.viewLacks("ghost")
	if len(h.fc.Calls()) != 0 || len(scheduled[pollTickMsg](h)) != 1 {
		t.Errorf("stale answers changed the poll loop: calls %v, ticks %v", h.fc.Calls(), scheduled[pollTickMsg](h))
	}

	// And an answer for a pane that is not the visible one.
	fire[pollTickMsg](h)
	h.take()
	h.send(fetchedMsg{origin: pane.Origin{Key: pane.AppsKey("main"), Gen: h.m.poll.gen},
		answer: ghostAnswer(t, pane.AppsKey("main"))})
	h.viewLacks("ghost")
	if !h.m.poll.inFlight {
		t.Error("a foreign answer ended the call in flight")
	}
}

// take drops every pending message.
func (h *harness) take() { h.out = nil }

func TestBackoffOnErrorsAndRecovery(t *testing.T) {
	h := started(t, seeded(), Config{})
	h.fc.FailAll(unavailable())

	want := []time.Duration{4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, d := range want {
		h.poll()
		got := scheduled[pollTickMsg](h)
		if !slices.Equal(got, []time.Duration{d}) {
			t.Fatalf("after %d failures next poll in %v, want %v", i+1, got, d)
		}
		if i == 0 {
			h.viewContains("↻ retrying in 4s", "stale · updated 2s ago", "cannot reach the controller", "staging")
		}
	}
	h.viewContains("stale  ✗ unreachable · last data 1m ago · retrying in 30s")

	h.fc.FailAll(nil)
	h.poll()
	if got := scheduled[pollTickMsg](h); !slices.Equal(got, []time.Duration{DefaultRefresh}) {
		t.Errorf("after recovery next poll in %v", got)
	}
	h.viewContains("✓ connected", "updated just now")
	h.viewLacks("stale", "unreachable", "cannot reach")
}

func TestErrorBeforeAnyDataIsShownNotHung(t *testing.T) {
	fc := seeded()
	fc.Fail("ListEnvironments", &client.Error{Kind: client.Unauthenticated, Op: "list environments"})
	h := started(t, fc, Config{})
	h.viewContains("Can't show environments", "not authorized", "check FAL_KEY", "no data", "retrying in 4s")
	h.viewLacks("Loading")
	if len(scheduled[pollTickMsg](h)) != 1 {
		t.Error("no retry scheduled")
	}
	fc.Fail("ListEnvironments", nil)
	h.poll()
	h.viewContains("staging", "✓ connected")
}

func TestRefreshClamp(t *testing.T) {
	for _, tc := range []struct{ in, want time.Duration }{
		{0, DefaultRefresh}, {100 * time.Millisecond, MinRefresh}, {5 * time.Second, 5 * time.Second},
	} {
		h := started(t, seeded(), Config{Refresh: tc.in})
		if got := scheduled[pollTickMsg](h); !slices.Equal(got, []time.Duration{tc.want}) {
			t.Errorf("Refresh %v: next poll in %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestCursorKeptByIDAcrossRefresh(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("enter")        // my-app
	h.key("down", "down") // r-0003
	id := runnerCursor(t, h)
	if id != "r-0003" {
		t.Fatalf("cursor on %s", id)
	}
	// The next answer lists the runners in another order, one gone.
	fc := h.fc
	rs, _ := fc.ListAppRunners(t.Context(), "staging", "my-app", client.RunnerQuery{})
	slices.Reverse(rs)
	fc.SetRunners("staging", "my-app", slices.DeleteFunc(rs, func(r client.Runner) bool { return r.ID == "r-0001" })...)
	h.poll()
	if got := runnerCursor(t, h); got != "r-0003" {
		t.Errorf("cursor moved to %s after the refresh", got)
	}
}

// quietApp is staging's app "quiet" with a runner up for an hour and one
// up for 20 seconds.
func quietApp() *fakeclient.Client {
	fc := seeded()
	fc.SetApps("staging", client.App{Name: "quiet", Env: "staging"})
	fc.SetRunners("staging", "quiet",
		client.Runner{ID: "old", State: client.StateRunning, Uptime: time.Hour},
		client.Runner{ID: "young", State: client.StateRunning, Uptime: 20 * time.Second},
	)
	return fc
}

// changedLines are the lines of b that differ from a's: what Bubble Tea's
// renderer writes to go from a to b.
func changedLines(a, b string) []string {
	as, bs := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i, l := range bs {
		if i >= len(as) || as[i] != l {
			out = append(out, l)
		}
	}
	return out
}

// TestIdleScreenIsQuiet: between polls that change nothing, a second's
// tick redraws only what reads differently: the uptime under a minute,
// and nothing once every uptime is past it and the header's freshness.
func TestIdleScreenIsQuiet(t *testing.T) {
	h := started(t, quietApp(), Config{Env: "staging"})
	h.send(pane.Open{Key: pane.RunnersKey("staging", "quiet")})
	h.settle()
	before := h.view()
	if fire[clockMsg](h) != 1 {
		t.Fatal("no clock tick")
	}
	if got := changedLines(before, h.view()); len(got) != 1 || !strings.Contains(got[0], "young") || !strings.Contains(got[0], "21s") {
		t.Errorf("a tick changed %q, want the young runner's line alone", got)
	}

	h.fc.SetRunners("staging", "quiet", client.Runner{ID: "old", State: client.StateRunning, Uptime: time.Hour})
	h.poll()
	h.poll() // the young runner's removal is no longer marked
	before = h.view()
	for range 3 {
		fire[clockMsg](h)
		if got := changedLines(before, h.view()); len(got) != 0 {
			t.Fatalf("an idle second redrew %q", got)
		}
	}
}

// TestStaleDataStopsTicking: once polls fail, uptimes stop where they were.
func TestStaleDataStopsTicking(t *testing.T) {
	h := started(t, quietApp(), Config{Env: "staging"})
	h.send(pane.Open{Key: pane.RunnersKey("staging", "quiet")})
	h.settle()
	h.fc.FailAll(unavailable())
	h.poll()
	young := func() string {
		for _, l := range strings.Split(h.view(), "\n") {
			if strings.Contains(l, "young") {
				return l
			}
		}
		t.Fatalf("no young runner:\n%s", h.view())
		return ""
	}
	stale := young()
	for range 5 {
		fire[clockMsg](h)
	}
	if got := young(); got != stale {
		t.Errorf("stale data ticked: %q, then %q", stale, got)
	}
	h.fc.FailAll(nil)
	for !strings.Contains(h.view(), "connected") {
		h.poll()
	}
	if got := young(); got == stale {
		t.Errorf("fresh data still shows %q", got)
	}
}

// TestHugeAppShowsItsFirstRowsThenAll: the header says when only the
// first rows of a huge listing are shown, until all are.
func TestHugeAppShowsItsFirstRowsThenAll(t *testing.T) {
	fc := seeded()
	fc.SetApps("staging", client.App{Name: "huge", Env: "staging"})
	rs := make([]client.Runner, 6000)
	for i := range rs {
		rs[i] = client.Runner{ID: client.RunnerID(fmt.Sprintf("r-%05d", i)), State: client.StateRunning, Uptime: time.Hour}
	}
	fc.SetRunners("staging", "huge", rs...)
	h := newHarness(t, fc, Config{Env: "staging"})
	h.parkLoads = true
	h.settle()
	h.send(pane.Open{Key: pane.RunnersKey("staging", "huge")})
	h.settle()
	h.viewContains("first 500 of 6000 runners…", "r-00000")
	h.runParked()
	h.viewContains("6000 runners")
	h.viewLacks("first 500")
}
