package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/internal/ui/uitest"
)

func TestLineInputEditing(t *testing.T) {
	var in lineInput
	in.reset(":", "")
	steps := []struct {
		k    tea.KeyMsg
		want string
	}{
		{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("env stg")}, "env stg"},
		{tea.KeyMsg{Type: tea.KeyLeft}, "env stg"},
		{tea.KeyMsg{Type: tea.KeyLeft}, "env stg"},
		{tea.KeyMsg{Type: tea.KeyRight}, "env stg"},
		{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("a")}, "env stag"},
		{tea.KeyMsg{Type: tea.KeyEnd}, "env stag"},
		{tea.KeyMsg{Type: tea.KeyBackspace}, "env sta"},
		{tea.KeyMsg{Type: tea.KeyCtrlW}, "env "},
		{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x\x1b]0;t\x07y")}, "env x]0;ty"}, // controls dropped
		{tea.KeyMsg{Type: tea.KeyHome}, "env x]0;ty"},
		{tea.KeyMsg{Type: tea.KeyDelete}, "nv x]0;ty"},
		{tea.KeyMsg{Type: tea.KeyCtrlE}, "nv x]0;ty"},
		{tea.KeyMsg{Type: tea.KeyCtrlU}, ""},
	}
	for i, s := range steps {
		in.update(s.k)
		if got := in.Value(); got != s.want {
			t.Fatalf("step %d (%v): %q, want %q", i, s.k, got, s.want)
		}
	}
	if changed := in.update(tea.KeyMsg{Type: tea.KeyLeft}); changed {
		t.Error("moving the cursor reported a change")
	}
}

func TestLineInputViewKeepsCursorInSight(t *testing.T) {
	st := uitest.Styles(termenv.Ascii)
	var in lineInput
	in.reset("/", "a-very-long-filter-text-that-does-not-fit")
	v := in.view(st, 20)
	if got := []rune(v); len(got) > 20 || got[len(got)-1] != '█' {
		t.Errorf("view %q: want at most 20 cells ending with the cursor", v)
	}
	in.update(tea.KeyMsg{Type: tea.KeyHome})
	if v := in.view(st, 20); []rune(v)[0] != '/' || []rune(v)[1] != 'a' {
		t.Errorf("view at home %q", v)
	}
}
