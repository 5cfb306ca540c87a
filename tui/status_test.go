package tui

import (
	"strings"
	"testing"

	"github.com/faldash/faldash/views/pane"
)

// An error belongs to what was on screen: the next key, or another pane,
// clears it.
func TestErrorsGoWithTheirPane(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key(":")
	h.typeText("env nope")
	h.key("enter")
	h.viewContains(`no environment named "nope"`)
	h.key("4")
	h.viewContains("fal › staging › secrets")
	h.viewLacks("nope")

	h.key("1", "3") // no app chosen from the environments
	h.viewContains("No app chosen")
	h.key("4")
	h.viewLacks("No app chosen")

	h.key("1", "3")
	h.key("down") // any key: the error has been seen
	h.viewLacks("No app chosen")
	if len(scheduled[clearStatusMsg](h)) != 0 {
		t.Error("an error was given a timer: it stays until the next key")
	}
}

// Other messages go after a few seconds, or with their pane.
func TestMessagesExpire(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("enter", "t")
	h.viewContains("showing runners terminated in the last hour")
	if d := scheduled[clearStatusMsg](h); len(d) != 1 || d[0] != statusTTL {
		t.Fatalf("clear timers %v, want one of %v", d, statusTTL)
	}
	fire[clearStatusMsg](h)
	h.viewLacks("showing runners terminated")

	h.key("t")
	h.viewContains("hiding terminated runners")
	h.key("esc")
	h.viewLacks("hiding terminated runners")
}

// A message a pane sends once hidden is about what is no longer shown.
func TestHiddenPaneSaysNothing(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.run(h.m.act(origin{pane: pane.SecretsKey("staging")}, []pane.Request{pane.Status{Text: "from elsewhere"}}))
	h.viewLacks("from elsewhere")
	h.run(h.m.act(origin{pane: h.m.cur}, []pane.Request{pane.Status{Text: "from here"}}))
	h.viewContains("from here")
}

// An action on several runners that partly fails says how far it went,
// and ! shows every reason.
func TestPartialFailureInFull(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("!")
	h.viewContains("No error so far.")
	h.fc.Fail("KillRunner", refused("runner is being replaced, and this reason is long enough not to fit on the status line"))
	h.key("enter", " ", " ", "K", "y")
	called(t, h.fc, "KillRunner", 2)
	h.viewContains("✗ killing 2 runners of my-app--staging: 2 failed (!: in full)")
	h.viewContains(" ✓ r-0001") // still marked: nothing was done to them
	h.key("!")
	if !h.modalOpen() {
		t.Fatal("! opened nothing")
	}
	h.viewContains("Last error", "runner r-0001: update: refused: runner is being replaced", "runner r-0002:", "not to fit on the")
	h.key("esc")
	if h.modalOpen() {
		t.Fatal("esc left the error open")
	}
	h.viewLacks("2 failed") // the error went with the key that opened it
	h.key("!")
	h.viewContains("runner r-0002:") // and can be read again
}

// A burst cut short by a limit says so when it is sent.
func TestRefusedPressesAreSaid(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("down") // image-gen: min 0, max 2
	h.key("+", "+", "+")
	if !strings.Contains(h.status(), "can't go above max (2)") {
		t.Errorf("status %q", h.status())
	}
	fire[delivery](h)
	h.settle()
	h.viewContains("✓ scaled image-gen--staging: min 0→2 (max 2; 1 press refused)")
}
