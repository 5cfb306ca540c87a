package modal

import (
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
)

type yes struct{ option bool }

func confirm(t *testing.T) *Confirm {
	t.Helper()
	now := panetest.Now
	d := panetest.Deps(fakeclient.New(client.Target{}), &now)
	return NewConfirm(d, "Kill it?", []string{"It ends at once."}, func(opt bool) tea.Cmd {
		return pane.Cmd(yes{opt})
	}).WithOption("gently", false)
}

func TestConfirmAnswers(t *testing.T) {
	for _, tc := range []struct {
		keys []tea.KeyMsg
		want []tea.Msg
	}{
		{[]tea.KeyMsg{uitest.Key("y")}, []tea.Msg{pane.CloseModal{}, yes{false}}},
		{[]tea.KeyMsg{uitest.Key(" "), uitest.Key("y")}, []tea.Msg{pane.CloseModal{}, yes{true}}},
		{[]tea.KeyMsg{uitest.Key(" "), uitest.Key(" "), uitest.Key("y")}, []tea.Msg{pane.CloseModal{}, yes{false}}},
		{[]tea.KeyMsg{uitest.Key("n")}, []tea.Msg{pane.CloseModal{}, pane.Status{Text: "Cancelled: nothing was changed."}}},
		{[]tea.KeyMsg{{Type: tea.KeyEsc}}, []tea.Msg{pane.CloseModal{}, pane.Status{Text: "Cancelled: nothing was changed."}}},
		{[]tea.KeyMsg{{Type: tea.KeyEnter}, uitest.Key("x"), uitest.Key("Y")}, nil},
	} {
		c := confirm(t)
		var got []tea.Msg
		for _, k := range tc.keys {
			got = append(got, panetest.Msgs(c.Update(k))...)
		}
		if len(got) != len(tc.want) {
			t.Errorf("%v: %#v, want %#v", tc.keys, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%v: %#v, want %#v", tc.keys, got, tc.want)
			}
		}
	}
}

func TestConfirmView(t *testing.T) {
	c := confirm(t)
	c.SetSize(60, 20)
	v := c.View()
	for _, want := range []string{"Kill it?", "It ends at once.", "[ ] gently", "space toggles", "y yes   n no   esc cancel   space toggle option"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	c.Update(uitest.Key(" "))
	if !strings.Contains(c.View(), "[x] gently") {
		t.Error("the option does not show as on")
	}
	for _, l := range strings.Split(v, "\n") {
		if w := len([]rune(l)); w > 60 {
			t.Errorf("line %q is %d wide in a 60-wide body", l, w)
		}
	}
}

// The keys in the box are the question's declared keys as remapped: the
// same as the footer's, not a line of their own.
func TestConfirmKeysFollowARemap(t *testing.T) {
	now := panetest.Now
	d := panetest.Deps(fakeclient.New(client.Target{}), &now)
	if err := d.Keys.Apply(map[string][]string{"dialog.deny": {"N"}, "dialog.cancel": {"ctrl+g"}}, ConfirmScope()); err != nil {
		t.Fatal(err)
	}
	c := NewConfirm(d, "Kill it?", nil, func(bool) tea.Cmd { return nil })
	c.SetSize(60, 20)
	if v := c.View(); !strings.Contains(v, "y yes   N no   ctrl+g cancel") || strings.Contains(v, "esc") {
		t.Errorf("keys in the box after a remap:\n%s", v)
	}
	if got := panetest.Msgs(c.Update(tea.KeyMsg{Type: tea.KeyCtrlG})); len(got) == 0 || got[0] != (pane.CloseModal{}) {
		t.Errorf("the remapped cancel key: %#v", got)
	}
}

func TestButtonsShowFocusWithoutColour(t *testing.T) {
	st := uitest.Styles(termenv.Ascii)
	if got := Buttons(st, 1, "Delete", "Cancel"); !strings.Contains(got, "[Cancel]") || strings.Contains(got, "[Delete]") {
		t.Errorf("buttons %q", got)
	}
}

func TestSendAnswer(t *testing.T) {
	now := panetest.Now
	d := panetest.Deps(fakeclient.New(client.Target{}), &now)

	s := Send{Out: true}
	cmd, ok := s.Answer(d, errors.New("refused\x1b[31m: name taken"))
	if ok || cmd != nil || s.Out || !strings.HasSuffix(s.Err, "name taken") || strings.ContainsRune(s.Err, '\x1b') {
		t.Fatalf("refusal: ok %v, cmd %v, send %+v; want the dialog kept open with the sanitised reason", ok, cmd != nil, s)
	}
	s.Out = true
	cmd, ok = s.Answer(d, nil)
	if msgs := panetest.Msgs(cmd); !ok || s.Out || len(msgs) != 1 || msgs[0] != (pane.CloseModal{}) {
		t.Fatalf("success: ok %v, send %+v, msgs %#v; want the dialog closed", ok, s, msgs)
	}
}

// formKeys are a form's keys for TestSendFormKey: Enter only.
type formKeys struct{}

func (formKeys) Key(km tea.KeyMsg) (tea.Cmd, bool) {
	if km.Type == tea.KeyEnter {
		return pane.Cmd(yes{}), true
	}
	return nil, false
}

func TestSendFormKey(t *testing.T) {
	var f Field
	edits := 0
	edited := func() { edits++ }
	s := Send{Err: "refused"}
	if cmd := s.FormKey(formKeys{}, tea.KeyMsg{Type: tea.KeyEnter}, &f, edited); len(panetest.Msgs(cmd)) != 1 || f.Ed.Value() != "" {
		t.Fatalf("Enter: want the form's key run, not typed")
	}
	s.FormKey(formKeys{}, uitest.Key("a"), &f, edited)
	if f.Ed.Value() != "a" || s.Err != "" || edits != 1 {
		t.Fatalf("typing: value %q, err %q, %d checks; want the key typed, the refusal cleared, one check", f.Ed.Value(), s.Err, edits)
	}
	s.FormKey(formKeys{}, tea.KeyMsg{Type: tea.KeyF5}, &f, edited)
	if edits != 1 {
		t.Error("a key that edits nothing checked the fields")
	}
	s = Send{Out: true, Err: "kept"}
	s.FormKey(formKeys{}, uitest.Key("b"), &f, edited)
	if f.Ed.Value() != "a" || s.Err != "kept" || edits != 1 {
		t.Errorf("typing while sent: value %q, err %q; want nothing changed", f.Ed.Value(), s.Err)
	}
	sent := 0
	s.Submit(func() tea.Cmd { sent++; return nil })
	if sent != 0 {
		t.Error("Submit sent again while the call was out")
	}
	s.Out = false
	s.Submit(func() tea.Cmd { sent++; return nil })
	if sent != 1 {
		t.Error("Submit did not send")
	}
}

func TestLoading(t *testing.T) {
	st := uitest.Styles(termenv.Ascii)
	var l Loading
	if line, ok := l.Status(st, "secrets"); !ok || !strings.Contains(line, "Loading secrets…") {
		t.Errorf("before the answer: %q, %v", line, ok)
	}
	if l.Answer(errors.New("unavailable")) {
		t.Error("a failed listing reported data")
	}
	if line, ok := l.Status(st, "secrets"); !ok || !strings.Contains(line, "Can't list secrets: unavailable") {
		t.Errorf("after a failure: %q, %v", line, ok)
	}
	l = Loading{}
	if !l.Answer(nil) {
		t.Error("a listing reported no data")
	}
	if line, ok := l.Status(st, "secrets"); ok || line != "" {
		t.Errorf("once loaded: %q, %v; want no status", line, ok)
	}
}
