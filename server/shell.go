package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/faldash/faldash/falpb"
)

// ErrRunnerNotReady is what a Runtime wraps when a shell is asked of a
// runner that has no process to share yet (still pending or setting up);
// the controller answers FAILED_PRECONDITION.
var ErrRunnerNotReady = errors.New("a shell opens once the runner is ready (IDLE or RUNNING)")

// ErrRunnerEnded is what ShellProcess.Wait wraps when the session ended
// because its runner did; the controller answers ABORTED.
var ErrRunnerEnded = errors.New("the runner ended, and the shell with it")

// TermSize is a pseudo-terminal's size in cells.
type TermSize struct {
	Rows, Cols int
}

// RunnerShells is implemented by a Runtime that can run a command the way
// one of its runners runs: with the runner's environment, working
// directory and confinement, so a shell is never a way around them.
type RunnerShells interface {
	// StartShell starts argv (empty: the user's shell) beside runner id,
	// on a pseudo-terminal of tty's size, or with plain pipes when tty is
	// nil. The process ends with ctx, with the runner, or when the
	// Runtime stops. Errors wrap ErrNoRunner (unknown or ended runner) or
	// ErrRunnerNotReady.
	StartShell(ctx context.Context, id string, argv []string, tty *TermSize) (ShellProcess, error)
}

// ShellProcess is a command started by StartShell.
type ShellProcess interface {
	// Output yields the command's stdout and stderr as produced (one
	// stream on a terminal), then io.EOF.
	Output() io.Reader
	// Input is the command's stdin; Close ends it (on a terminal, as an
	// end-of-file keystroke).
	Input() io.WriteCloser
	// Resize changes the terminal's size; without one it does nothing.
	Resize(TermSize) error
	// Wait waits for the command's end and returns its exit status (128 +
	// the signal's number when a signal ended it). Once it returns, the
	// session holds nothing any more.
	Wait() (int, error)
}

// ttyWait is how long the controller waits, after the first message of a
// session, for the terminal size that an interactive client with a
// terminal sends next. fal's CLI sends it at once; a client without a
// terminal sends input or nothing, and gets plain pipes.
const ttyWait = 250 * time.Millisecond

// shellChunk bounds one output message.
const shellChunk = 32 << 10

// Bounds on a session's command, which a Runtime passes through to the
// kernel (whose own limit on arguments is larger, but shared with the
// runner's environment).
const (
	maxShellArgs  = 1024
	maxShellBytes = 32 << 10
)

// ShellRunner runs a command on a runner for `fal runners shell` and
// `fal runners exec`: the first message names the runner and the command,
// an optional terminal size follows, then input and resizes until the
// client ends its side. Output streams back as produced; the exit status
// ends the session. Each session is logged (who, which runner, the
// command, the exit status), never its input or output.
func (s *service) ShellRunner(stream grpc.BidiStreamingServer[falpb.ShellRunnerInput, falpb.ShellRunnerOutput]) error {
	shells, ok := s.rt.(RunnerShells)
	if !ok {
		return status.Error(codes.Unimplemented, "this controller runs no runner processes, so it has no shell to open")
	}
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	// A session lasts as long as its user wants: the controller's
	// shutdown ends it rather than waiting for it.
	if s.closing != nil {
		defer context.AfterFunc(s.closing, cancel)()
	}

	first, err := stream.Recv()
	if err != nil {
		return err
	}
	id := first.GetRunnerId()
	if id == "" {
		return status.Error(codes.InvalidArgument, "runner_id is required in the first message")
	}
	argv := first.GetCommand()
	if err := checkCommand(argv); err != nil {
		return invalid(err)
	}

	// The client's messages, until it ends its side (or goes away, which
	// also cancels ctx and so the process).
	in := make(chan *falpb.ShellRunnerInput, 16)
	go func() {
		defer close(in)
		for {
			m, err := stream.Recv()
			if err != nil {
				return
			}
			select {
			case in <- m:
			case <-ctx.Done():
				return
			}
		}
	}()

	tty, early := firstTTY(ctx, in, first)
	who := callerKeyID(ctx)
	proc, err := shells.StartShell(ctx, id, argv, tty)
	if err != nil {
		s.log.Info("shell refused", "runner", id, "command", argv, "key", who, "error", err)
		return s.shellStatus(err)
	}
	s.log.Info("shell opened", "runner", id, "command", argv, "tty", tty != nil, "key", who)
	if err := stream.SendHeader(metadata.MD{}); err != nil {
		cancel()
		_, _ = proc.Wait()
		return err
	}

	go feedShell(ctx, proc, early, in)
	sendErr := pumpOutput(stream, proc.Output())
	if sendErr != nil {
		// Nobody reads the output any more: end the command rather
		// than wait for it.
		cancel()
	}
	code, waitErr := proc.Wait()
	attrs := []any{"runner", id, "command", argv, "key", who}
	if waitErr != nil {
		attrs = append(attrs, "error", waitErr)
	} else {
		attrs = append(attrs, "exit_code", code)
	}
	s.log.Info("shell closed", attrs...)
	if sendErr != nil {
		return sendErr
	}
	if waitErr != nil {
		return s.shellStatus(waitErr)
	}
	if s.closing != nil && s.closing.Err() != nil {
		// Ended by the shutdown, not by itself: its status is the kill's.
		return s.shellStatus(s.closing.Err())
	}
	c := int32(code)
	return stream.Send(&falpb.ShellRunnerOutput{ExitCode: &c, Close: true})
}

// checkCommand refuses a command no process could be given.
func checkCommand(argv []string) error {
	if len(argv) > 0 && argv[0] == "" {
		return errors.New("the command's first word is empty")
	}
	if len(argv) > maxShellArgs {
		return fmt.Errorf("the command has %d words, more than %d", len(argv), maxShellArgs)
	}
	n := 0
	for _, a := range argv {
		if strings.IndexByte(a, 0) >= 0 {
			return errors.New("the command holds a NUL byte, which no argument can carry")
		}
		n += len(a)
	}
	if n > maxShellBytes {
		return fmt.Errorf("the command is %d bytes long, more than %d", n, maxShellBytes)
	}
	return nil
}

// firstTTY decides between a terminal and pipes: the first message may
// carry the size itself, else an interactive client with a terminal sends
// it next. Whatever else arrives in that window is input, returned to be
// fed first (a close message when the client already ended its side).
func firstTTY(ctx context.Context, in <-chan *falpb.ShellRunnerInput, first *falpb.ShellRunnerInput) (*TermSize, []*falpb.ShellRunnerInput) {
	if t := first.GetTtySize(); first.TtySize != nil {
		return &TermSize{Rows: int(t.GetHeight()), Cols: int(t.GetWidth())}, nil
	}
	var early []*falpb.ShellRunnerInput
	if len(first.GetData()) > 0 || first.GetClose() {
		early = append(early, first)
	}
	timer := time.NewTimer(ttyWait)
	defer timer.Stop()
	select {
	case m, ok := <-in:
		if !ok {
			return nil, append(early, &falpb.ShellRunnerInput{Close: true})
		}
		if m.TtySize != nil {
			t := m.GetTtySize()
			return &TermSize{Rows: int(t.GetHeight()), Cols: int(t.GetWidth())}, append(early, &falpb.ShellRunnerInput{Data: m.GetData(), Close: m.GetClose()})
		}
		return nil, append(early, m)
	case <-timer.C:
	case <-ctx.Done():
	}
	return nil, early
}

// feedShell writes the client's input and resizes to the process; the end
// of the client's side (or a close message) closes its input.
func feedShell(ctx context.Context, proc ShellProcess, early []*falpb.ShellRunnerInput, in <-chan *falpb.ShellRunnerInput) {
	input := proc.Input()
	defer input.Close()
	apply := func(m *falpb.ShellRunnerInput) bool {
		if t := m.GetTtySize(); m.TtySize != nil {
			_ = proc.Resize(TermSize{Rows: int(t.GetHeight()), Cols: int(t.GetWidth())})
		}
		if len(m.GetData()) > 0 {
			if _, err := input.Write(m.GetData()); err != nil {
				return false
			}
		}
		return !m.GetClose()
	}
	for _, m := range early {
		if !apply(m) {
			return
		}
	}
	for {
		select {
		case m, ok := <-in:
			if !ok || !apply(m) {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// pumpOutput sends the process's output as it comes, in bounded chunks.
func pumpOutput(stream grpc.BidiStreamingServer[falpb.ShellRunnerInput, falpb.ShellRunnerOutput], out io.Reader) error {
	buf := make([]byte, shellChunk)
	for {
		n, err := out.Read(buf)
		if n > 0 {
			if serr := stream.Send(&falpb.ShellRunnerOutput{Data: append([]byte(nil), buf[:n]...)}); serr != nil {
				return serr
			}
		}
		if err != nil {
			// io.EOF, or EIO from a terminal whose last holder closed it:
			// either way the output is over.
			return nil
		}
	}
}

func (s *service) shellStatus(err error) error {
	switch {
	case s.closing != nil && s.closing.Err() != nil:
		return status.Error(codes.Unavailable, "the controller is shutting down; the shell ended with it")
	case errors.Is(err, ErrRunnerNotReady):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, ErrRunnerEnded):
		return status.Error(codes.Aborted, err.Error())
	}
	return toStatus(err)
}

// callerKeyID names the key a call came with, for the session log; never
// the secret.
func callerKeyID(ctx context.Context) string {
	md, _ := metadata.FromIncomingContext(ctx)
	return first(md, MetadataKeyID)
}
