package tui

import (
	"testing"

	"github.com/faldash/faldash/views/pane"
)

// 3 from the apps pane opens the runners of the app under the cursor.
func TestRunnersKeyOpensTheHighlightedApp(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("down", "3") // image-gen
	if h.m.cur != pane.RunnersKey("staging", "image-gen") {
		t.Fatalf("3 on image-gen opened %v", h.m.cur)
	}
	h.viewLacks("No app chosen")
	h.key("4", "3") // elsewhere, the app last opened
	if h.m.cur != pane.RunnersKey("staging", "image-gen") {
		t.Errorf("3 from the secrets opened %v", h.m.cur)
	}
}

// Tab completes environment names after :env, listing them at the first
// Tab that needs them; several candidates are shown and gone through.
func TestTabCompletesNames(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key(":")
	h.typeText("env s")
	h.key("tab")
	h.viewContains(":env staging█")

	h.key("esc", ":")
	h.typeText("env ")
	h.key("tab") // dev, main, staging: nothing in common, so the first
	h.viewContains(":env dev█", "tab: [dev]  main  staging")
	h.key("tab")
	h.viewContains(":env main█", "tab: dev  [main]  staging")
	h.key("tab", "tab")
	h.viewContains(":env dev█")
	h.key("enter")
	h.settle()
	if h.m.cur != pane.AppsKey("dev") {
		t.Fatalf(":env dev by Tab opened %v", h.m.cur)
	}

	h.key("1", "down", "enter", ":") // staging's apps
	h.typeText("runners ")
	h.key("tab")
	h.viewContains(":runners image-gen█", "tab: [image-gen]  my-app")
	h.key("backspace")
	h.viewLacks("tab: ") // typing drops the candidates
	h.key("esc", ":")
	h.typeText("runners m")
	h.key("tab", "enter")
	h.settle()
	if h.m.cur != pane.RunnersKey("staging", "my-app") {
		t.Fatalf(":runners my-app opened %v", h.m.cur)
	}

	h.key(":")
	h.typeText("e")
	h.key("tab") // env and envs: their common part, and both shown
	h.viewContains(":env█", "tab: env  envs")
	h.key("esc", ":")
	h.typeText("runners nope")
	h.key("enter")
	h.viewContains(`no app named "nope" in staging (:apps lists them)`)
}
