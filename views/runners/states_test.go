package runners

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/internal/ui/table"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
)

// rowOf is the line of the view that shows runner id, without its gutter.
func rowOf(t *testing.T, v string, id client.RunnerID) string {
	t.Helper()
	for _, l := range strings.Split(v, "\n") {
		if f := strings.Fields(l); len(f) > 0 && slices.Contains(f, string(id)) {
			return l
		}
	}
	t.Fatalf("no row for %s in:\n%s", id, v)
	return ""
}

// TestOneVocabularyOfStates: the summary, the history and the rows name a
// state with the same glyph and word, none of them a sort marker.
func TestOneVocabularyOfStates(t *testing.T) {
	for _, s := range theme.RunnerStates() {
		if g := theme.StateGlyph(s); g == table.SortAsc || g == table.SortDesc {
			t.Errorf("state %s is drawn %s, the tables' sort marker", s, g)
		}
	}
	f := setup(t,
		client.Runner{ID: "r-1", State: client.StateRunning},
		client.Runner{ID: "r-2", State: client.StateSetup},
		client.Runner{ID: "r-3", State: client.StateDraining},
		client.Runner{ID: "r-4", State: client.StateTerminating},
		client.Runner{ID: "r-5", State: client.StatePending},
	)
	f.p.SetSize(200, 14)
	v := f.p.View()
	lines := strings.Split(v, "\n")
	sum, hist := lines[0], lines[1]
	for id, state := range map[client.RunnerID]client.RunnerState{
		"r-1": client.StateRunning, "r-2": client.StateSetup, "r-3": client.StateDraining,
		"r-4": client.StateTerminating, "r-5": client.StatePending,
	} {
		label := theme.StateLabel(string(state))
		if !strings.Contains(rowOf(t, v, id), label) {
			t.Errorf("row of %s lacks %q:\n%s", id, label, v)
		}
		if !strings.Contains(hist, label+" ") {
			t.Errorf("history lacks %q: %s", label, hist)
		}
		if count := theme.StateGlyph(string(state)) + " 1 " + theme.StateWord(string(state)); !strings.Contains(sum, count) {
			t.Errorf("summary lacks %q: %s", count, sum)
		}
	}
	for _, other := range []string{"starting", "stopping", "draining/terminating", "▽", "▼", "backoff "} {
		if strings.Contains(sum+hist, other) {
			t.Errorf("summary or history says %q:\n%s\n%s", other, sum, hist)
		}
	}
	// States that pass or are trouble are counted while some runner is in
	// them; those fal's CLI always counts, always.
	f = setup(t, client.Runner{ID: "r-1", State: client.StateIdle})
	sum = strings.Split(f.p.View(), "\n")[0]
	for _, want := range []string{"● 0 running", "○ 1 idle", "◌ 0 pending", "◐ 0 setting up", "✕ terminated hidden"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q: %s", want, sum)
		}
	}
	for _, unwanted := range []string{"crash backoff", "draining", "terminating", "pulling"} {
		if strings.Contains(sum, unwanted) {
			t.Errorf("summary counts no runner %s: %s", unwanted, sum)
		}
	}
}

// TestReplacementInPlainWords: the old runner of a replacement is "being
// replaced", the new one "replacement", in the rows and in the record.
func TestReplacementInPlainWords(t *testing.T) {
	f := setup(t,
		client.Runner{ID: "r-old", State: client.StateRunning, Replacement: client.WillReplace},
		client.Runner{ID: "r-new", State: client.StateSetup, Replacement: client.DidReplace},
		client.Runner{ID: "r-other", State: client.StateIdle},
	)
	v := f.p.View()
	if r := rowOf(t, v, "r-old"); !strings.HasSuffix(strings.TrimSpace(r), "being replaced") {
		t.Errorf("old runner: %q", r)
	}
	if r := rowOf(t, v, "r-new"); !strings.HasSuffix(strings.TrimSpace(r), "replacement") {
		t.Errorf("new runner: %q", r)
	}
	if r := rowOf(t, v, "r-other"); strings.Contains(r, "replace") {
		t.Errorf("runner in no replacement: %q", r)
	}
	d := loadDetail(t, f, "r-old")
	if v := d.View(); !strings.Contains(v, "Replacement   being replaced: it serves until its replacement is ready") {
		t.Errorf("record of the old runner:\n%s", v)
	}
}

func loadDetail(t *testing.T, f *fixture, id client.RunnerID) *Detail {
	t.Helper()
	d := NewDetail(panetest.Deps(f.fc, f.now), "staging", "my-app", id)
	d.SetSize(120, 30)
	d.Update(d.Fetch()(t.Context()).Msg(*f.now))
	return d
}

// TestCrashBackoffCountsDownToItsRetry: a runner in crash backoff says
// when it tries again, and has no uptime or keep-alive, as it never
// served.
func TestCrashBackoffCountsDownToItsRetry(t *testing.T) {
	f := setup(t,
		client.Runner{ID: "r-1", State: client.StateFailureDelay, ExpiresIn: dur(12 * time.Second), Uptime: 3 * time.Second},
		client.Runner{ID: "r-2", State: client.StateFailureDelay},
	)
	cells := func(id client.RunnerID) []string {
		t.Helper()
		return strings.Fields(strings.TrimLeft(rowOf(t, f.p.View(), id), "▌ "))
	}
	// id, glyph, "crash", "backoff", "·", "retry", "in", left, in-flight, expires, uptime
	want := func(left string) {
		t.Helper()
		got := cells("r-1")
		if len(got) < 11 || strings.Join(got[1:8], " ") != "↻ crash backoff · retry in "+left ||
			got[9] != "-" || got[10] != "-" {
			t.Errorf("crash backoff row %q, want retry in %s and no expiry or uptime", got, left)
		}
	}
	want("12s")
	*f.now = f.now.Add(5 * time.Second)
	f.p.Update(pane.Tick{})
	want("7s")
	if got := cells("r-2"); strings.Contains(strings.Join(got, " "), "retry") {
		t.Errorf("a backoff without a time says %q", got)
	}

	d := loadDetail(t, f, "r-1") // listed now: 12s again
	v := d.View()
	for _, line := range []string{"State         ↻ crash backoff · retry in 12s", "Expires in    -", "Uptime        -"} {
		if !strings.Contains(v, line) {
			t.Errorf("record lacks %q:\n%s", line, v)
		}
	}

	*f.now = f.now.Add(10 * time.Second)
	f.p.Update(pane.Tick{})
	if got := strings.Join(cells("r-1"), " "); !strings.Contains(got, "crash backoff · retrying") {
		t.Errorf("overdue retry reads %q", got)
	}
}

// TestShowingTerminatedMarksThemOld: `t` shows terminated runners without
// marking them new, names itself for what it does now, and shows in the
// footer while they are shown.
func TestShowingTerminatedMarksThemOld(t *testing.T) {
	f := setup(t, sample()...)
	toggle := func(h []key.Binding) string {
		for _, b := range h {
			if b.Help().Key == "t" {
				return b.Help().Desc
			}
		}
		return ""
	}
	full := func() string {
		var all []key.Binding
		for _, g := range f.p.FullHelp() {
			all = append(all, g...)
		}
		return toggle(all)
	}
	if full() != "show terminated" || toggle(f.p.ShortHelp()) != "" {
		t.Fatalf("before t: help %q, footer %q", full(), toggle(f.p.ShortHelp()))
	}

	f.p.Update(uitest.Key("t"))
	if full() != "hide terminated" || toggle(f.p.ShortHelp()) != "hide terminated" {
		t.Errorf("after t: help %q, footer %q", full(), toggle(f.p.ShortHelp()))
	}
	f.load(t)
	if _, ok := f.p.table.Value("r-7"); !ok {
		t.Fatal("terminated runner not shown")
	}
	if f.p.table.Marked("r-7") {
		t.Error("a runner that ended before t is marked new")
	}

	// Later listings mark as before.
	f.fc.SetRunners("staging", "my-app", append(sample(), client.Runner{ID: "r-8", State: client.StatePending})...)
	f.load(t)
	if !f.p.table.Marked("r-8") || f.p.table.Marked("r-7") {
		t.Errorf("marks after: r-8 %v, r-7 %v", f.p.table.Marked("r-8"), f.p.table.Marked("r-7"))
	}

	f.p.Update(uitest.Key("t"))
	if full() != "show terminated" || toggle(f.p.ShortHelp()) != "" {
		t.Errorf("after t again: help %q, footer %q", full(), toggle(f.p.ShortHelp()))
	}
	f.p.SetReadOnly(true)
	f.p.SetReadOnly(false)
	if full() != "show terminated" {
		t.Errorf("after a read-only change: help %q", full())
	}
}

// TestStaleRunnersKeepTheirValues: once a refresh fails, the uptime and
// the countdowns stay as they were last drawn.
func TestStaleRunnersKeepTheirValues(t *testing.T) {
	f := setup(t,
		client.Runner{ID: "r-1", State: client.StateIdle, Uptime: 10 * time.Second, ExpiresIn: dur(40 * time.Second)},
		client.Runner{ID: "r-2", State: client.StateFailureDelay, ExpiresIn: dur(30 * time.Second)},
	)
	*f.now = f.now.Add(2 * time.Second)
	f.p.Update(pane.Tick{})
	before := f.p.View()
	*f.now = f.now.Add(20 * time.Second)
	f.fresh.Note(errors.New("unreachable"), *f.now)
	for range 3 {
		*f.now = f.now.Add(time.Second)
		f.p.Update(pane.Tick{})
		after := f.p.View()
		for _, id := range []client.RunnerID{"r-1", "r-2"} {
			if b, a := strings.Fields(rowOf(t, before, id)), strings.Fields(rowOf(t, after, id)); strings.Join(b, " ") != strings.Join(a, " ") {
				t.Errorf("stale row of %s went from %q to %q", id, b, a)
			}
		}
	}
}

// TestSummaryCountsEveryState: every state a runner can be in is counted
// in the summary, once.
func TestSummaryCountsEveryState(t *testing.T) {
	counted := map[string]bool{string(client.StateTerminated): true}
	for _, s := range liveStates() {
		if counted[s] {
			t.Errorf("%s counted twice", s)
		}
		counted[s] = true
	}
	for _, s := range theme.RunnerStates() {
		if !counted[s] {
			t.Errorf("%s is not counted", s)
		}
	}
}

// On a narrow screen the summary gives up the states counted at zero, the
// last first, before what is there (a crash backoff, lost runners) is cut.
func TestSummaryGivesUpZerosFirst(t *testing.T) {
	st := uitest.Styles(termenv.Ascii)
	c := Counts{Running: 2, Backoff: 1, Draining: 1, Lost: 1}
	wide := summary(st, c, false, 200)
	for _, want := range []string{"4 live", "● 2 running", "○ 0 idle", "◌ 0 pending", "◐ 0 setting up", "↻ 1 crash backoff", "◑ 1 draining", "✗ 1 lost", "✕ terminated hidden"} {
		if !strings.Contains(wide, want) {
			t.Errorf("wide summary lacks %q: %s", want, wide)
		}
	}
	narrow := summary(st, c, false, 96)
	if w := ansi.StringWidth(narrow); w > 96 {
		t.Errorf("narrow summary is %d wide: %s", w, narrow)
	}
	for _, want := range []string{"4 live", "● 2 running", "○ 0 idle", "↻ 1 crash backoff", "◑ 1 draining", "✗ 1 lost", "✕ terminated hidden"} {
		if !strings.Contains(narrow, want) {
			t.Errorf("narrow summary lacks %q: %s", want, narrow)
		}
	}
	if strings.Contains(narrow, "◐ 0 setting up") || strings.Contains(narrow, "◌ 0 pending") {
		t.Errorf("narrow summary kept the last zeros rather than the first: %s", narrow)
	}
	if tiny := summary(st, c, false, 10); !strings.HasPrefix(tiny, "4 live  ● 2 running") {
		t.Errorf("with no zero left to drop the line is left for the caller to cut: %s", tiny)
	}
}
