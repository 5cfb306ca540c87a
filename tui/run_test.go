package tui

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/poll"
	"github.com/faldash/faldash/internal/syncbuf"
	"github.com/faldash/faldash/internal/ui/uitest"
)

const (
	enterAltScreen = "\x1b[?1049h"
	exitAltScreen  = "\x1b[?1049l"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	poll.Wait(t, 10*time.Second, 5*time.Millisecond, what, cond)
}

type program struct {
	in   *io.PipeWriter
	out  *syncbuf.Buffer
	done chan error
}

func start(t *testing.T, ctx context.Context, c client.Client) *program {
	t.Helper()
	pr, pw := io.Pipe()
	p := &program{in: pw, out: &syncbuf.Buffer{}, done: make(chan error, 1)}
	go func() {
		p.done <- Run(ctx, Config{Client: c, Refresh: MinRefresh, Styles: uitest.Styles(termenv.Ascii)},
			tea.WithInput(pr), tea.WithOutput(p.out), tea.WithoutSignalHandler())
	}()
	t.Cleanup(func() { pw.Close() })
	return p
}

func (p *program) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the program did not end")
		return nil
	}
}

// restored checks that the alternate screen was entered and then left.
func (p *program) restored(t *testing.T) {
	t.Helper()
	out := p.out.String()
	in, exit := strings.Index(out, enterAltScreen), strings.LastIndex(out, exitAltScreen)
	if in < 0 || exit < in {
		t.Errorf("alternate screen not left cleanly (enter at %d, exit at %d)", in, exit)
	}
}

func TestRunPollsOneCallAtATimeAndQuits(t *testing.T) {
	fc := seeded()
	p := start(t, context.Background(), fc)
	waitFor(t, "three polls", func() bool { return len(fc.CallsTo("ListEnvironments")) >= 3 })
	// Without a terminal there is no size to lay out in, but a first frame
	// is drawn at once all the same.
	waitFor(t, "a first frame", func() bool { return strings.Contains(p.out.String(), "faldash") })
	if _, err := p.in.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := fc.MaxInFlight(); n != 1 {
		t.Errorf("%d calls were in flight at once", n)
	}
	p.restored(t)
}

func TestRunCtrlCQuits(t *testing.T) {
	fc := seeded()
	p := start(t, context.Background(), fc)
	waitFor(t, "the first poll", func() bool { return len(fc.Calls()) >= 1 })
	if _, err := p.in.Write([]byte{0x03}); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
	p.restored(t)
}

func TestRunEndsWithContext(t *testing.T) {
	fc := seeded()
	fc.Hold() // a call hangs: cancelling must still end everything
	ctx, cancel := context.WithCancel(context.Background())
	p := start(t, ctx, fc)
	waitFor(t, "a call in flight", func() bool { return fc.InFlight() == 1 })
	cancel()
	if err := p.wait(t); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	p.restored(t)
	waitFor(t, "the held call to end", func() bool { return fc.InFlight() == 0 })
}

// panicky panics when listing environments, in a command's goroutine.
type panicky struct{ *fakeclient.Client }

func (panicky) ListEnvironments(context.Context) ([]client.Environment, error) {
	panic("boom")
}

func TestRunRestoresTerminalOnPanic(t *testing.T) {
	p := start(t, context.Background(), panicky{seeded()})
	err := p.wait(t)
	if !errors.Is(err, tea.ErrProgramPanic) || !strings.Contains(err.Error(), "crashed") {
		t.Fatalf("Run after a panic: %v", err)
	}
	p.restored(t)
}

func TestRunNeedsAClient(t *testing.T) {
	if err := Run(context.Background(), Config{}); err == nil {
		t.Error("Run without a client succeeded")
	}
}
