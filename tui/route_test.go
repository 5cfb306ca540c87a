package tui

import (
	"reflect"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/views/pane"
)

// A child's requests keep their origin inside any composite command: a
// batch, a sequence (whose order Bubble Tea must still keep), and the two
// nested.
func TestStampReachesInsideComposites(t *testing.T) {
	from := origin{pane: pane.SecretsKey("staging"), modal: 3}
	status := pane.Cmd(pane.Status{Text: "one"})
	load := pane.Cmd(pane.Load{})
	for name, cmd := range map[string]tea.Cmd{
		"batch":          tea.Batch(status, load),
		"sequence":       tea.Sequence(status, load),
		"batch in a seq": tea.Sequence(tea.Batch(status, load), status),
	} {
		msg := stamp(cmd, from)()
		if reflect.TypeOf(msg) != reflect.TypeOf(cmd()) {
			t.Errorf("%s: stamped into a %T, want a %T", name, msg, cmd())
			continue
		}
		var n int
		var walk func(tea.Msg)
		walk = func(msg tea.Msg) {
			if s, ok := msg.(stamped); ok {
				if s.from != from {
					t.Errorf("%s: %T stamped from %+v, want %+v", name, s.msg, s.from, from)
				}
				n++
				return
			}
			v := reflect.ValueOf(msg)
			if v.Kind() != reflect.Slice {
				t.Errorf("%s: %T left unstamped", name, msg)
				return
			}
			for i := range v.Len() {
				var c tea.Cmd
				reflect.ValueOf(&c).Elem().Set(v.Index(i))
				walk(c())
			}
		}
		walk(msg)
		if want := map[string]int{"batch": 2, "sequence": 2, "batch in a seq": 3}[name]; n != want {
			t.Errorf("%s: %d requests stamped, want %d", name, n, want)
		}
	}
	if stamp(nil, from) != nil {
		t.Error("a nil command stamped into one")
	}
}

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
