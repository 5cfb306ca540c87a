package uitest

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// A key pressed by name is the key of that name: what a binding matching
// on KeyMsg.String sees.
func TestOfNamesTheKeyPressed(t *testing.T) {
	for _, tc := range []struct {
		name string
		want tea.KeyType
	}{
		{"enter", tea.KeyEnter},
		{"esc", tea.KeyEsc},
		{"tab", tea.KeyTab},
		{"shift+tab", tea.KeyShiftTab},
		{"backspace", tea.KeyBackspace},
		{"down", tea.KeyDown},
		{"pgdown", tea.KeyPgDown},
		{"home", tea.KeyHome},
		{"ctrl+c", tea.KeyCtrlC},
		{"ctrl+r", tea.KeyCtrlR},
		{" ", tea.KeySpace},
		{"k", tea.KeyRunes},
		{"staging", tea.KeyRunes},
	} {
		got := Key(tc.name)
		if got.Type != tc.want || got.String() != tc.name {
			t.Errorf("Key(%q) = %v (%q), want type %v", tc.name, got.Type, got.String(), tc.want)
		}
	}
	if got := Key(" "); string(got.Runes) != " " {
		t.Errorf("space carries runes %q, want the space Bubble Tea sends", string(got.Runes))
	}
}
