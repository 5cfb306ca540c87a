package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/faldash/faldash/views/pane"
)

// TestPaneShownWhileUnreachableKeepsItsValues: going back to a pane while
// the controller is not answering shows it stale at once, with the
// uptimes it showed when it was left, not counted on to a time its data
// never reached.
func TestPaneShownWhileUnreachableKeepsItsValues(t *testing.T) {
	h := newHarness(t, quietApp(), Config{Env: "staging"})
	h.settle()
	h.send(pane.Open{Key: pane.RunnersKey("staging", "quiet")})
	h.settle()
	young := func() string {
		t.Helper()
		for _, l := range strings.Split(h.view(), "\n") {
			if strings.Contains(l, "young") {
				return strings.TrimSpace(strings.TrimLeft(l, "▌ +*"))
			}
		}
		t.Fatalf("no young runner:\n%s", h.view())
		return ""
	}
	left := young()

	h.key("1")
	h.fc.FailAll(unavailable())
	h.poll()
	h.clock.Advance(30 * time.Second)
	h.send(keyMsg("3"))
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
