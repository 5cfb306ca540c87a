package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/creack/pty"

	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/confine"
)

var _ server.RunnerShells = (*Supervisor)(nil)

// defaultTerm is the terminal type a shell on a terminal is told it has,
// unless the runner's environment names one: fal's protocol does not
// carry the client's.
const defaultTerm = "TERM=xterm-256color"

// StartShell starts argv (empty: the user's $SHELL, else /bin/sh) inside
// runner id's confinement, through its shim: the runner's environment,
// working directory, Landlock domain and PID namespace. It ends when it
// exits, when ctx ends, or when the runner does, and leaves no process
// behind.
func (s *Supervisor) StartShell(ctx context.Context, id string, argv []string, tty *server.TermSize) (server.ShellProcess, error) {
	p, err := s.shellTarget(id)
	if err != nil {
		return nil, err
	}
	if len(argv) == 0 {
		argv = []string{s.userShell()}
	}
	req := confine.SpawnRequest{Argv: argv, TTY: tty != nil}
	sh := &shellProc{ended: make(chan struct{})}
	// The ends the session gets; this process's copies are closed once
	// the shim has its own.
	var theirs []*os.File
	defer func() {
		for _, f := range theirs {
			f.Close()
		}
	}()
	if tty != nil {
		master, slave, err := pty.Open()
		if err != nil {
			return nil, fmt.Errorf("shell on runner %s: open a terminal: %w", id, err)
		}
		theirs = append(theirs, slave)
		sh.term, sh.out = master, master
		sh.in = eofWriter{master}
		if err := sh.Resize(*tty); err != nil {
			master.Close()
			return nil, fmt.Errorf("shell on runner %s: %w", id, err)
		}
		req.Stdin, req.Stdout, req.Stderr = slave, slave, slave
		req.Env = []string{defaultTerm}
	} else {
		inR, inW, err1 := os.Pipe()
		outR, outW, err2 := os.Pipe()
		if err := errors.Join(err1, err2); err != nil {
			for _, f := range []*os.File{inR, inW, outR, outW} {
				if f != nil {
					f.Close()
				}
			}
			return nil, fmt.Errorf("shell on runner %s: %w", id, err)
		}
		theirs = append(theirs, inR, outW)
		sh.in, sh.out = inW, outR
		sh.closers = []io.Closer{inW}
		// One stream for both, as on a terminal: fal's protocol has one.
		req.Stdin, req.Stdout, req.Stderr = inR, outW, outW
	}
	sh.closers = append(sh.closers, sh.out.(io.Closer))
	sh.sp, err = p.ctl.Spawn(ctx, req)
	if err != nil {
		sh.closeAll()
		if errors.Is(err, confine.ErrRunnerGone) {
			return nil, fmt.Errorf("runner %s has ended: %w", id, server.ErrNoRunner)
		}
		return nil, fmt.Errorf("shell on runner %s: %w", id, err)
	}
	go func() {
		select {
		case <-ctx.Done():
			sh.sp.End()
		case <-sh.ended:
		}
	}()
	return sh, nil
}

// shellTarget is the process of runner id, if it has one a shell may
// join.
func (s *Supervisor) shellTarget(id string) (*proc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started || s.stopping {
		return nil, fmt.Errorf("runner %q: %w", id, server.ErrNoRunner)
	}
	r, err := s.liveRunner(id)
	if err != nil {
		return nil, err
	}
	switch r.state {
	case stPending:
		return nil, fmt.Errorf("runner %s is pending, with no process yet: %w", id, server.ErrRunnerNotReady)
	case stSetup:
		return nil, fmt.Errorf("runner %s is still setting up: %w", id, server.ErrRunnerNotReady)
	case stFailureDelay:
		return nil, fmt.Errorf("runner %s failed its setup and waits to retry: %w", id, server.ErrRunnerNotReady)
	}
	if r.proc == nil {
		return nil, fmt.Errorf("runner %s has no process: %w", id, server.ErrRunnerNotReady)
	}
	return r.proc, nil
}

// userShell is the controller's user's shell, when $SHELL names one that
// exists, else /bin/sh.
func (s *Supervisor) userShell() string {
	for _, kv := range s.environ {
		sh, ok := strings.CutPrefix(kv, "SHELL=")
		if !ok || !filepath.IsAbs(sh) {
			continue
		}
		if fi, err := os.Stat(sh); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return sh
		}
	}
	return "/bin/sh"
}

// shellProc is a session started by StartShell.
type shellProc struct {
	sp      *confine.Spawned
	term    *os.File // the terminal's master side; nil with pipes
	in      io.WriteCloser
	out     io.Reader
	closers []io.Closer

	ended     chan struct{}
	closeOnce sync.Once
}

func (p *shellProc) Output() io.Reader     { return p.out }
func (p *shellProc) Input() io.WriteCloser { return p.in }

func (p *shellProc) Resize(t server.TermSize) error {
	if p.term == nil {
		return nil
	}
	// A client without a size to give sends zeros; a terminal of no
	// cells would break every program drawing on it.
	if t.Rows <= 0 || t.Cols <= 0 {
		return nil
	}
	size := &pty.Winsize{Rows: clampUint16(t.Rows), Cols: clampUint16(t.Cols)}
	if err := pty.Setsize(p.term, size); err != nil {
		return fmt.Errorf("resize the terminal: %w", err)
	}
	return nil
}

func (p *shellProc) Wait() (int, error) {
	code, err := p.sp.Wait()
	p.closeAll()
	if errors.Is(err, confine.ErrRunnerGone) {
		err = server.ErrRunnerEnded
	}
	return code, err
}

func (p *shellProc) closeAll() {
	p.closeOnce.Do(func() {
		close(p.ended)
		for _, c := range p.closers {
			c.Close()
		}
	})
}

// eofWriter is a terminal's input: closing it types the end-of-file
// character, as a user ends a terminal's input, since closing the
// terminal would hang up the whole session.
type eofWriter struct{ *os.File }

func (w eofWriter) Close() error {
	_, err := w.Write([]byte{4}) // Ctrl+D, VEOF's default
	return err
}

func clampUint16(n int) uint16 { return uint16(min(max(n, 0), math.MaxUint16)) }
