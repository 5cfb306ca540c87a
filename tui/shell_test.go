package tui

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/syncbuf"
	"github.com/faldash/faldash/views/pane"
)

// A shell that cannot open says why in the status line, and the
// dashboard stays where it was.
func TestShellThatCannotOpenSaysWhy(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging"})
	h.key("enter")
	h.fc.Fail("Shell", &client.Error{Kind: client.Precondition, Op: `shell on runner "r-0001"`,
		Msg: "runner r-0001 is still setting up: a shell opens once the runner is ready (IDLE or RUNNING)"})
	h.key("x")
	calls := called(t, h.fc, "Shell", 1)
	if calls[0].App != "r-0001" {
		t.Errorf("shell opened on %q, want the runner under the cursor", calls[0].App)
	}
	if !strings.Contains(h.status(), "Can't open a shell on runner r-0001") || !strings.Contains(h.m.lastErr.text, "still setting up") {
		t.Errorf("status %q, in full %q", h.status(), h.m.lastErr.text)
	}
	if h.m.cur != pane.RunnersKey("staging", "my-app") || len(h.m.tasks) != 0 {
		t.Errorf("after a failed shell: pane %v, tasks %v", h.m.cur, h.m.tasks)
	}
	h.viewContains("r-0002", "x shell")

	// From the runner's detail too.
	h.key("enter", "x")
	if calls := called(t, h.fc, "Shell", 2); calls[1].App != "r-0001" {
		t.Errorf("shell from the detail opened on %q", calls[1].App)
	}
}

// Where writing is not allowed the shell is refused, as every other
// action that can change something: with --readonly, and in main on fal
// cloud until writing is unlocked; in the runner's detail as in the list.
func TestShellRefusedWhereWritingIsNot(t *testing.T) {
	h := started(t, seeded(), Config{Env: "staging", ReadOnly: true})
	h.key("enter", "enter", "x")
	if !strings.Contains(h.status(), "Read-only (--readonly): shell is not allowed") {
		t.Errorf("read-only detail: status %q", h.status())
	}
	h.viewLacks("x shell")

	fc := cloudTeam()
	fc.SetRunners("main", "my-app", client.Runner{ID: "r-main", Alias: "my-app", App: "my-app", State: client.StateIdle})
	h = newHarness(t, fc, Config{Env: "main"})
	h.settle()
	h.key("enter", "enter", "x")
	if !strings.Contains(h.status(), "main on fal cloud is production") {
		t.Errorf("main on fal cloud: status %q", h.status())
	}
	if n := len(h.fc.CallsTo("Shell")); n != 0 {
		t.Errorf("%d shells opened where writing is not allowed", n)
	}
}

// fakeShell is a session whose output the test writes.
type fakeShell struct {
	out  *io.PipeReader
	outW *io.PipeWriter
	code int

	mu     sync.Mutex
	input  bytes.Buffer
	sizes  []client.TermSize
	closed bool
}

func newFakeShell(code int) *fakeShell {
	r, w := io.Pipe()
	return &fakeShell{out: r, outW: w, code: code}
}

func (s *fakeShell) Read(p []byte) (int, error) { return s.out.Read(p) }
func (s *fakeShell) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.input.Write(p)
}
func (s *fakeShell) Resize(t client.TermSize) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sizes = append(s.sizes, t)
	return nil
}
func (s *fakeShell) CloseWrite() error            { return nil }
func (s *fakeShell) ExitCode() (int, bool)        { return s.code, true }
func (s *fakeShell) typed() string                { s.mu.Lock(); defer s.mu.Unlock(); return s.input.String() }
func (s *fakeShell) wasClosed() bool              { s.mu.Lock(); defer s.mu.Unlock(); return s.closed }
func (s *fakeShell) Close() error                 { s.mu.Lock(); defer s.mu.Unlock(); s.closed = true; return nil }
func (s *fakeShell) say(text string) (int, error) { return s.outW.Write([]byte(text)) }

// The session given the terminal gets what is typed and shows what the
// runner prints; when it ends, the input is left to the dashboard (no
// read left behind to take its next key), and the status line says how
// it ended.
func TestShellHandOver(t *testing.T) {
	sh := newFakeShell(5)
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer inR.Close()
	defer inW.Close()
	var screen syncbuf.Buffer
	run := &shellRun{sh: sh, runner: "r-0001"}
	run.SetStdin(inR)
	run.SetStdout(&screen)
	done := make(chan error, 1)
	go func() { done <- run.Run() }()

	if _, err := inW.Write([]byte("echo hi; exit 5\r")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the typed line to reach the session", func() bool { return sh.typed() == "echo hi; exit 5\r" })
	if _, err := sh.say("hi\r\n"); err != nil {
		t.Fatal(err)
	}
	sh.outW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the hand-over did not end with the session")
	}
	if !strings.Contains(screen.String(), "shell on runner r-0001") || !strings.HasSuffix(screen.String(), "hi\r\n") || !sh.wasClosed() {
		t.Errorf("screen %q, session closed %v", screen.String(), sh.wasClosed())
	}

	// The next key is the dashboard's.
	if _, err := inW.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if n, err := inR.Read(buf); err != nil || string(buf[:n]) != "q" {
		t.Errorf("after the shell, the dashboard read %q, %v", buf[:n], err)
	}
	if sh.typed() != "echo hi; exit 5\r" {
		t.Errorf("the session got %q after it ended", sh.typed())
	}

	h := started(t, seeded(), Config{Env: "staging"})
	h.key("enter")
	before := h.view()
	h.send(run.ended(nil))
	h.settle()
	if h.status() != "shell on runner r-0001 exited with status 5" {
		t.Errorf("status %q", h.status())
	}
	if after := h.view(); !strings.Contains(after, "exited with status 5") || h.m.cur != pane.RunnersKey("staging", "my-app") {
		t.Errorf("the dashboard after the shell:\n%s\nbefore:\n%s", after, before)
	}
}
