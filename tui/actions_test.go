package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/views/scalekeys"
)

// refused is an error a controller gives for a request it won't carry out.
func refused(msg string) error {
	return &client.Error{Kind: client.Precondition, Op: "update", Msg: msg}
}

// called returns the calls of method, failing the test unless there are n.
func called(t *testing.T, fc *fakeclient.Client, method string, n int) []fakeclient.Call {
	t.Helper()
	calls := fc.CallsTo(method)
	if len(calls) != n {
		t.Fatalf("%d calls to %s, want %d: %+v", len(calls), method, n, fc.Calls())
	}
	return calls
}

func (h *harness) modalOpen() bool { return h.m.modal != nil }

func (h *harness) status() string { return h.m.status.text }

func TestScaleKeysCoalesceIntoOneCall(t *testing.T) {
	h := newHarness(t, seeded(), Config{Env: "staging"})
	h.settle() // my-app: min 0, max 10
	h.key("+", "+", "+")
	h.viewContains("0→3/10")
	called(t, h.fc, "UpdateApp", 0)
	if d := scheduled[delivery](h); len(d) != 3 || d[0] != scalekeys.Delay {
		t.Fatalf("debounce timers %v, want three of %v", d, scalekeys.Delay)
	}

	fire[delivery](h) // the pause ends; only the last press's timer counts
	h.settle()
	call := called(t, h.fc, "UpdateApp", 1)[0]
	if call.Env != "staging" || call.App != "my-app" || call.Spec.MinConcurrency == nil || *call.Spec.MinConcurrency != 3 ||
		call.Spec.MaxConcurrency != nil || call.Spec.KeepAlive != nil {
		t.Fatalf("UpdateApp %+v, want min 3 only", call)
	}
	h.viewContains("✓ scaled my-app--staging: min 0→3", " 3/10 ")
	h.viewLacks("0→3/10")
}

func TestScaleKeyErrorRevertsAndSaysWhy(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.fc.Fail("UpdateApp", refused("quota of 10 runners reached"))
	h.key("]")
	h.viewContains("0/10→11")
	fire[delivery](h)
	h.settle()
	called(t, h.fc, "UpdateApp", 1)
	h.viewContains("✗ scaling my-app--staging: max 10→11 failed", "quota of 10 runners reached", "0/10 ")
	h.viewLacks("10→11/")
}

func TestScaleKeysRefuseOnTheSpot(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("down") // image-gen: min 0, max 2
	h.key("-")
	if !strings.Contains(h.status(), "min concurrency can't go below 0") {
		t.Errorf("status %q", h.status())
	}
	h.key("+", "+", "+")
	if !strings.Contains(h.status(), "can't go above max (2)") {
		t.Errorf("status %q", h.status())
	}
	h.key("[", "[", "[")
	if !strings.Contains(h.status(), "max concurrency can't go below min (2): lower min first with -") {
		t.Errorf("lowering max below min: status %q", h.status())
	}
	h.viewContains("2/2")
	fire[delivery](h)
	h.settle()
	call := called(t, h.fc, "UpdateApp", 1)[0]
	if *call.Spec.MinConcurrency != 2 || call.Spec.MaxConcurrency != nil {
		t.Errorf("UpdateApp %+v, want min 2", call)
	}
}

func TestScaleKeysFromTheRunnersPane(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("enter") // my-app's runners
	h.viewContains("min 0 · max 10")
	h.key("]", "]")
	h.viewContains("scaling: max 10→12 (pending)")
	fire[delivery](h)
	h.settle()
	call := called(t, h.fc, "UpdateApp", 1)[0]
	if call.App != "my-app" || *call.Spec.MaxConcurrency != 12 || call.Spec.MinConcurrency != nil {
		t.Errorf("UpdateApp %+v", call)
	}
	h.viewContains("min 0 · max 12")
}

func TestScaleKeysWhileACallIsInFlight(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("+")
	fire[delivery](h)
	// The call goes out; its answer is held back while two more presses come.
	done := take[taskDoneMsg](h)
	if len(done) != 1 {
		t.Fatalf("want the call in flight, got %d answers", len(done))
	}
	h.key("+", "+")
	fire[delivery](h)
	called(t, h.fc, "UpdateApp", 1) // not a second call while one is in flight
	h.send(done[0])
	h.settle()
	calls := called(t, h.fc, "UpdateApp", 2)
	if *calls[1].Spec.MinConcurrency != 3 {
		t.Errorf("second call %+v, want min 3", calls[1])
	}
}

func TestScaleForm(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("s")
	h.viewContains("Scale my-app--staging", "↺ fal resets this field on the next deploy", "none yet: edit a field")
	h.key("enter") // nothing changed: nothing sent
	h.viewContains("Nothing to apply")

	h.key("backspace")
	h.typeText("20") // min 20 > max 10
	h.viewContains("min_concurrency (20) is above max_concurrency (10)")
	h.key("enter")
	called(t, h.fc, "UpdateApp", 0)
	h.viewContains("Fix the marked fields first.")

	h.key("backspace")                // min 2
	h.key("tab", "tab", "tab")        // keep-alive
	h.key("backspace", "backspace")   // "60" → ""
	h.typeText("120")                 // keep-alive 120
	h.key("tab", "tab", "tab", "tab") // request timeout
	h.typeText("30")
	h.viewContains("min concurrency      0 → 2", "keep-alive (s)       60 → 120", "request timeout (s)  - → 30")
	h.key("enter")
	call := called(t, h.fc, "UpdateApp", 1)[0]
	s := call.Spec
	if *s.MinConcurrency != 2 || *s.KeepAlive != 120 || *s.RequestTimeout != 30 ||
		s.MaxConcurrency != nil || s.MaxMultiplexing != nil || s.MachineTypes != nil || s.ConcurrencyBufferPerc != nil {
		t.Errorf("UpdateApp spec %+v, want min, keep-alive and request timeout only", s)
	}
	if h.modalOpen() {
		t.Error("form still open after a good answer")
	}
	h.viewContains("✓ scaled my-app--staging")
}

// Presses still pending when the form opens are sent at once, and the form
// starts from the values they asked for: it neither shows the old values
// nor races the pause's call with its own.
func TestScaleFormAfterPendingPresses(t *testing.T) {
	h := newHarness(t, seeded(), Config{Env: "staging"})
	h.settle() // my-app: min 0, max 10
	h.key("+", "+", "]")
	h.key("s")
	h.settle()
	call := called(t, h.fc, "UpdateApp", 1)[0]
	if call.Spec.MinConcurrency == nil || *call.Spec.MinConcurrency != 2 ||
		call.Spec.MaxConcurrency == nil || *call.Spec.MaxConcurrency != 11 {
		t.Fatalf("UpdateApp %+v, want the presses' min 2, max 11", call.Spec)
	}
	h.viewContains("Scale my-app--staging", "none yet: edit a field")
	fire[delivery](h) // the presses' pause ends: nothing more to send
	h.settle()
	called(t, h.fc, "UpdateApp", 1)

	h.key("tab", "backspace", "backspace") // max "11" → ""
	h.typeText("12")
	h.viewContains("max concurrency      11 → 12")
	h.key("enter")
	if s := called(t, h.fc, "UpdateApp", 2)[1].Spec; s.MinConcurrency != nil || *s.MaxConcurrency != 12 {
		t.Errorf("the form sent %+v, want max 12 only", s)
	}
}

func TestScaleFormStaysOpenOnRefusal(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.fc.Fail("UpdateApp", refused("machine type GPU-B200 is not offered"))
	h.key("s", "tab", "backspace", "backspace")
	h.typeText("3")
	h.key("enter")
	called(t, h.fc, "UpdateApp", 1)
	if !h.modalOpen() {
		t.Fatal("form closed on a refusal")
	}
	h.viewContains("machine type GPU-B200 is not offered", "Scale my-app--staging")
	h.key("esc")
	if h.modalOpen() {
		t.Error("esc left the form open")
	}
}

func TestRunesReadTogether(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	// A held + repeating, read as one message: three presses.
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("+++")})
	h.settle()
	h.viewContains("0→3/10")

	// Different runes: the first opens a dialog; the second is not an
	// answer to it.
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("dy")})
	h.settle()
	if !h.modalOpen() {
		t.Fatal("d did not open the delete question")
	}
	called(t, h.fc, "DeleteAlias", 0)
	h.key("esc")

	// A paste is no keys.
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("d"), Paste: true})
	h.settle()
	if h.modalOpen() {
		t.Error("a pasted d opened a dialog")
	}
}
