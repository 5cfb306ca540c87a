package keymap

import (
	"os"
	"strings"
	"testing"
)

// The README's key table names every action, so a new binding cannot be
// added without telling people about it.
func TestREADMEListsEveryAction(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	for _, a := range Default().Actions() {
		if strings.HasPrefix(a.Name, "global.pane_") {
			continue // listed as a range
		}
		if !strings.Contains(text, "`"+a.Name+"`") {
			t.Errorf("README.md does not list the action %s", a.Name)
		}
	}
}
