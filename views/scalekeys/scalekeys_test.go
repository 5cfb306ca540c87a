package scalekeys

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
)

func setup(t *testing.T) (*Scaler, *fakeclient.Client, client.App) {
	t.Helper()
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	a := client.App{Name: "api", Env: "dev", Scaling: scaling.Settings{MinConcurrency: 1, MaxConcurrency: 3, MaxMultiplexing: 1}}
	fc.SetApps("dev", a)
	return New(panetest.Deps(fc, &now), "dev"), fc, a
}

// split sorts a command's messages by kind.
func split(cmd tea.Cmd) (statuses []pane.Status, dues []Due, tasks []pane.Task) {
	for _, msg := range panetest.Msgs(cmd) {
		switch m := msg.(type) {
		case pane.Status:
			statuses = append(statuses, m)
		case pane.Schedule:
			dues = append(dues, m.Msg.(Due))
		case pane.Task:
			tasks = append(tasks, m)
		}
	}
	return
}

// run runs a task as the root would and returns its reply.
func run(t *testing.T, task pane.Task) tea.Msg {
	t.Helper()
	return task.Run(context.Background()).Reply
}

func TestPressesCoalesce(t *testing.T) {
	s, fc, a := setup(t)
	var last Due
	for range 3 {
		st, dues, tasks := split(s.Key(uitest.Key("]"), a))
		if len(st) != 0 || len(dues) != 1 || len(tasks) != 0 {
			t.Fatalf("a press gave %v %v %v", st, dues, tasks)
		}
		last = dues[0]
	}
	if got := s.Cell("api", a.Scaling); got != "1/3→6" {
		t.Errorf("cell %q", got)
	}
	// An earlier press's pause sends nothing.
	if _, _, tasks := split(must(s.Update(Due{App: "api", Seq: last.Seq - 1}))); len(tasks) != 0 {
		t.Fatal("an old pause sent")
	}
	_, _, tasks := split(must(s.Update(last)))
	if len(tasks) != 1 {
		t.Fatalf("the last pause sent %d tasks", len(tasks))
	}
	done := run(t, tasks[0])
	call := fc.CallsTo("UpdateApp")[0]
	if call.Spec.MinConcurrency != nil || *call.Spec.MaxConcurrency != 6 {
		t.Errorf("spec %+v, want max 6 only", call.Spec)
	}
	if cmd := must(s.Update(done)); cmd != nil {
		t.Error("a done change sent again")
	}
	if _, _, pending := s.Shown("api", a.Scaling); pending {
		t.Error("still pending after the answer")
	}
}

func must(cmd tea.Cmd, handled bool) tea.Cmd {
	if !handled {
		panic("message not handled")
	}
	return cmd
}

func TestErrorDropsTheChange(t *testing.T) {
	s, fc, a := setup(t)
	_, dues, _ := split(s.Key(uitest.Key("+"), a))
	_, _, tasks := split(must(s.Update(dues[0])))
	fc.Fail("UpdateApp", errors.New("no"))
	s.Key(uitest.Key("+"), a) // pressed while the call is in flight
	must(s.Update(run(t, tasks[0])))
	if lo, hi, pending := s.Shown("api", a.Scaling); pending || lo != 1 || hi != 3 {
		t.Errorf("after an error: %d/%d pending %v, want the app's 1/3", lo, hi, pending)
	}
}

func TestPressesDuringACallAreSentAfterIt(t *testing.T) {
	s, fc, a := setup(t)
	_, dues, _ := split(s.Key(uitest.Key("+"), a))
	_, _, tasks := split(must(s.Update(dues[0])))
	_, dues, _ = split(s.Key(uitest.Key("+"), a))
	if _, _, early := split(must(s.Update(dues[0]))); len(early) != 0 {
		t.Fatal("sent while a call was in flight")
	}
	_, _, again := split(must(s.Update(run(t, tasks[0]))))
	if len(again) != 1 {
		t.Fatalf("the rest was not sent after the answer: %d tasks", len(again))
	}
	run(t, again[0])
	calls := fc.CallsTo("UpdateApp")
	if len(calls) != 2 || *calls[0].Spec.MinConcurrency != 2 || *calls[1].Spec.MinConcurrency != 3 {
		t.Errorf("calls %+v", calls)
	}
}

func TestBackToTheStartSendsNothing(t *testing.T) {
	s, fc, a := setup(t)
	s.Key(uitest.Key("+"), a)
	_, dues, _ := split(s.Key(uitest.Key("-"), a))
	st, _, tasks := split(must(s.Update(dues[0])))
	if len(tasks) != 0 || len(fc.Calls()) != 0 || !strings.Contains(st[0].Text, "unchanged") {
		t.Errorf("status %v, tasks %d", st, len(tasks))
	}
}

func TestRefusals(t *testing.T) {
	s, _, a := setup(t)
	a.Scaling.MinConcurrency, a.Scaling.MaxConcurrency = 0, 0
	for key, want := range map[string]string{
		"-": "min concurrency can't go below 0",
		"[": "max concurrency can't go below 0",
		"+": "min concurrency can't go above max (0): raise max first with ]",
	} {
		st, dues, _ := split(s.Key(uitest.Key(key), a))
		if len(dues) != 0 || len(st) != 1 || !st[0].Err || !strings.Contains(st[0].Text, want) {
			t.Errorf("%s: %v %v, want %q", key, st, dues, want)
		}
	}
	a.Scaling.MaxConcurrency = scaling.MaxRunners
	if st, _, _ := split(s.Key(uitest.Key("]"), a)); !st[0].Err {
		t.Error("max above the limit accepted")
	}
}
