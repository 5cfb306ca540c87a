package runners

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/internal/ui/table"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
)

func dur(d time.Duration) *time.Duration { return &d }

func sample() []client.Runner {
	return []client.Runner{
		{ID: "r-1", State: client.StateRunning, InFlight: 3, Uptime: time.Hour, MachineType: "GPU", Revision: "abcdef0123"},
		{ID: "r-2", State: client.StateIdle, ExpiresIn: dur(30 * time.Second), Uptime: time.Minute},
		{ID: "r-3", State: client.StatePending},
		{ID: "r-4", State: client.StateDockerPull, Uptime: 5 * time.Second},
		{ID: "r-5", State: client.StateFailureDelay},
		{ID: "r-6", State: client.StateDraining, Replacement: client.WillReplace},
		{ID: "r-7", State: client.StateTerminated, Replacement: client.DidReplace, Uptime: 2 * time.Hour},
	}
}

type fixture struct {
	p     *Pane
	fc    *fakeclient.Client
	now   *time.Time
	fresh *pane.Freshness // the root's record of the pane's data
}

// newFixture builds the runners pane of my-app in staging over fc.
func newFixture(fc *fakeclient.Client, now *time.Time) *fixture {
	d := panetest.Deps(fc, now)
	fresh := panetest.Fresh(&d)
	return &fixture{p: New(d, "staging", "my-app", NewHistory()), fc: fc, now: now, fresh: fresh}
}

func setup(t *testing.T, rs ...client.Runner) *fixture {
	t.Helper()
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	fc.SetRunners("staging", "my-app", rs...)
	f := newFixture(fc, &now)
	f.p.SetSize(140, 14)
	f.load(t)
	return f
}

func (f *fixture) load(t *testing.T) {
	t.Helper()
	panetest.Poll(f.p, f.fresh, *f.now)
}

func TestCount(t *testing.T) {
	got := Count(sample())
	want := Counts{Running: 1, Idle: 1, Pending: 1, DockerPull: 1, Backoff: 1, Draining: 1, Terminated: 1}
	if got != want {
		t.Errorf("Count = %+v, want %+v", got, want)
	}
	if got.Live() != 6 {
		t.Errorf("Live = %d", got.Live())
	}
	if c := Count([]client.Runner{{State: "WARM_POOL"}}); c.Unknown != 1 {
		t.Errorf("a new state is not counted as unknown: %+v", c)
	}
}

func TestFetchQueryFollowsTerminatedToggle(t *testing.T) {
	f := setup(t, sample()...)
	calls := f.fc.CallsTo("ListAppRunners")
	if len(calls) != 1 || calls[0].Env != "staging" || calls[0].App != "my-app" ||
		!calls[0].Query.IncludePending || !calls[0].Query.TerminatedSince.IsZero() {
		t.Fatalf("first call %+v", calls)
	}
	if _, ok := f.p.table.Value("r-7"); ok {
		t.Error("terminated runner shown before t")
	}

	msgs := panetest.Msgs(f.p.Update(uitest.Key("t")))
	if !slices.ContainsFunc(msgs, func(m tea.Msg) bool { _, ok := m.(pane.Refresh); return ok }) {
		t.Errorf("t did not ask for a refresh: %#v", msgs)
	}
	f.fc.Reset()
	f.load(t)
	q := f.fc.CallsTo("ListAppRunners")[0].Query
	if !q.TerminatedSince.Equal(f.now.Add(-time.Hour)) {
		t.Errorf("TerminatedSince %v, want an hour before %v", q.TerminatedSince, *f.now)
	}
	if _, ok := f.p.table.Value("r-7"); !ok {
		t.Error("terminated runner not shown after t")
	}
	if !strings.Contains(f.p.View(), "✕ 1 terminated") {
		t.Errorf("summary:\n%s", f.p.View())
	}

	// Off again: the terminated runner goes at once, without a listing.
	f.p.Update(uitest.Key("t"))
	if _, ok := f.p.table.Value("r-7"); ok {
		t.Error("terminated runner still shown after the second t")
	}
	if got := f.p.table.IDs(); !slices.Equal(got, []client.RunnerID{"r-1", "r-2", "r-3", "r-4", "r-5", "r-6"}) {
		t.Errorf("order after hiding: %v", got)
	}
}

func TestSummaryAndCells(t *testing.T) {
	f := setup(t, sample()...)
	v := f.p.View()
	for _, want := range []string{
		"6 live", "● 1 running", "○ 1 idle", "◌ 1 pending", "↓ 1 pulling image", "◐ 0 setting up", "↻ 1 crash backoff",
		"◑ 1 draining", "✕ terminated hidden", "history",
		"● running", "↓ pulling image", "abcdef01", "being replaced",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
}

func TestLiveColumnsTick(t *testing.T) {
	f := setup(t, sample()...)
	cell := func(id client.RunnerID, col int) string {
		t.Helper()
		r, ok := f.p.table.Value(id)
		if !ok {
			t.Fatalf("no runner %s", id)
		}
		c := table.Clock{Now: *f.now, Listed: f.p.table.Listed()}
		if col == colExpires {
			return expiresCell(r, c)
		}
		return uptimeCell(r, c)
	}
	if cell("r-2", colExpires) != "30s" || cell("r-1", colUptime) != "1h00m" {
		t.Fatalf("expires %q uptime %q", cell("r-2", colExpires), cell("r-1", colUptime))
	}
	*f.now = f.now.Add(45 * time.Second)
	f.p.Update(pane.Tick{})
	for _, c := range []struct {
		id   client.RunnerID
		col  int
		want string
	}{
		{"r-2", colExpires, "0s"},   // floored, not negative
		{"r-2", colUptime, "1m40s"}, // idle runners age; past a minute, by ten seconds
		{"r-1", colUptime, "1h00m"}, // 1h00m45s shows as 1h00m
		{"r-1", colExpires, "-"},    // not counting down
		{"r-3", colUptime, "-"},     // pending: never started
		{"r-5", colUptime, "-"},     // crash backoff: never started
		{"r-4", colUptime, "50s"},   // pulling the image: its setup runs
	} {
		if got := cell(c.id, c.col); got != c.want {
			t.Errorf("%s column %d = %q, want %q", c.id, c.col, got, c.want)
		}
	}
}

func TestEnterAndLogsOpenDetail(t *testing.T) {
	f := setup(t, sample()...)
	f.p.Update(uitest.Key("down"))
	for _, k := range []string{"enter", "l"} {
		msgs := panetest.Msgs(f.p.Update(uitest.Key(k)))
		if len(msgs) != 1 || msgs[0] != (pane.Open{Key: pane.RunnerKey("staging", "my-app", "r-2")}) {
			t.Errorf("%s gave %#v", k, msgs)
		}
	}
}

func TestMarkToggles(t *testing.T) {
	f := setup(t, sample()...)
	f.p.Update(uitest.Key(" "))
	f.p.Update(uitest.Key(" "))
	if got := f.p.Marked(); !slices.Equal(got, []client.RunnerID{"r-1", "r-2"}) {
		t.Errorf("marked %v", got)
	}
	f.p.Update(uitest.Key("up"))
	f.p.Update(uitest.Key(" "))
	if got := f.p.Marked(); !slices.Equal(got, []client.RunnerID{"r-1"}) {
		t.Errorf("marked after unmarking r-2: %v", got)
	}
}

func TestCursorKeptAcrossRefresh(t *testing.T) {
	f := setup(t, sample()...)
	f.p.Update(uitest.Key("down"))
	f.p.Update(uitest.Key("down")) // r-3
	rs := sample()
	slices.Reverse(rs)
	f.fc.SetRunners("staging", "my-app", rs[1:]...)
	f.load(t)
	if id, _ := f.p.Cursor(); id != "r-3" {
		t.Errorf("cursor on %s", id)
	}
}

func TestHistoryRecordsEachAnswer(t *testing.T) {
	f := setup(t, sample()[:1]...)
	f.fc.SetRunners("staging", "my-app", sample()[:3]...)
	f.load(t)
	got := f.p.history.Samples("my-app--staging")
	if len(got) != 2 || got[0].Running != 1 || got[1].Idle != 1 || got[1].Pending != 1 {
		t.Errorf("samples %+v", got)
	}
	// An error records nothing.
	f.fc.Fail("ListAppRunners", context.DeadlineExceeded)
	f.load(t)
	if n := len(f.p.history.Samples("my-app--staging")); n != 2 {
		t.Errorf("%d samples after an error", n)
	}
}

func TestHistoryIsBounded(t *testing.T) {
	h := NewHistory()
	for i := range maxSamples + 10 {
		h.Record("a", Counts{Running: i})
	}
	s := h.Samples("a")
	if len(s) != maxSamples || s[0].Running != 10 {
		t.Errorf("%d samples from %d", len(s), s[0].Running)
	}
}

func TestSparkline(t *testing.T) {
	for _, tc := range []struct {
		values []int
		top    int
		want   string
	}{
		{[]int{0, 1, 2, 4, 8}, 8, "·▁▂▄█"},
		{[]int{1, 100}, 100, "▁█"},
		{[]int{3}, 0, "·"},
		{nil, 5, ""},
	} {
		if got := sparkline(tc.values, tc.top); got != tc.want {
			t.Errorf("sparkline(%v, %d) = %q, want %q", tc.values, tc.top, got, tc.want)
		}
	}
}

func TestHistoryLineFitsWidth(t *testing.T) {
	st := uitest.Styles(termenv.Ascii)
	var samples []Counts
	for i := range 300 {
		samples = append(samples, Counts{Running: i % 5, Idle: 1, Setup: i % 2})
	}
	for _, w := range []int{10, 40, 80, 200} {
		line := historyLine(st, samples, w)
		if got := len([]rune(line)); got > w {
			t.Errorf("width %d: line is %d: %q", w, got, line)
		}
	}
	if got := historyLine(st, samples[:0], 80); !strings.Contains(got, "none yet") {
		t.Errorf("empty history: %q", got)
	}
	if got := historyLine(st, []Counts{{}}, 80); !strings.Contains(got, "no runners this session") {
		t.Errorf("all-zero history: %q", got)
	}
}

func TestDetail(t *testing.T) {
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	in := true
	r, err := client.Runner{
		ID: "r-9", Alias: "my-app--staging", State: client.StateRunning, InFlight: 1, Uptime: time.Minute,
		Revision: "rev-full", MachineType: "GPU",
	}.WithMetadata(map[string]any{"b": []any{1.0, "x"}, "a": map[string]any{"z": true}})
	if err != nil {
		t.Fatal(err)
	}
	r.PresentInGroup = &in
	fc.SetRunners("staging", "my-app",
		r.WithLeases(client.Lease{RequestID: "q1", CallerUserID: "u1", LeasedAt: now.Add(-5 * time.Second)}))
	deps := panetest.Deps(fc, &now)
	fresh := panetest.Fresh(&deps)
	d := NewDetail(deps, "staging", "my-app", "r-9")
	d.SetSize(100, 30)
	if !strings.Contains(d.View(), "Loading runner r-9") {
		t.Errorf("before data:\n%s", d.View())
	}
	load := func() { panetest.Poll(d, fresh, now) }
	load()
	q := fc.CallsTo("ListAppRunners")[0].Query
	if q.TerminatedSince.IsZero() {
		t.Error("the detail does not ask for terminated runners: one that ends would vanish")
	}
	v := d.View()
	for _, want := range []string{"r-9", "my-app in staging  (alias my-app--staging)", "● running", "1 request",
		"1m00s", "rev-full", "GPU", "In group      yes", "Requests      1\n  REQUEST  CALLER  RUNNING FOR\n  q1       u1      5s\n",
		"a.z: true", `b: [1,"x"]`, "LOGS"} {
		if !strings.Contains(v, want) {
			t.Errorf("detail lacks %q:\n%s", want, v)
		}
	}
	if lines := strings.Split(v, "\n"); len(lines) != 30 {
		t.Errorf("detail has %d lines, want 30", len(lines))
	}

	// A failed refresh dims the record and stops its clock.
	fresh.Note(errors.New("unreachable"), now) // the detail is told nothing: it reads this
	now = now.Add(30 * time.Second)
	if v := d.View(); !strings.Contains(v, "1m00s") || !strings.Contains(v, "q1       u1      5s") {
		t.Errorf("stale record ticked:\n%s", v)
	}
	load()
	if v := d.View(); !strings.Contains(v, "35s") {
		t.Errorf("fresh record did not tick again:\n%s", v)
	}

	// The runner goes away: its last record stays, said to be gone.
	fc.SetRunners("staging", "my-app")
	load()
	v = d.View()
	if !strings.Contains(v, "no longer listed") || !strings.Contains(v, "rev-full") {
		t.Errorf("gone runner:\n%s", v)
	}

	// Scrolling a record longer than the room the logs leave it: up and
	// down move the record (page keys and g/G move the logs).
	d.SetSize(100, 14)
	d.Update(uitest.Key("j"))
	d.Update(uitest.Key("j"))
	if d.offset != 2 {
		t.Errorf("j j scrolled the record to %d, want 2", d.offset)
	}
	d.Update(uitest.Key("G"))
	if d.offset != 2 {
		t.Error("G scrolled the record, not the logs")
	}
	d.Update(uitest.Key("k"))
	d.Update(uitest.Key("k"))
	if d.offset != 0 {
		t.Error("k k did not scroll back")
	}
}

func TestFetchListsTheAppForItsScaling(t *testing.T) {
	f := setup(t, sample()...)
	if f.p.hasApp || f.p.appErr == nil {
		t.Fatalf("an app that is not listed: hasApp %v, err %v", f.p.hasApp, f.p.appErr)
	}
	msgs := panetest.Msgs(f.p.Update(uitest.Key("+")))
	if len(msgs) != 1 || !msgs[0].(pane.Status).Err || !strings.Contains(msgs[0].(pane.Status).Text, "Can't scale my-app from here") {
		t.Errorf("+ without the app's settings gave %#v", msgs)
	}

	f.fc.SetEnvironments(client.Environment{Name: "staging"})
	f.fc.SetApps("staging", client.App{Name: "my-app", Env: "staging",
		Scaling: scaling.Settings{MinConcurrency: 1, MaxConcurrency: 5}})
	f.load(t)
	if !f.p.hasApp || !strings.Contains(f.p.View(), "min 1 · max 5") {
		t.Errorf("the app's scaling is not shown:\n%s", f.p.View())
	}
	f.p.Update(uitest.Key("+"))
	if !strings.Contains(f.p.View(), "scaling: min 1→2 (pending)") {
		t.Errorf("the pending change is not shown:\n%s", f.p.View())
	}
}

func TestStopAndKillTargetMarkedRunners(t *testing.T) {
	f := setup(t, sample()...)
	if got := f.p.targets(); len(got) != 1 || got[0] != "r-1" {
		t.Errorf("targets without marks %v, want the cursor's", got)
	}
	f.p.Update(uitest.Key(" "))
	f.p.Update(uitest.Key(" "))
	if got := f.p.targets(); !slices.Equal(got, []client.RunnerID{"r-1", "r-2"}) {
		t.Errorf("targets %v, want the marked", got)
	}
	msgs := panetest.Msgs(f.p.Update(uitest.Key("K")))
	if _, ok := msgs[0].(pane.ShowModal); !ok || len(msgs) != 1 {
		t.Fatalf("K gave %#v", msgs)
	}
	f.p.Update(acted{ok: []client.RunnerID{"r-1"}})
	if got := f.p.Marked(); !slices.Equal(got, []client.RunnerID{"r-2"}) {
		t.Errorf("marks after acting on r-1: %v", got)
	}
}

func TestDetailListsRequestsAndMarksLost(t *testing.T) {
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	lost := false
	var leases []client.Lease
	for i := range 7 {
		leases = append(leases, client.Lease{RequestID: "req-" + strconv.Itoa(i), CallerUserID: "caller-" + strconv.Itoa(i),
			LeasedAt: now.Add(-time.Duration(i+1) * time.Minute)})
	}
	leases = append(leases, client.Lease{CallerUserID: "idle lease"}, client.Lease{RequestID: "no-time"})
	fc.SetRunners("staging", "my-app", client.Runner{ID: "r-9", State: client.StateRunning, InFlight: 8,
		PresentInGroup: &lost}.WithLeases(leases...))
	d := NewDetail(panetest.Deps(fc, &now), "staging", "my-app", "r-9")
	d.SetSize(100, 40)
	panetest.Load(t, d, now)

	v := d.View()
	for _, want := range []string{
		"State         ● running lost",
		"In group      no (lost: fal no longer sees it in its group)",
		"Requests      8\n  REQUEST  CALLER    RUNNING FOR\n  req-0    caller-0  1m00s\n",
		"  req-4    caller-4  5m00s\n  and 3 more\n",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("detail lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "idle lease") {
		t.Errorf("a lease without a request is listed as one:\n%s", v)
	}

	// How long a request has run is counted when drawn, not when listed.
	now = now.Add(30 * time.Second)
	if v := d.View(); !strings.Contains(v, "req-0    caller-0  1m30s") {
		t.Errorf("running time did not move with the clock:\n%s", v)
	}
}

func TestLostRunnersAreMarkedAndCounted(t *testing.T) {
	yes, no := true, false
	f := setup(t,
		client.Runner{ID: "r-1", State: client.StateRunning, PresentInGroup: &no},
		client.Runner{ID: "r-2", State: client.StateDockerPull, PresentInGroup: &no},
		client.Runner{ID: "r-3", State: client.StateIdle, PresentInGroup: &yes},
		client.Runner{ID: "r-4", State: client.StateIdle},
	)
	if c := f.p.Counts(); c.Lost != 2 || c.Live() != 4 {
		t.Errorf("counts %+v, want 2 lost of 4 live", c)
	}
	want := map[client.RunnerID]string{"r-1": "● running lost", "r-2": "↓ pulling image lost", "r-3": "○ idle", "r-4": "○ idle"}
	for id, w := range want {
		if cells, _ := f.p.table.Cells(id); cells[colState] != w {
			t.Errorf("%s state cell %q, want %q", id, cells[colState], w)
		}
	}
	if v := f.p.View(); !strings.Contains(v, "✗ 2 lost") || !strings.Contains(v, "↓ pulling image lost") {
		t.Errorf("view:\n%s", v)
	}
	ended := client.Runner{State: client.StateTerminated, PresentInGroup: &no}
	if Lost(ended) {
		t.Error("an ended runner counted as lost")
	}
}

func TestSummaryShowsTheQueue(t *testing.T) {
	f := setup(t, sample()...)
	if n := len(f.fc.CallsTo("QueueSize")); n != 1 {
		t.Fatalf("%d queue calls with the runners, want 1", n)
	}
	// Without fal's REST API there is no queue to show, nor to ask for again.
	f.load(t)
	if n := len(f.fc.CallsTo("QueueSize")); n != 1 || strings.Contains(f.p.View(), "queue") {
		t.Errorf("unsupported queue: %d calls, view:\n%s", n, f.p.View())
	}

	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	fc.SetRunners("staging", "my-app", sample()...)
	fc.SetQueue("staging", "my-app", 3)
	fc.SetEnvironments(client.Environment{Name: "staging"})
	fc.SetApps("staging", client.App{Name: "my-app", Env: "staging", Scaling: scaling.Settings{MaxConcurrency: 5}})
	f = newFixture(fc, &now)
	f.p.SetSize(140, 14)
	f.load(t)
	if c := f.fc.CallsTo("QueueSize"); c[len(c)-1].Env != "staging" || c[len(c)-1].App != "my-app" {
		t.Errorf("queue call %+v", c[len(c)-1])
	}
	if v := f.p.View(); !strings.Contains(v, "queue 3 · min 0 · max 5") {
		t.Errorf("queue depth not in the summary:\n%s", v)
	}

	// A failing queue call leaves the rest of the pane as it was.
	f.fc.Fail("QueueSize", &client.Error{Kind: client.Unavailable, Op: "queue of my-app"})
	f.load(t)
	v := f.p.View()
	if !strings.Contains(v, "queue - · min 0 · max 5") || !strings.Contains(v, "6 live") || f.p.table.Stale() {
		t.Errorf("failed queue call:\n%s", v)
	}
}

// TestHugeListingPreviewsItsFirstRows: the first listing of an app of
// many runners shows its first rows at once and all of them once built,
// and marks nothing.
func TestHugeListingPreviewsItsFirstRows(t *testing.T) {
	rs := make([]client.Runner, 6000)
	for i := range rs {
		rs[i] = client.Runner{ID: client.RunnerID(fmt.Sprintf("r-%05d", i)), State: client.StateRunning, Uptime: time.Hour}
	}
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	fc.SetRunners("staging", "big", rs...)
	p := New(panetest.Deps(fc, &now), "staging", "big", NewHistory())
	p.SetSize(140, 14)
	load := func() []tea.Msg {
		return panetest.Msgs(panetest.Load(t, p, now))
	}
	msgs := load()
	if p.Total() != 6000 || p.Len() != 500 || !strings.Contains(p.View(), "r-00000") {
		t.Fatalf("preview: %d of %d rows shown", p.Len(), p.Total())
	}
	if len(msgs) != 1 {
		t.Fatalf("the preview asked for %#v", msgs)
	}
	ld := msgs[0].(pane.Load)
	p.Update(ld.Run(context.Background()))
	if p.Len() != 6000 || p.Total() != 6000 {
		t.Errorf("after the build: %d of %d rows", p.Len(), p.Total())
	}
	if msgs := load(); len(msgs) != 0 {
		t.Errorf("a second listing asked for %#v", msgs)
	}
	for _, id := range []client.RunnerID{"r-00000", "r-00499", "r-05999"} {
		if p.table.Marked(id) {
			t.Errorf("%s marked after the preview", id)
		}
	}
}
