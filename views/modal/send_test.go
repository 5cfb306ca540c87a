package modal

import (
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/views/pane"
)

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

func TestSendType(t *testing.T) {
	var f Field
	s := Send{Err: "refused"}
	if !s.Type(&f, panetest.Key("a")) || f.Ed.Value() != "a" || s.Err != "" {
		t.Fatalf("typing: value %q, err %q; want the key typed and the refusal cleared", f.Ed.Value(), s.Err)
	}
	if s.Type(&f, tea.KeyMsg{Type: tea.KeyF5}) {
		t.Error("a key that edits nothing reported a change")
	}
	s = Send{Out: true, Err: "kept"}
	if s.Type(&f, panetest.Key("b")) || f.Ed.Value() != "a" || s.Err != "kept" {
		t.Errorf("typing while sent: value %q, err %q; want nothing changed", f.Ed.Value(), s.Err)
	}
}

func TestLoading(t *testing.T) {
	now := panetest.Now
	st := panetest.Deps(fakeclient.New(client.Target{}), &now).Styles
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
