package pane

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// Under the root, Ask records the requests, in order, for the root to act
// on when the child returns, and gives no command: nothing travels through
// Bubble Tea. Take hands them over once.
func TestAskRecordsForTheRoot(t *testing.T) {
	fx := &Effects{}
	d := Deps{Effects: fx}
	if cmd := d.Ask(CloseModal{}, Status{Text: "cancelled"}); cmd != nil {
		t.Error("Ask under the root gave a command")
	}
	d.Ask(Refresh{})
	got := fx.Take()
	want := []Request{CloseModal{}, Status{Text: "cancelled"}, Refresh{}}
	if len(got) != len(want) {
		t.Fatalf("took %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d is %v, want %v", i, got[i], want[i])
		}
	}
	if again := fx.Take(); len(again) != 0 {
		t.Errorf("a second Take gave %v", again)
	}
}

// A child driven on its own (no Effects, as in a view's tests) gets its
// requests back as a command of their messages.
func TestAskWithoutTheRootGivesTheMessages(t *testing.T) {
	var d Deps
	if msg := d.Ask(Refresh{})(); msg != (Refresh{}) {
		t.Errorf("one request gave %#v", msg)
	}
	batch, ok := d.Ask(CloseModal{}, Status{Text: "x"})().(tea.BatchMsg)
	if !ok || len(batch) != 2 || batch[0]() != (CloseModal{}) || batch[1]() != (Status{Text: "x"}) {
		t.Errorf("two requests gave %#v", batch)
	}
}
