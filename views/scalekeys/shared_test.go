package scalekeys

import (
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/scalekeys/pending"
)

// Two Scalers given one Book, as the apps and runners panes are, build on
// one change: the second pane's press goes on from the first's, and only
// the last pause sends.
func TestScalersSharingABookMakeOneChange(t *testing.T) {
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	a := client.App{Name: "api", Env: "dev", Scaling: scaling.Settings{MinConcurrency: 0, MaxConcurrency: 5}}
	fc.SetApps("dev", a)
	d := panetest.Deps(fc, &now)
	d.Scaling = pending.New()
	apps, runners := New(d, "dev"), New(d, "dev")

	_, first, _ := split(apps.Key(uitest.Key("+"), a))
	_, second, _ := split(runners.Key(uitest.Key("+"), a)) // the listing still says min 0
	if got := apps.Cell("api", a.Scaling); got != "0→2/5" {
		t.Errorf("the apps pane shows %q, want 0→2/5", got)
	}
	if _, _, tasks := split(must(apps.Update(first[0]))); len(tasks) != 0 {
		t.Fatal("the first pane's pause sent, though a later press came")
	}
	_, _, tasks := split(must(runners.Update(second[0])))
	if len(tasks) != 1 {
		t.Fatalf("the last pause sent %d tasks", len(tasks))
	}
	done := run(t, tasks[0])
	if cmd := must(apps.Update(done)); cmd != nil {
		t.Error("the answer, heard by both panes, sent again")
	}
	must(runners.Update(done))
	calls := fc.CallsTo("UpdateApp")
	if len(calls) != 1 || *calls[0].Spec.MinConcurrency != 2 {
		t.Errorf("calls %+v, want one with min 2", calls)
	}
	if _, _, pending := runners.Shown("api", a.Scaling); pending {
		t.Error("still pending after the answer")
	}
}

// Presses past a limit are refused one by one, and the call that follows
// says how many and why.
func TestRefusedPressesAreCountedInTheCall(t *testing.T) {
	s, _, a := setup(t) // min 1, max 3
	var last Due
	for range 4 {
		st, dues, _ := split(s.Key(uitest.Key("+"), a))
		if len(dues) == 1 {
			last = dues[0]
		} else if len(st) != 1 || !st[0].Err {
			t.Fatalf("a refused press said %v", st)
		}
	}
	_, _, tasks := split(must(s.Update(last)))
	if len(tasks) != 1 {
		t.Fatalf("%d tasks", len(tasks))
	}
	if want := "scaled api--dev: min 1→3 (max 3; 2 presses refused)"; tasks[0].Run(t.Context()).Said != want {
		t.Errorf("done %q, want %q", tasks[0].Run(t.Context()).Said, want)
	}
}
