package tui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ui/uitest"
)

// A `+` press reaches the controller after two passes of the root's
// Update: the press, which the pane answers by asking for a pause, and the
// end of that pause, which the pane answers by asking for the call. Each
// request is acted on in the pass that made it; only the timer is a
// message. (When children's requests came back to the root as messages,
// to be stamped and then acted on, it took four.)
func TestScalePressReachesTheControllerInTwoUpdates(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	updates := 0
	send := func(msg tea.Msg) {
		updates++
		h.send(msg)
	}
	send(uitest.Key("+"))
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

// The answer to a load asked by a dialog since closed does not reach the
// dialog opened next, though the request was acted on in the same pass
// as the first dialog's Init: each answer carries the dialog it is for.
func TestClosedDialogsLateAnswerIsDropped(t *testing.T) {
	fc := seeded()
	fc.SetRevisions("staging", "my-app", client.Revision{ID: "0badc0de-0000-4000-8000-000000000001", Env: "staging", CreatedAt: t0.Add(-time.Hour)})
	h := newHarness(t, fc, Config{Env: "staging"})
	h.parkLoads = true
	h.settle()
	h.key("v", "esc", "v")
	if len(h.parked) != 2 {
		t.Fatalf("%d loads asked, want one per dialog", len(h.parked))
	}
	h.runParked() // the first dialog's
	h.viewContains("Loading revisions…")
	h.viewLacks("0badc0de")
	h.runParked()
	h.viewContains("0badc0de")
}
