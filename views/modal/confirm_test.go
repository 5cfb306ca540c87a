package modal

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
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
		{[]tea.KeyMsg{panetest.Key("y")}, []tea.Msg{pane.CloseModal{}, yes{false}}},
		{[]tea.KeyMsg{panetest.Key(" "), panetest.Key("y")}, []tea.Msg{pane.CloseModal{}, yes{true}}},
		{[]tea.KeyMsg{panetest.Key(" "), panetest.Key(" "), panetest.Key("y")}, []tea.Msg{pane.CloseModal{}, yes{false}}},
		{[]tea.KeyMsg{panetest.Key("n")}, []tea.Msg{pane.CloseModal{}, pane.Status{Text: "Cancelled: nothing was changed."}}},
		{[]tea.KeyMsg{{Type: tea.KeyEsc}}, []tea.Msg{pane.CloseModal{}, pane.Status{Text: "Cancelled: nothing was changed."}}},
		{[]tea.KeyMsg{{Type: tea.KeyEnter}, panetest.Key("x"), panetest.Key("Y")}, nil},
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
	for _, want := range []string{"Kill it?", "It ends at once.", "[ ] gently", "space toggles", "y yes", "n/esc no"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	c.Update(panetest.Key(" "))
	if !strings.Contains(c.View(), "[x] gently") {
		t.Error("the option does not show as on")
	}
	for _, l := range strings.Split(v, "\n") {
		if w := len([]rune(l)); w > 60 {
			t.Errorf("line %q is %d wide in a 60-wide body", l, w)
		}
	}
}

func TestButtonsShowFocusWithoutColour(t *testing.T) {
	now := panetest.Now
	st := panetest.Deps(fakeclient.New(client.Target{}), &now).Styles
	if got := Buttons(st, 1, "Delete", "Cancel"); !strings.Contains(got, "[Cancel]") || strings.Contains(got, "[Delete]") {
		t.Errorf("buttons %q", got)
	}
}
