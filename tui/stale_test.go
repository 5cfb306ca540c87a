package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
)

// TestPaneShownWhileUnreachableKeepsItsValues: going back to a pane while
// the controller is not answering shows it stale at once, with the
// uptimes it showed when it was left, not counted on to a time its data
// never reached.
func TestPaneShownWhileUnreachableKeepsItsValues(t *testing.T) {
	h := started(t, quietApp(), Config{Env: "staging"})
	h.send(pane.Open{Key: pane.RunnersKey("staging", "quiet")})
	h.settle()
	young := func() string { return strings.TrimSpace(strings.TrimLeft(h.line("young"), "▌ +*")) }
	left := young()

	h.key("1")
	h.fc.FailAll(unavailable())
	h.poll()
	h.clock.Advance(30 * time.Second)
	h.send(uitest.Key("3"))
	h.view() // Bubble Tea draws after every message, before the poll answers
	h.settle()
	if got := young(); got != left {
		t.Errorf("the runners pane counted on while the controller was away: %q, then %q", left, got)
	}
	h.viewContains("stale")
	for range 3 {
		h.clock.Advance(time.Second)
		fire[clockMsg](h)
	}
	if got := young(); got != left {
		t.Errorf("stale uptime ticked: %q, then %q", left, got)
	}
}

// TestRunnerDetailStaleAsTheRootSays: the runner's detail keeps no
// staleness of its own but reads the root's record, so its uptime stops
// when the header says stale, stays stopped when it is shown again while
// the controller is away, and counts on with the first good answer.
func TestRunnerDetailStaleAsTheRootSays(t *testing.T) {
	h := started(t, quietApp(), Config{Env: "staging"})
	h.send(pane.Open{Key: pane.RunnerKey("staging", "quiet", "young")})
	h.settle()
	uptime := func() string { return strings.TrimSpace(strings.TrimPrefix(h.line("Uptime  "), "Uptime")) }
	h.clock.Advance(5 * time.Second)
	fire[clockMsg](h)
	before := uptime()

	h.fc.FailAll(unavailable())
	h.poll()
	h.viewContains("stale")
	h.clock.Advance(30 * time.Second)
	fire[clockMsg](h)
	if got := uptime(); got != before {
		t.Errorf("stale uptime counted on: %q, then %q", before, got)
	}
	h.key("esc")
	h.settle()
	h.send(pane.Open{Key: pane.RunnerKey("staging", "quiet", "young")})
	h.view()
	if got := uptime(); got != before {
		t.Errorf("shown again while away: %q, then %q", before, got)
	}
	h.settle()

	h.fc.FailAll(nil)
	for !strings.Contains(h.view(), "connected") {
		h.poll() // the back-off lets the first ticks pass
	}
	h.viewLacks("stale")
	fresh := uptime()
	h.clock.Advance(3 * time.Second)
	fire[clockMsg](h)
	if got := uptime(); got == fresh {
		t.Errorf("fresh uptime stopped at %q", got)
	}
}

// line is the first line of the view that contains s.
func (h *harness) line(s string) string {
	h.t.Helper()
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	h.t.Fatalf("no line has %q:\n%s", s, h.view())
	return ""
}
