package runners

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/views/pane"
)

// An action on several runners says how far it went: a runner the
// controller no longer knows counts as already gone, and only other
// errors as failures, each with its reason.
func TestActionOnSeveralCountsEachOutcome(t *testing.T) {
	now := panetest.Now
	p := New(panetest.Deps(fakeclient.New(client.Target{}), &now), "staging", "my-app", NewHistory())
	errs := map[client.RunnerID]error{
		"r-gone": &client.Error{Kind: client.NotFound, Op: "kill runner", Msg: "no such runner"},
		"r-busy": &client.Error{Kind: client.Precondition, Op: "kill runner", Msg: "the runner is being replaced"},
	}
	do := func(_ context.Context, id client.RunnerID) error { return errs[id] }
	task := func(ids ...client.RunnerID) pane.Task {
		t.Helper()
		for _, msg := range panetest.Msgs(p.each(ids, p.what(ids), "killed", "killing "+p.what(ids), "killed "+p.what(ids), do)) {
			if task, ok := msg.(pane.Task); ok {
				return task
			}
		}
		t.Fatal("no task")
		return pane.Task{}
	}

	for _, tc := range []struct {
		ids  []client.RunnerID
		said string // on success
	}{
		{[]client.RunnerID{"r-1", "r-2"}, "killed 2 runners of my-app--staging"},
		{[]client.RunnerID{"r-1", "r-gone"}, "2 runners of my-app--staging: 1 killed, 1 already gone"},
		{[]client.RunnerID{"r-gone"}, "runner r-gone of my-app--staging: already gone"},
	} {
		tk := task(tc.ids...)
		out := tk.Run(context.Background())
		if out.Err != nil {
			t.Fatalf("%v: %v", tc.ids, out.Err)
		}
		if out.Said != tc.said {
			t.Errorf("%v: said %q, want %q", tc.ids, out.Said, tc.said)
		}
		if a := out.Reply.(acted); len(a.ok) != len(tc.ids) {
			t.Errorf("%v: unmarks %v, want every one", tc.ids, a.ok)
		}
	}

	tk := task("r-1", "r-gone", "r-busy")
	out := tk.Run(context.Background())
	err := out.Err
	var part *pane.Partial
	if !errors.As(err, &part) || part.Summary != "1 killed, 1 already gone, 1 failed" ||
		!strings.Contains(part.Error(), "runner r-busy: ") || !strings.Contains(part.Error(), "being replaced") {
		t.Fatalf("error %v, want a partial one naming r-busy and why", err)
	}
	if a := out.Reply.(acted); len(a.ok) != 2 {
		t.Errorf("unmarks %v, want the killed and the gone", a.ok)
	}

	// One runner that fails: the label names it, the error is the reason.
	if err := task("r-busy").Run(context.Background()).Err; errors.As(err, &part) || !strings.Contains(err.Error(), "being replaced") {
		t.Errorf("one runner failing: %v", err)
	}
}
