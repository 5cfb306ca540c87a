package tui

import (
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/views/envdelete"
	"github.com/faldash/faldash/views/pane"
)

func TestCreateEnvironment(t *testing.T) {
	h := started(t, seeded(), Config{})
	h.key("n")
	h.typeText("Qa")
	h.viewContains("must start with a lowercase letter")
	h.key("enter")
	called(t, h.fc, "CreateEnvironment", 0)
	h.key("backspace", "backspace")
	h.typeText("staging")
	h.viewContains("an environment of this name exists already")
	for range len("staging") {
		h.key("backspace")
	}
	h.typeText("qa")
	h.key("tab")
	h.typeText("quality checks")
	h.key("enter")
	call := called(t, h.fc, "CreateEnvironment", 1)[0]
	if call.Env != "qa" || call.Description != "quality checks" {
		t.Fatalf("CreateEnvironment %+v", call)
	}
	if h.modalOpen() {
		t.Fatal("form still open")
	}
	h.viewContains("✓ created environment qa", "▌+ qa")
}

func TestCreateEnvironmentRefusedStaysOpen(t *testing.T) {
	h := started(t, seeded(), Config{})
	h.fc.Fail("CreateEnvironment", &client.Error{Kind: client.PermissionDenied, Op: "create environment", Msg: "only admins create environments"})
	h.key("n")
	h.typeText("qa")
	h.key("enter")
	called(t, h.fc, "CreateEnvironment", 1)
	if !h.modalOpen() {
		t.Fatal("form closed on a refusal")
	}
	h.viewContains("New environment", "only admins create environments")
}

// openDelete opens the delete dialog of staging from the environments.
func openDelete(t *testing.T, h *harness) *envdelete.Modal {
	t.Helper()
	h.key("1")
	if p, ok := h.m.current().pane.(interface{ Selected() (string, bool) }); ok {
		for range 5 {
			if id, _ := p.Selected(); id == "staging" {
				break
			}
			h.key("down")
		}
	}
	h.key("d")
	md, ok := h.m.modal.(*envdelete.Modal)
	if !ok {
		t.Fatalf("d opened %T", h.m.modal)
	}
	return md
}

func TestDeleteEnvironmentNeedsTheExactName(t *testing.T) {
	h := started(t, seeded(), Config{})
	md := openDelete(t, h)
	if md.Focused() != envdelete.FocusCancel {
		t.Fatalf("focus starts on %v, want Cancel", md.Focused())
	}
	h.viewContains("2 apps: image-gen, my-app", "2 secrets: DB_URL, HF_TOKEN", "4 live runners", "[Cancel]")

	h.key("tab") // the name field, empty
	h.key("enter")
	for _, typed := range []string{"stag", "stagingx", "Staging", " staging"} {
		h.typeText(typed)
		h.key("enter")
		h.viewContains("Type staging exactly to delete it.")
		// Delete cannot take focus while the name does not match: tab goes
		// from the field straight to Cancel, and back.
		h.key("tab")
		if md.Focused() != envdelete.FocusCancel {
			t.Fatalf("%q typed: tab from the field focused %v, want Cancel", typed, md.Focused())
		}
		h.viewLacks("[Delete]")
		h.key("shift+tab")
		if md.Focused() != envdelete.FocusInput {
			t.Fatalf("%q typed: shift+tab from Cancel focused %v, want the field", typed, md.Focused())
		}
		for range len(typed) {
			h.key("backspace")
		}
	}
	called(t, h.fc, "DeleteEnvironment", 0)
	if !h.modalOpen() {
		t.Fatal("the dialog closed without a match")
	}
	h.key("esc")
	if h.modalOpen() {
		t.Fatal("esc did not close the dialog")
	}
	called(t, h.fc, "DeleteEnvironment", 0)
	h.viewContains("Cancelled: environment staging was not deleted.")

	// Enter on Cancel, where focus starts, closes it too, and says so.
	h.m.status.text = ""
	openDelete(t, h)
	h.key("enter")
	if h.modalOpen() {
		t.Fatal("enter on Cancel did not close the dialog")
	}
	called(t, h.fc, "DeleteEnvironment", 0)
	h.viewContains("Cancelled: environment staging was not deleted.")
}

func TestDeleteEnvironmentFocusesDeleteOnceTheNameMatches(t *testing.T) {
	h := started(t, seeded(), Config{})
	md := openDelete(t, h)
	h.typeText("staging")
	h.key("tab")
	if md.Focused() != envdelete.FocusDelete {
		t.Fatalf("tab from the matching name focused %v, want Delete", md.Focused())
	}
	h.viewContains("[Delete]")
	h.key("enter")
	called(t, h.fc, "DeleteEnvironment", 1)
}

func TestDeleteEnvironmentOnExactMatch(t *testing.T) {
	h := started(t, seeded(), Config{})
	openDelete(t, h)
	h.typeText("staging")
	h.viewContains("✓ matches")
	h.key("enter")
	call := called(t, h.fc, "DeleteEnvironment", 1)[0]
	if call.Env != "staging" {
		t.Fatalf("deleted %q", call.Env)
	}
	if h.modalOpen() {
		t.Fatal("dialog open after the deletion")
	}
	h.viewContains("✓ deleted environment staging", "▌  dev")
	h.viewLacks("pre-production")
	h.key("enter", "enter") // nothing left to delete twice
	called(t, h.fc, "DeleteEnvironment", 1)
}

func TestDeleteEnvironmentInUseGoesToEnvironments(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("enter") // my-app's runners in staging
	openDelete(t, h)
	h.typeText("staging")
	h.key("enter")
	called(t, h.fc, "DeleteEnvironment", 1)
	if h.m.cur.Kind != pane.Environments || h.m.env != "main" || h.m.app != "" {
		t.Fatalf("after deleting the environment in use: pane %s, env %q, app %q", h.m.cur.Kind, h.m.env, h.m.app)
	}
	for k := range h.m.panes {
		if k.Scope.Env == "staging" {
			t.Errorf("pane %v of the deleted environment is still cached", k)
		}
	}
	for _, k := range h.m.trail {
		if k.Scope.Env == "staging" {
			t.Errorf("esc would go back to %v", k)
		}
	}
	h.key("2")
	h.viewContains("fal › main › apps")
}

func TestDeleteEnvironmentRefusedStaysOpen(t *testing.T) {
	h := started(t, seeded(), Config{})
	h.fc.Fail("DeleteEnvironment", refused("environment staging has a rollout in progress"))
	openDelete(t, h)
	h.typeText("staging")
	h.key("enter")
	called(t, h.fc, "DeleteEnvironment", 1)
	if !h.modalOpen() {
		t.Fatal("dialog closed on a refusal")
	}
	h.viewContains("a rollout in progress")
}

func TestDeleteMainIsRefused(t *testing.T) {
	h := newHarness(t, seeded(), Config{})
	h.settle() // the cursor is on main
	h.key("d")
	if h.modalOpen() {
		t.Fatal("d on main opened a dialog")
	}
	h.viewContains("main is the default environment: fal never deletes it")
	h.typeText("main")
	h.key("enter")
	called(t, h.fc, "DeleteEnvironment", 0)
}

func TestNoPollWhileADialogIsOpen(t *testing.T) {
	h := started(t, seeded(), Config{})
	openDelete(t, h)
	h.settle()
	h.fc.Reset()
	for range 5 {
		fire[pollTickMsg](h)
		fire[clockMsg](h)
		h.settle()
	}
	h.key("ctrl+r")
	if calls := h.fc.CallsTo("ListEnvironments"); len(calls) != 0 {
		t.Fatalf("%d polls while the dialog was open", len(calls))
	}
	h.key("esc")
	called(t, h.fc, "ListEnvironments", 1)
}
