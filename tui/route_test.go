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
