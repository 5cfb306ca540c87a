package envdelete

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
)

func setup(t *testing.T) (*Modal, *fakeclient.Client) {
	t.Helper()
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	fc.SetEnvironments(client.Environment{Name: "main", IsDefault: true}, client.Environment{Name: "qa"})
	fc.SetApps("qa", client.App{Name: "b"}, client.App{Name: "a"})
	fc.SetRunners("qa", "a",
		client.Runner{ID: "1", State: client.StateRunning}, client.Runner{ID: "2", State: client.StatePending})
	fc.SetRunners("qa", "b", client.Runner{ID: "3", State: client.StateIdle})
	fc.SetSecrets("qa", client.Secret{Name: "TOKEN"})
	return New(panetest.Deps(fc, &now), "qa"), fc
}

// send gives m a key and returns the Tasks and whether it asked to close.
func send(m *Modal, k tea.KeyMsg) (tasks []pane.Task, closed bool) {
	for _, msg := range panetest.Msgs(m.Update(k)) {
		switch msg := msg.(type) {
		case pane.Task:
			tasks = append(tasks, msg)
		case pane.CloseModal:
			closed = true
		}
	}
	return tasks, closed
}

func typeText(m *Modal, s string) {
	for _, r := range s {
		m.Update(uitest.Key(string(r)))
	}
}

var (
	enter = tea.KeyMsg{Type: tea.KeyEnter}
	tab   = tea.KeyMsg{Type: tea.KeyTab}
	esc   = tea.KeyMsg{Type: tea.KeyEsc}
)

func TestCountsWhatWillBeDestroyed(t *testing.T) {
	m, _ := setup(t)
	if !strings.Contains(m.View(), "counting") {
		t.Errorf("no counting notice before the counts:\n%s", m.View())
	}
	load := panetest.Msgs(m.Init())[0].(pane.Load)
	m.Update(load.Run(context.Background()))
	v := m.View()
	for _, want := range []string{"2 apps: a, b", "1 secret: TOKEN", "3 live runners"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
}

func TestEnterDeletesOnlyOnTheExactName(t *testing.T) {
	m, _ := setup(t)
	if m.Focused() != FocusCancel {
		t.Fatalf("focus starts on %v", m.Focused())
	}
	if tasks, closed := send(m, enter); len(tasks) != 0 || !closed {
		t.Fatalf("enter on Cancel: tasks %d, closed %v", len(tasks), closed)
	}

	m, _ = setup(t)
	send(m, tab) // the field
	for _, typed := range []string{"", "q", "qa ", "QA", "qaa"} {
		typeText(m, typed)
		for _, focus := range []Focus{FocusInput, FocusDelete} {
			m.focus = focus
			if tasks, closed := send(m, enter); len(tasks) != 0 || closed {
				t.Errorf("%q, focus %v: enter gave tasks %d, closed %v", typed, focus, len(tasks), closed)
			}
		}
		m.focus = FocusInput
		for range typed {
			m.Update(tea.KeyMsg{Type: tea.KeyBackspace})
		}
	}
	typeText(m, "qa")
	if _, closed := send(m, esc); !closed {
		t.Fatal("esc did not close")
	}

	m, fc := setup(t)
	typeText(m, "qa") // typing from Cancel goes to the field
	if m.Focused() != FocusInput || !m.Matches() {
		t.Fatalf("focus %v, matches %v", m.Focused(), m.Matches())
	}
	tasks, _ := send(m, enter)
	if len(tasks) != 1 {
		t.Fatalf("enter on the exact name gave %d tasks", len(tasks))
	}
	if len(fc.CallsTo("DeleteEnvironment")) != 0 {
		t.Fatal("deleted before the task ran")
	}
	err := tasks[0].Run(context.Background()).Err
	if calls := fc.CallsTo("DeleteEnvironment"); err != nil || len(calls) != 1 || calls[0].Env != "qa" {
		t.Fatalf("calls %+v, err %v", calls, err)
	}
	if tasks[0].Then != (pane.EnvDeleted{Name: "qa"}) {
		t.Errorf("then %#v", tasks[0].Then)
	}
	if again, _ := send(m, enter); len(again) != 0 {
		t.Error("a second enter while deleting sent again")
	}
}

func TestDeleteTakesFocusOnlyOnceTheNameMatches(t *testing.T) {
	m, _ := setup(t)
	shiftTab := tea.KeyMsg{Type: tea.KeyShiftTab}
	for _, step := range []struct {
		typed string
		key   tea.KeyMsg
		want  Focus
	}{
		{"", tab, FocusInput}, // from Cancel, where focus starts
		{"", tab, FocusCancel},
		{"", shiftTab, FocusInput},
		{"q", shiftTab, FocusCancel},
		{"a", tab, FocusDelete}, // "qa" now: typing took the focus to the field
		{"", tab, FocusCancel},
		{"", shiftTab, FocusDelete},
	} {
		typeText(m, step.typed)
		send(m, step.key)
		if m.Focused() != step.want {
			t.Fatalf("typed %q, then %v: focus %v, want %v", m.input.Value(), step.key, m.Focused(), step.want)
		}
	}
	if v := m.View(); !strings.Contains(v, "[Delete]") {
		t.Errorf("Delete drawn without focus once the name matched:\n%s", v)
	}
}

func TestCancellingSaysNothingWasDeleted(t *testing.T) {
	for _, k := range []tea.KeyMsg{esc, enter} { // enter: on Cancel, where focus starts
		m, fc := setup(t)
		var status string
		for _, msg := range panetest.Msgs(m.Update(k)) {
			if s, ok := msg.(pane.Status); ok {
				status = s.Text
			}
		}
		if status != "Cancelled: environment qa was not deleted." {
			t.Errorf("%v: status %q", k, status)
		}
		if len(fc.CallsTo("DeleteEnvironment")) != 0 {
			t.Errorf("%v deleted", k)
		}
	}
}

// The keys in the box are the dialog's declared keys, remapped as they
// are: a remapped key is the one the box names, and the one that acts.
func TestBoxKeysFollowARemap(t *testing.T) {
	m, _ := setup(t)
	if err := m.d.Keys.Apply(map[string][]string{"dialog.next_field": {"ctrl+n"}}, Scope()); err != nil {
		t.Fatal(err)
	}
	m.SetSize(100, 30)
	v := m.View()
	if !strings.Contains(v, "ctrl+n next field   enter press focused   esc cancel") || strings.Contains(v, "tab") {
		t.Errorf("keys in the box after a remap:\n%s", v)
	}
	m.Update(tea.KeyMsg{Type: tea.KeyCtrlN}) // from Cancel, round to the name
	if m.Focused() != FocusInput {
		t.Errorf("ctrl+n moved the focus to %v, want the name", m.Focused())
	}
}
