package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// A `+` press reaches the controller after two passes of the root's
// Update: the press, which the pane answers by asking for a pause, and the
// end of that pause, which the pane answers by asking for the call. Each
// request is acted on in the pass that made it; only the timer is a
// message. (When children's requests came back to the root as messages,
// to be stamped and then acted on, it took four.)
func TestScalePressReachesTheControllerInTwoUpdates(t *testing.T) {
	h := newHarness(t, seeded(), Config{Env: "staging"})
	h.settle()
	updates := 0
	send := func(msg tea.Msg) {
		updates++
		h.send(msg)
	}
	send(keyMsg("+"))
	for i := 0; len(h.fc.CallsTo("UpdateApp")) == 0; i++ {
		if i > 20 {
			t.Fatal("the press never reached the controller")
		}
		switch {
		case len(h.out) > 0:
			msg := h.out[0]
			h.out = h.out[1:]
			send(msg)
		case len(scheduled[delivery](h)) > 0:
			// The pane's pause; the clock's and the poll's timers are
			// not on the press's path.
			updates += fire[delivery](h)
		default:
			t.Fatal("nothing left to deliver, and no call made")
		}
	}
	if updates != 2 {
		t.Errorf("the press took %d passes of Update to reach the controller, want 2", updates)
	}
	call := called(t, h.fc, "UpdateApp", 1)[0]
	if call.App != "my-app" || *call.Spec.MinConcurrency != 1 {
		t.Errorf("UpdateApp %+v, want my-app's min raised to 1", call)
	}
}
