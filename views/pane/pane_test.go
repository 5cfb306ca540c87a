package pane

import (
	"context"
	"errors"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/charmbracelet/bubbles/key"

	"github.com/faldash/faldash/keymap"
)

func TestParent(t *testing.T) {
	for _, tc := range []struct {
		k, parent Key
		ok        bool
	}{
		{RunnerKey("staging", "a", "r1"), RunnersKey("staging", "a"), true},
		{RunnersKey("staging", "a"), AppsKey("staging"), true},
		{AppsKey("staging"), EnvironmentsKey(), true},
		{SecretsKey("staging"), EnvironmentsKey(), true},
		{EnvironmentsKey(), Key{}, false},
	} {
		got, ok := tc.k.Parent()
		if got != tc.parent || ok != tc.ok {
			t.Errorf("%v.Parent() = %v %v, want %v %v", tc.k, got, ok, tc.parent, tc.ok)
		}
	}
}

func TestKeysAreComparable(t *testing.T) {
	m := map[Key]int{AppsKey("a"): 1}
	if m[AppsKey("a")] != 1 || m[SecretsKey("a")] != 0 || m[AppsKey("b")] != 0 {
		t.Error("keys of different panes collide, or equal keys differ")
	}
}

func TestWithoutDropsTheBinding(t *testing.T) {
	keys := keymap.Default()
	h := Without(HelpKeys{Short: []key.Binding{keys.Runners.Logs, keys.Global.Help},
		Full: [][]key.Binding{{keys.Runners.Logs}, {keys.Global.Quit}}}, keys.Runners.Logs)
	if len(h.ShortHelp()) != 1 || h.ShortHelp()[0].Help().Desc != "all keys" {
		t.Errorf("Without kept the binding, or lost another: %v", h.ShortHelp())
	}
	if len(h.FullHelp()) != 1 {
		t.Errorf("Without kept an emptied group: %v", h.FullHelp())
	}
}

// A fetch's answer reaches the pane in the type the call returned, and a
// failed one does not reach it; the root reads its error and, for the debug log, its length.
func TestFetchOfKeepsItsType(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := FetchOf(func(context.Context) ([]string, error) { return []string{"a", "b"}, nil })(t.Context())
	if r, ok := a.Msg(at).(Result[[]string]); !ok || len(r.Data) != 2 || !r.At.Equal(at) || a.Err() != nil {
		t.Errorf("answer %#v, error %v", a.Msg(at), a.Err())
	}
	if n, ok := a.Len(); !ok || n != 2 {
		t.Errorf("Len %d %v, want 2", n, ok)
	}
	down := errors.New("unreachable")
	a = FetchOf(func(context.Context) (int, error) { return 0, down })(t.Context())
	if a.Msg(at) != nil || a.Err() != down {
		t.Errorf("a failed call answered %#v", a.Msg(at))
	}
	if _, ok := a.Len(); ok {
		t.Error("an int counted as a list")
	}
}

// A Call says done only when it worked, and replies either way.
func TestCallReplies(t *testing.T) {
	type replied struct{ err error }
	refused := errors.New("refused")
	for _, err := range []error{nil, refused} {
		task := Call("doing", "done", func(context.Context) error { return err }, func(err error) tea.Msg { return replied{err} })
		out := task.Run(t.Context())
		if out.Err != err || out.Reply != (replied{err}) || out.Said != "done" || task.Label != "doing" {
			t.Errorf("error %v: outcome %#v", err, out)
		}
	}
	if out := Call("doing", "done", func(context.Context) error { return nil }, nil).Run(t.Context()); out.Reply != nil {
		t.Errorf("no reply asked, got %#v", out.Reply)
	}
}
