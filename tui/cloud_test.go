package tui

import (
	"strings"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/views/pane"
)

func lastLogQuery(t *testing.T, fc *fakeclient.Client) client.LogQuery {
	t.Helper()
	calls := fc.CallsTo("RunnerLogs")
	if len(calls) == 0 {
		t.Fatal("no RunnerLogs call")
	}
	return calls[len(calls)-1].Logs
}

func TestLogSearchKeyFlow(t *testing.T) {
	h := newHarness(t, cloudTeam(), Config{Env: "staging"})
	h.parkLoads = true
	h.settle()
	h.key("enter", "enter")
	h.readLogs(9)

	// `/` opens the search line; typing asks for nothing yet.
	h.key("/")
	if h.m.mode != modeFilter || strings.Contains(h.status(), "Nothing to filter") {
		t.Fatalf("/ in the runner detail: mode %d, status %q", h.m.mode, h.status())
	}
	h.viewContains("enter search", "esc clear search")
	h.typeText("ValueError")
	if n := len(h.fc.CallsTo("RunnerLogs")); n != 1 {
		t.Errorf("%d RunnerLogs calls while typing, want the first only", n)
	}

	// Enter restarts the stream with fal's search parameter.
	h.key("enter")
	h.readLogs(4)
	if q := lastLogQuery(t, h.fc); q != (client.LogQuery{Tail: 500, Follow: true, Search: "ValueError"}) {
		t.Errorf("search query %+v", q)
	}
	h.viewContains(`LOGS  search "ValueError" · 4 lines · following`, "ValueError: bad prompt")
	h.viewLacks("POST /predict")

	// `/` again edits the search; Esc clears it and every line comes back.
	h.key("/")
	if got := h.m.input.Value(); got != "ValueError" {
		t.Errorf("the search line opened with %q", got)
	}
	h.key("esc")
	h.readLogs(9)
	if q := lastLogQuery(t, h.fc); q.Search != "" {
		t.Errorf("cleared search still sent %q", q.Search)
	}
	h.viewLacks(`search "`)

	// An empty search when there is none restarts nothing.
	n := len(h.fc.CallsTo("RunnerLogs"))
	h.key("/", "enter")
	if got := len(h.fc.CallsTo("RunnerLogs")); got != n || len(h.parked) != 1 {
		t.Errorf("an empty search made %d calls, %d loads", got-n, len(h.parked)-1)
	}
}

func TestQueuesArePolledOnlyWhileTheAppsShow(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	queueCalls := func() int { return len(h.fc.CallsTo("QueueSize")) }
	h.viewContains("RUNNERS  QUEUE", "public        3      3")
	h.poll()
	if n := queueCalls(); n != 4 {
		t.Errorf("%d queue calls after two polls of two apps, want 4", n)
	}

	// An answer in flight when the pane is left is dropped.
	h.fc.SetQueue("staging", "my-app", 5)
	fire[pollTickMsg](h)
	inFlight := take[fetchedMsg](h)
	h.key("4")
	h.send(inFlight[0])
	h.settle()
	apps := h.m.entry(pane.AppsKey("staging")).pane
	if v := apps.View(); !strings.Contains(v, "public        3      3") {
		t.Errorf("an answer that came after leaving reached the apps:\n%s", v)
	}

	// The secrets poll; the queues are not asked for.
	n := queueCalls()
	for range 3 {
		h.poll()
	}
	if got := queueCalls(); got != n {
		t.Errorf("%d queue calls while the secrets showed", got-n)
	}

	// Back on the apps, they are asked for at once.
	h.fc.SetQueue("staging", "my-app", 7)
	h.key("2")
	h.viewContains("public        3      7")
}

func TestHeaderSaysWhichAccount(t *testing.T) {
	for _, tc := range []struct {
		target      client.Target
		want, lacks string
	}{
		{client.Target{Kind: client.TargetCloud, Addr: "api.alpha.fal.ai:443", User: "alice", Account: "my-team"},
			"faldash  fal cloud api.alpha.fal.ai:443 as my-team  │", "alice"},
		{client.Target{Kind: client.TargetCloud, Addr: "api.alpha.fal.ai:443", User: "alice"},
			"faldash  fal cloud api.alpha.fal.ai:443 as alice  │", ""},
		{client.Target{Kind: client.TargetLocal, Addr: "127.0.0.1:7777"}, "faldash  local 127.0.0.1:7777  │", " as "},
		{client.Target{Kind: client.TargetCloud, Addr: "h", Account: "team" + evil}, "fal cloud h as team  │", "\x1b"},
	} {
		h := started(t, seedInto(fakeclient.New(tc.target)), Config{})
		head := strings.Split(h.view(), "\n")[0]
		if !strings.Contains(head, tc.want) || (tc.lacks != "" && strings.Contains(head, tc.lacks)) {
			t.Errorf("header %q, want %q without %q", head, tc.want, tc.lacks)
		}
	}
}
