package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/ui/uitest"
)

// t0 is the fixed "now" of every test.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// clock is a settable clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Advance(d time.Duration) { c.now = c.now.Add(d) }

// inZone makes the clock read in loc, the zone log times are drawn in.
func (h *harness) inZone(loc *time.Location) { h.clock.now = h.clock.now.In(loc) }

// timer is a message the model scheduled; the test fires it by hand.
type timer struct {
	d   time.Duration
	msg tea.Msg
}

// timerMsg is what a scheduled command returns in tests.
type timerMsg struct{ timer }

// harness drives a Model by messages, as Bubble Tea would, but runs
// commands synchronously and keeps timers for the test to fire: nothing
// waits on real time.
type harness struct {
	t      *testing.T
	m      *Model
	fc     *fakeclient.Client
	clock  *clock
	timers []timer   // scheduled, not fired
	out    []tea.Msg // produced by commands, not delivered
	quit   bool
	// parkLoads keeps the panes' loads in parked instead of running them:
	// a log that follows waits for lines forever, which a test that runs
	// commands in turn can't afford. runParked runs them one by one.
	parkLoads bool
	parked    []tea.Cmd
}

// loadMsg is a child's load, handed over by the model in tests so that
// the harness can hold it back.
type loadMsg struct{ run tea.Cmd }

func demoTarget() client.Target {
	return client.Target{Kind: client.TargetDemo, Addr: "127.0.0.1:7070"}
}

// newHarness builds a model over fc at 120×40 and runs Init, without
// delivering the first answer.
func newHarness(t *testing.T, fc *fakeclient.Client, cfg Config) *harness {
	t.Helper()
	h := newHarnessOn(t, fc, cfg)
	h.fc = fc
	return h
}

// started is newHarness with the first answers delivered: the dashboard
// as it first shows.
func started(t *testing.T, fc *fakeclient.Client, cfg Config) *harness {
	t.Helper()
	h := newHarness(t, fc, cfg)
	h.settle()
	return h
}

// newHarnessOn is newHarness over any client, a real one included; h.fc
// is nil.
func newHarnessOn(t *testing.T, c client.Client, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, clock: &clock{now: t0}}
	cfg.Client = c
	cfg.Now = h.clock.Now
	if cfg.Styles == nil {
		cfg.Styles = uitest.Styles(termenv.Ascii)
	}
	h.m = New(cfg)
	h.m.after = func(d time.Duration, msg tea.Msg) tea.Cmd {
		return func() tea.Msg { return timerMsg{timer{d, msg}} }
	}
	h.m.loads = func(run tea.Cmd) tea.Cmd {
		return func() tea.Msg { return loadMsg{run} }
	}
	h.run(h.m.Init())
	h.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	return h
}

// run executes cmd and what it batches, collecting messages and timers.
func (h *harness) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case timerMsg:
		h.timers = append(h.timers, msg.timer)
	case loadMsg:
		if h.parkLoads {
			h.parked = append(h.parked, msg.run)
			return
		}
		h.run(msg.run)
	case tea.QuitMsg:
		h.quit = true
	default:
		h.out = append(h.out, msg)
	}
}

// send delivers one message to the model.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	h.run(cmd)
}

// settle delivers the messages commands produced until there are none.
func (h *harness) settle() {
	h.t.Helper()
	for i := 0; len(h.out) > 0; i++ {
		if i > 1000 {
			h.t.Fatal("messages keep coming")
		}
		msg := h.out[0]
		h.out = h.out[1:]
		h.send(msg)
	}
}

// runParked runs the oldest parked load and delivers what follows from it.
func (h *harness) runParked() {
	h.t.Helper()
	if len(h.parked) == 0 {
		h.t.Fatal("no load parked")
	}
	run := h.parked[0]
	h.parked = h.parked[1:]
	h.run(run)
	h.settle()
}

// readLogs runs parked loads until the runner detail shows n log lines.
// Each read of a log with lines to give returns at least one, so this
// never waits on a stream that has run dry.
func (h *harness) readLogs(n int) {
	h.t.Helper()
	want := fmt.Sprintf("%d lines ·", n)
	for i := 0; !strings.Contains(h.view(), want); i++ {
		if i > 100 {
			h.t.Fatalf("the detail never showed %q:\n%s", want, h.view())
		}
		h.runParked()
	}
}

// take removes and returns the pending messages of type T.
func take[T any](h *harness) []T {
	var got []T
	rest := h.out[:0]
	for _, msg := range h.out {
		if m, ok := msg.(T); ok {
			got = append(got, m)
		} else {
			rest = append(rest, msg)
		}
	}
	h.out = rest
	return got
}

// fire delivers the scheduled timers whose message is of type T, after
// moving the clock by their delay.
func fire[T any](h *harness) int {
	h.t.Helper()
	var due []timer
	rest := h.timers[:0]
	for _, tm := range h.timers {
		if _, ok := tm.msg.(T); ok {
			due = append(due, tm)
		} else {
			rest = append(rest, tm)
		}
	}
	h.timers = rest
	for _, tm := range due {
		h.clock.Advance(tm.d)
		h.send(tm.msg)
	}
	return len(due)
}

// scheduled returns the delays of pending timers of type T.
func scheduled[T any](h *harness) []time.Duration {
	var out []time.Duration
	for _, tm := range h.timers {
		if _, ok := tm.msg.(T); ok {
			out = append(out, tm.d)
		}
	}
	return out
}

// poll fires the poll tick and delivers the answer.
func (h *harness) poll() {
	h.t.Helper()
	if fire[pollTickMsg](h) == 0 {
		h.t.Fatal("no poll scheduled")
	}
	h.settle()
}

func (h *harness) key(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(uitest.Key(k))
		h.settle()
	}
}

func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		h.settle()
	}
}

func (h *harness) view() string { return h.m.View() }

func (h *harness) viewContains(want ...string) {
	h.t.Helper()
	v := h.view()
	for _, w := range want {
		if !strings.Contains(v, w) {
			h.t.Errorf("view lacks %q:\n%s", w, v)
		}
	}
}

func (h *harness) viewLacks(unwanted ...string) {
	h.t.Helper()
	v := h.view()
	for _, w := range unwanted {
		if strings.Contains(v, w) {
			h.t.Errorf("view has %q:\n%s", w, v)
		}
	}
}

func windowSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
