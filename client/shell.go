package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"

	"google.golang.org/grpc/metadata"

	"github.com/faldash/faldash/falpb"
)

// TermSize is a terminal's size in character cells.
type TermSize struct {
	Rows, Cols int
}

// ShellRequest says what to run on a runner (fal's ShellRunner).
type ShellRequest struct {
	// Command is the argv to run; empty means the runner's interactive
	// shell.
	Command []string
	// TTY, when set, asks for a pseudo-terminal of that size; nil runs the
	// command with plain pipes.
	TTY *TermSize
}

// Shell is a command running on a runner. Read yields its output as it is
// produced and io.EOF once it has ended; ExitCode then says how. Write
// sends input; CloseWrite ends it (a command given no input should be told
// at once, as fal's `runners exec` does). Resize forwards a new terminal
// size.
// Read is for one goroutine; Write, Resize and CloseWrite may be called
// from others.
type Shell interface {
	io.Reader
	io.Writer
	Resize(TermSize) error
	CloseWrite() error
	// ExitCode is the command's exit status, valid after Read returned
	// io.EOF; ok is false when the session ended without one.
	ExitCode() (code int, ok bool)
	// Close ends the session, stopping the command if it still runs.
	Close() error
}

// Shell opens a session on runner id, as `fal runners shell` (Command
// empty) and `fal runners exec` do. It returns once the controller has
// accepted the session, so a runner that is unknown, still starting or
// not the caller's to open is an error here, before any terminal is handed
// over. The session lasts until the command ends, Close, or ctx ends.
func (g *GRPC) Shell(ctx context.Context, id RunnerID, req ShellRequest) (Shell, error) {
	op := fmt.Sprintf("shell on runner %q", id)
	if id == "" {
		return nil, invalid(op, errors.New("no runner id given"))
	}
	first := &falpb.ShellRunnerInput{RunnerId: string(id), Command: req.Command}
	sctx, cancel := context.WithCancel(ctx)
	stream, err := g.rpc.ShellRunner(sctx)
	if err != nil {
		cancel()
		return nil, rpcError(ctx, op, g.target.Addr, err)
	}
	s := &shell{ctx: ctx, op: op, addr: g.target.Addr, stream: stream, cancel: cancel}
	err = s.send(first)
	if err == nil && req.TTY != nil {
		err = s.Resize(*req.TTY)
	}
	if err == nil {
		// The controller sends its headers once the command runs; an
		// error (unknown runner, refused key) ends the stream instead,
		// without headers, and Recv has its status.
		var md metadata.MD
		if md, err = stream.Header(); err == nil && md == nil {
			if _, err = stream.Recv(); err == nil || errors.Is(err, io.EOF) {
				err = errors.New("the controller ended the session before it began")
			}
		}
	}
	if err != nil {
		cancel()
		return nil, s.fail(err)
	}
	return s, nil
}

type shell struct {
	ctx    context.Context
	op     string
	addr   string
	stream falpb.IsolateController_ShellRunnerClient
	cancel context.CancelFunc

	sendMu    sync.Mutex // gRPC allows one sender at a time
	closedOut bool

	pending []byte // output received but not read yet
	exit    *int32
	done    bool
}

func (s *shell) send(m *falpb.ShellRunnerInput) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if s.closedOut {
		return errors.New("the session's input is closed")
	}
	return s.stream.Send(m)
}

func (s *shell) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := s.send(&falpb.ShellRunnerInput{Data: append([]byte(nil), p...)}); err != nil {
		return 0, s.fail(err)
	}
	return len(p), nil
}

func (s *shell) Resize(t TermSize) error {
	size := &falpb.TerminalSize{Height: clampInt32(t.Rows), Width: clampInt32(t.Cols)}
	if err := s.send(&falpb.ShellRunnerInput{TtySize: size}); err != nil {
		return s.fail(err)
	}
	return nil
}

// CloseWrite finishes the client's side of the stream, which is how fal's
// CLI says its input has ended.
func (s *shell) CloseWrite() error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if s.closedOut {
		return nil
	}
	s.closedOut = true
	return s.stream.CloseSend()
}

func (s *shell) Read(p []byte) (int, error) {
	for len(s.pending) == 0 {
		if s.done {
			return 0, io.EOF
		}
		m, err := s.stream.Recv()
		if errors.Is(err, io.EOF) {
			s.done = true
			return 0, io.EOF
		}
		if err != nil {
			s.done = true
			return 0, s.fail(err)
		}
		s.pending = m.GetData()
		if m.ExitCode != nil {
			code := m.GetExitCode()
			s.exit = &code
			s.done = true
		}
		if m.GetClose() {
			s.done = true
		}
	}
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	return n, nil
}

func (s *shell) ExitCode() (int, bool) {
	if s.exit == nil {
		return 0, false
	}
	return int(*s.exit), true
}

func (s *shell) Close() error {
	s.cancel()
	return nil
}

// fail turns a stream error into an *Error for the session.
func (s *shell) fail(err error) error {
	if errors.Is(err, io.EOF) {
		// Send reports io.EOF when the server ended the stream; its
		// status is what Recv returns.
		if _, rerr := s.stream.Recv(); rerr != nil && !errors.Is(rerr, io.EOF) {
			err = rerr
		}
	}
	return rpcError(s.ctx, s.op, s.addr, err)
}

func clampInt32(n int) int32 {
	return int32(min(max(n, 0), math.MaxInt32))
}
