package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/faldash/faldash/falpb"
)

// shellRuntime is a Runtime whose one runner, r-1, runs an echo: the
// session says what it was started with, then echoes its input and says
// each resize, and exits with its command's word count once its input
// ends. Runner "setup" is not ready; any other is unknown.
type shellRuntime struct {
	fakeRuntime
}

func (*shellRuntime) StartShell(ctx context.Context, id string, argv []string, tty *TermSize) (ShellProcess, error) {
	switch id {
	case "r-1":
	case "setup":
		return nil, fmt.Errorf("runner setup is still setting up: %w", ErrRunnerNotReady)
	default:
		return nil, fmt.Errorf("runner %q: %w", id, ErrNoRunner)
	}
	outR, outW := io.Pipe()
	inR, inW := io.Pipe()
	p := &echoShell{out: outR, in: inW, done: make(chan struct{}), code: len(argv)}
	term := "pipes"
	if tty != nil {
		term = fmt.Sprintf("tty %dx%d", tty.Rows, tty.Cols)
	}
	go func() {
		defer close(p.done)
		defer outW.Close()
		fmt.Fprintf(outW, "start %q %s\n", argv, term)
		stop := context.AfterFunc(ctx, func() { inR.CloseWithError(ctx.Err()) })
		defer stop()
		if _, err := io.Copy(outW, inR); err != nil {
			p.code = 137
		}
	}()
	return p, nil
}

type echoShell struct {
	out  io.Reader
	in   io.WriteCloser
	done chan struct{}
	code int
}

func (p *echoShell) Output() io.Reader     { return p.out }
func (p *echoShell) Input() io.WriteCloser { return p.in }

// Resize notes the size in the input, which keeps it in order with what
// was typed around it.
func (p *echoShell) Resize(t TermSize) error {
	_, err := fmt.Fprintf(p.in, "resized %dx%d\n", t.Rows, t.Cols)
	return err
}
func (p *echoShell) Wait() (int, error) { <-p.done; return p.code, nil }

// shellSession runs one ShellRunner call with msgs sent in order (the
// client's side then ends) and returns the output and the exit code (-1
// without one).
func shellSession(t *testing.T, h *harness, msgs ...*falpb.ShellRunnerInput) (string, int, error) {
	t.Helper()
	stream, err := h.cl.ShellRunner(h.ctx())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if err := stream.Send(m); err != nil {
			break // the status says why
		}
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	code := -1
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out.String(), code, nil
		}
		if err != nil {
			return out.String(), code, err
		}
		out.Write(m.GetData())
		if m.ExitCode != nil {
			if !m.GetClose() || len(m.GetData()) > 0 {
				t.Errorf("the exit code came with close=%v and data %q: fal's CLI drops data beside it", m.GetClose(), m.GetData())
			}
			code = int(m.GetExitCode())
		}
	}
}

// TestShellRunnerProtocol: the session as fal's CLI drives it. `exec`
// sends one message and ends its side: pipes, output, status. `shell`
// on a terminal sends the size next, then input and resizes.
func TestShellRunnerProtocol(t *testing.T) {
	h := start(t, func(c *Config) { c.Runtime = &shellRuntime{} })

	out, code, err := shellSession(t, h, &falpb.ShellRunnerInput{RunnerId: "r-1", Command: []string{"ls", "-l"}})
	if err != nil || code != 2 || out != "start [\"ls\" \"-l\"] pipes\n" {
		t.Errorf("exec: %q, status %d, %v", out, code, err)
	}

	out, code, err = shellSession(t, h,
		&falpb.ShellRunnerInput{RunnerId: "r-1"},
		&falpb.ShellRunnerInput{TtySize: &falpb.TerminalSize{Height: 24, Width: 80}},
		&falpb.ShellRunnerInput{Data: []byte("typed\n")},
		&falpb.ShellRunnerInput{TtySize: &falpb.TerminalSize{Height: 50, Width: 132}},
		&falpb.ShellRunnerInput{Data: []byte("more\n")},
	)
	if err != nil || code != 0 || out != "start [] tty 24x80\ntyped\nresized 50x132\nmore\n" {
		t.Errorf("shell: %q, status %d, %v", out, code, err)
	}

	// A client without a terminal sends input instead of a size: pipes,
	// and the input is not lost.
	out, _, err = shellSession(t, h, &falpb.ShellRunnerInput{RunnerId: "r-1"}, &falpb.ShellRunnerInput{Data: []byte("piped\n")})
	if err != nil || out != "start [] pipes\npiped\n" {
		t.Errorf("shell without a terminal: %q, %v", out, err)
	}
}

// TestShellRunnerRefused: bad requests change nothing and say why; a
// runner that is unknown or not ready is refused with the Runtime's
// reason; a controller without runners has no shell.
func TestShellRunnerRefused(t *testing.T) {
	h := start(t, func(c *Config) { c.Runtime = &shellRuntime{} })
	for _, c := range []struct {
		first *falpb.ShellRunnerInput
		code  codes.Code
		says  string
	}{
		{&falpb.ShellRunnerInput{}, codes.InvalidArgument, "runner_id"},
		{&falpb.ShellRunnerInput{RunnerId: "r-1", Command: []string{""}}, codes.InvalidArgument, "empty"},
		{&falpb.ShellRunnerInput{RunnerId: "r-1", Command: []string{"echo", "a\x00b"}}, codes.InvalidArgument, "NUL"},
		{&falpb.ShellRunnerInput{RunnerId: "r-1", Command: slices.Repeat([]string{"x"}, maxShellArgs+1)}, codes.InvalidArgument, "words"},
		{&falpb.ShellRunnerInput{RunnerId: "r-1", Command: []string{"echo", strings.Repeat("x", maxShellBytes)}}, codes.InvalidArgument, "bytes"},
		{&falpb.ShellRunnerInput{RunnerId: "gone"}, codes.NotFound, `"gone"`},
		{&falpb.ShellRunnerInput{RunnerId: "setup"}, codes.FailedPrecondition, "still setting up"},
	} {
		out, code, err := shellSession(t, h, c.first)
		wantCode(t, err, c.code, c.says)
		if out != "" || code != -1 {
			t.Errorf("%v: a refused session said %q, status %d", c.first, out, code)
		}
	}

	bare := start(t)
	_, _, err := shellSession(t, bare, &falpb.ShellRunnerInput{RunnerId: "r-1"})
	wantCode(t, err, codes.Unimplemented, "no runner processes")
}
