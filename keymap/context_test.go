package keymap

import (
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// counter is a stand-in for a pane: its handlers count what they got.
type counter struct {
	ran      []string
	shownAll bool
}

func record(name string) func(*counter, tea.KeyMsg) tea.Cmd {
	return func(c *counter, _ tea.KeyMsg) tea.Cmd { c.ran = append(c.ran, name); return nil }
}

var testContext = Context[*counter]{
	{Name: "apps.scale_up_min", Footer: 3, With: "apps.scale_down_min", FooterDesc: "min", Run: record("up")},
	{Name: "apps.scale_down_min", Run: record("down")},
	{Name: "apps.revisions", Footer: 4, Run: record("revisions")},
	{Name: "runners.toggle_terminated", Footer: 5, Run: record("toggle"),
		Label: func(c *counter) (string, bool) {
			if c.shownAll {
				return "hide terminated", true
			}
			return "show terminated", false
		}},
	{Name: "table.up", Group: 1},
	{Name: "global.enter", Desc: "runners", Group: 2, Footer: 1, Run: record("enter")},
	{Name: "global.unlock_write", Group: 2, Footer: 2},
	{Name: "global.help", Group: 2, Footer: 9},
}

func texts(bs []key.Binding) string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Help().Key+" "+b.Help().Desc)
	}
	return strings.Join(out, ", ")
}

func TestContextHelp(t *testing.T) {
	k := Default()
	c := &counter{}
	h := testContext.Help(k, c, false)
	if got, want := texts(h.ShortHelp()), "enter runners, +/- min, v revisions, ? all keys"; got != want {
		t.Errorf("footer %q, want %q", got, want)
	}
	var full []string
	for _, g := range h.FullHelp() {
		full = append(full, texts(g))
	}
	want := []string{
		"+ min concurrency +1, - min concurrency -1, v revisions, t show terminated",
		"↑/k up",
		"enter runners, ? all keys",
	}
	if strings.Join(full, " | ") != strings.Join(want, " | ") {
		t.Errorf("full help\n%q\nwant\n%q", full, want)
	}

	// Read-only: the mutating keys go, the unlock key comes.
	ro := testContext.Help(k, c, true)
	if got, want := texts(ro.ShortHelp()), "enter runners, w unlock writing, v revisions, ? all keys"; got != want {
		t.Errorf("read-only footer %q, want %q", got, want)
	}
	for _, g := range ro.FullHelp() {
		if s := texts(g); strings.Contains(s, "concurrency") {
			t.Errorf("read-only help shows a mutating key: %s", s)
		}
	}

	// A key labelled by its state.
	c.shownAll = true
	if got := texts(testContext.Help(k, c, false).ShortHelp()); !strings.Contains(got, "t hide terminated, ? all keys") {
		t.Errorf("footer %q lacks the toggle in its place", got)
	}
}

func TestContextFollowsRemap(t *testing.T) {
	k := Default()
	if err := k.Apply(map[string][]string{"apps.scale_up_min": {"="}, "apps.revisions": {"R"}}); err != nil {
		t.Fatal(err)
	}
	c := &counter{}
	if got := texts(testContext.Help(k, c, false).ShortHelp()); !strings.Contains(got, "=/- min, R revisions") {
		t.Errorf("help did not follow the remap: %q", got)
	}
	if _, ok := testContext.Dispatch(k, c, runes("v")); ok {
		t.Error("the old key still dispatches")
	}
	testContext.Dispatch(k, c, runes("R"))
	testContext.Dispatch(k, c, runes("="))
	if got := strings.Join(c.ran, ","); got != "revisions,up" {
		t.Errorf("ran %q", got)
	}
}

func TestContextDispatchAndMutating(t *testing.T) {
	k := Default()
	c := &counter{}
	for _, s := range []string{"-", "t"} {
		if _, ok := testContext.Dispatch(k, c, runes(s)); !ok {
			t.Errorf("%q not dispatched", s)
		}
	}
	// Keys listed without a handler are someone else's.
	for _, km := range []tea.KeyMsg{runes("k"), runes("?"), runes("x")} {
		if _, ok := testContext.Dispatch(k, c, km); ok {
			t.Errorf("%q dispatched", km)
		}
	}
	if got := strings.Join(c.ran, ","); got != "down,toggle" {
		t.Errorf("ran %q", got)
	}
	if a, ok := testContext.Mutating(k, runes("-")); !ok || a.Name != "apps.scale_down_min" {
		t.Errorf("- is mutating as %+v %v", a, ok)
	}
	if a, ok := testContext.Mutating(k, runes("v")); ok {
		t.Errorf("v is mutating as %+v", a)
	}
	if s := testContext.Scope("test"); s.Name != "test" || len(s.Actions) != len(testContext) {
		t.Errorf("scope %+v", s)
	}
}
