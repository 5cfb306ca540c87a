package lineedit

import (
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/internal/ui/uitest"
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

func TestEditing(t *testing.T) {
	var e Editor
	steps := []struct {
		k    tea.KeyMsg
		want string
		pos  int
	}{
		{runes("hello"), "hello", 5},
		{tea.KeyMsg{Type: tea.KeyLeft}, "hello", 4},
		{runes("X"), "hellXo", 5},
		{tea.KeyMsg{Type: tea.KeyBackspace}, "hello", 4},
		{tea.KeyMsg{Type: tea.KeyHome}, "hello", 0},
		{tea.KeyMsg{Type: tea.KeyDelete}, "ello", 0},
		{tea.KeyMsg{Type: tea.KeyEnd}, "ello", 4},
		{runes(" w\x1b[2Jorld"), "ello w[2Jorld", 13}, // the escape is dropped
		{tea.KeyMsg{Type: tea.KeyCtrlW}, "ello ", 5},
		{tea.KeyMsg{Type: tea.KeyCtrlA}, "ello ", 0},
		{tea.KeyMsg{Type: tea.KeyCtrlK}, "", 0},
	}
	for i, s := range steps {
		e.Update(s.k)
		if e.Value() != s.want || e.pos != s.pos {
			t.Fatalf("step %d: %q at %d, want %q at %d", i, e.Value(), e.pos, s.want, s.pos)
		}
	}
	if e.Update(tea.KeyMsg{Type: tea.KeyLeft}) {
		t.Error("a move reported a change")
	}
}

func TestLimit(t *testing.T) {
	e := Editor{Limit: 3}
	e.Update(runes("abcdef"))
	if e.Value() != "abc" {
		t.Errorf("value %q past the limit", e.Value())
	}
	if e.Update(runes("x")) {
		t.Error("a refused insert reported a change")
	}
}

func TestMaskedViewAndWipe(t *testing.T) {
	st := uitest.Styles(termenv.Ascii)
	e := Editor{Masked: true}
	e.Update(runes("s3cret"))
	e.Update(tea.KeyMsg{Type: tea.KeyBackspace})
	v := e.View(st, 20, true)
	if strings.Contains(v, "s3cre") || !strings.Contains(v, strings.Repeat(string(MaskRune), 5)) {
		t.Errorf("masked view %q", v)
	}
	if v := e.View(st, 20, false); strings.Contains(v, "█") {
		t.Errorf("unfocused view has a cursor: %q", v)
	}
	backing := e.value[:cap(e.value)]
	e.Wipe()
	if e.Len() != 0 || slices.ContainsFunc(backing, func(r rune) bool { return r != 0 }) {
		t.Errorf("wipe left %q", string(backing))
	}
}

func TestGrowingWipesTheOldArray(t *testing.T) {
	e := Editor{Masked: true}
	e.Update(runes("abc"))
	old := e.value[:cap(e.value)]
	e.Update(runes(strings.Repeat("x", 100)))
	if slices.ContainsFunc(old, func(r rune) bool { return r != 0 }) {
		t.Errorf("the array left behind still holds %q", string(old))
	}
	if e.Value() != "abc"+strings.Repeat("x", 100) {
		t.Errorf("value %q", e.Value())
	}
}

func TestViewKeepsCursorInSight(t *testing.T) {
	st := uitest.Styles(termenv.Ascii)
	var e Editor
	e.SetValue("a-very-long-value-that-does-not-fit")
	v := e.View(st, 12, true)
	if r := []rune(v); len(r) > 12 || r[len(r)-1] != '█' {
		t.Errorf("view %q: want at most 12 cells ending with the cursor", v)
	}
}
