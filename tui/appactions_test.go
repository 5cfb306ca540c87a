package tui

import (
	"testing"
	"time"

	"github.com/faldash/faldash/client"
)

func TestRolloutWithForce(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("r")
	h.viewContains("Roll out my-app--staging?", "Each of its 3 runners is replaced", "[ ] force")
	h.key("enter") // not an answer
	called(t, h.fc, "RolloutApp", 0)
	h.key(" ")
	h.viewContains("[x] force")
	h.key("y")
	call := called(t, h.fc, "RolloutApp", 1)[0]
	if call.Env != "staging" || call.App != "my-app" || !call.Force {
		t.Errorf("RolloutApp %+v, want my-app in staging, forced", call)
	}
	h.viewContains("✓ rollout of my-app--staging started (forced)")

	h.fc.Fail("RolloutApp", refused("a rollout is in progress already"))
	h.key("r", "y")
	call = called(t, h.fc, "RolloutApp", 2)[1]
	if call.Force {
		t.Error("force stayed on for the next rollout")
	}
	h.viewContains("✗ rolling out my-app--staging failed", "a rollout is in progress already")
}

func TestDeleteApp(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("d")
	h.viewContains("Delete app my-app--staging?", "its 3 runners")
	h.key("esc")
	called(t, h.fc, "DeleteAlias", 0)
	h.key("d", "y")
	call := called(t, h.fc, "DeleteAlias", 1)[0]
	if call.Env != "staging" || call.App != "my-app" {
		t.Errorf("DeleteAlias %+v", call)
	}
	h.viewContains("✓ deleted my-app--staging; its runners are stopping", "▌  image-gen")

	h.fc.Fail("DeleteAlias", refused("no"))
	h.key("d", "y")
	h.viewContains("✗ deleting image-gen--staging failed", "image-gen")
}

func TestRevisionsAndSetRevision(t *testing.T) {
	fc := seeded()
	fc.SetRevisions("staging", "my-app",
		client.Revision{ID: "0badc0de-0000-4000-8000-000000000001", Env: "staging", CreatedAt: t0.Add(-48 * time.Hour)},
		client.Revision{ID: "a1b2c3d4-0000-4000-8000-000000000002", Env: "staging", CreatedAt: t0.Add(-time.Hour), ActiveRunners: 3},
	)
	h := started(t, fc, Config{Env: "staging"})
	h.key("v")
	call := called(t, h.fc, "ListRevisions", 1)[0]
	if call.Env != "staging" || call.App != "my-app" {
		t.Fatalf("ListRevisions %+v", call)
	}
	h.viewContains("Revisions of my-app--staging", "● a1b2c3d4-0000-4000-8000-000000000002", "0badc0de", "2d ago")
	h.key("enter") // the current one
	h.viewContains("This is the revision the app runs already.")
	h.key("down", "enter")
	h.viewContains("Point my-app--staging at revision 0badc0de?")
	h.key("n")
	called(t, h.fc, "SetAlias", 0)
	h.key("enter", "y")
	set := called(t, h.fc, "SetAlias", 1)[0]
	if set.Env != "staging" || set.App != "my-app" || set.Revision != "0badc0de-0000-4000-8000-000000000001" {
		t.Errorf("SetAlias %+v", set)
	}
	if h.modalOpen() {
		t.Error("the list stays open after the revision was set")
	}
	h.viewContains("✓ my-app--staging now runs revision 0badc0de")
}

func TestStopMarkedRunnersReplacingFirst(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("enter") // r-0001 first
	h.key(" ", " ")
	h.key("S")
	h.viewContains("Stop 2 runners of my-app--staging gracefully?", "Runners: r-0001, r-0002", "[ ] replace first")
	h.key(" ", "y")
	calls := called(t, h.fc, "StopRunner", 2)
	for i, want := range []string{"r-0001", "r-0002"} {
		if calls[i].App != want || !calls[i].ReplaceFirst {
			t.Errorf("StopRunner %d: %+v, want %s replacing first", i, calls[i], want)
		}
	}
	h.viewContains("✓ stopping 2 runners of my-app--staging (draining first, replacing first)")
	h.viewLacks(" ✓ r-0001") // the marks go once acted on
}

func TestKillRunnerUnderTheCursor(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("enter", "down") // r-0002
	h.key("K")
	h.viewContains("Kill runner r-0002 of my-app--staging?", "the requests it holds")
	h.key("n")
	called(t, h.fc, "KillRunner", 0)
	h.key("K", "y")
	if call := called(t, h.fc, "KillRunner", 1)[0]; call.App != "r-0002" {
		t.Errorf("KillRunner %+v", call)
	}
	h.viewContains("✓ killed runner r-0002 of my-app--staging")
}

// A runner the controller no longer knows has ended: killing it is no
// failure.
func TestKillSeveralAlreadyGone(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.fc.Fail("KillRunner", &client.Error{Kind: client.NotFound, Op: "kill runner", Msg: "runner gone"})
	h.key("enter", " ", " ", "K", "y")
	called(t, h.fc, "KillRunner", 2)
	h.viewContains("✓ 2 runners of my-app--staging: 2 already gone")
	h.viewLacks(" ✓ r-0001") // unmarked: they are gone
}
