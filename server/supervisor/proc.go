package supervisor

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/faldash/faldash/server/confine"
)

// proc is one runner process, started through the confinement shim:
// pid is the shim's, which leads the process group the runner is in.
// Signals go to the whole group, and only until the leader has exited:
// wait kills what is left of the group while the leader is still an
// unreaped zombie, so its pid, which is also the group id, cannot have
// been reused by then.
type proc struct {
	pid  int
	cmd  *exec.Cmd
	kill func(pid int) // ends every process of the runner (confine.Launcher.Kill)
	// ctl starts shells inside the runner's confinement.
	ctl *confine.Control

	mu          sync.Mutex
	exited      bool
	terminating bool
	killTimer   *time.Timer

	exitedCh chan struct{} // closed when the leader has exited
	done     chan struct{} // closed once it is reaped
	err      error         // Wait's result, set before done is closed
}

const (
	sigTerm = syscall.SIGTERM
	sigKill = syscall.SIGKILL
)

// startProc starts argv through l (confined, see package confine) in
// dir with exactly env, writing to stdout and stderr; it may write only
// in writable. An argv[0] without a slash is looked up in the
// controller's PATH.
func startProc(l *confine.Launcher, argv, env []string, dir string, writable []string, stdout, stderr *os.File) (*proc, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, errors.New("empty command")
	}
	if !groupsSupported {
		return nil, errors.New("runner processes need a Unix system")
	}
	argv = slices.Clone(argv)
	if !strings.Contains(argv[0], "/") {
		path, err := exec.LookPath(argv[0])
		if err != nil {
			return nil, fmt.Errorf("start %q: %w", argv[0], err)
		}
		argv[0] = path
	}
	cmd, ctl, err := l.CommandWithControl(argv, writable)
	if err != nil {
		return nil, fmt.Errorf("start %q: %w", argv[0], err)
	}
	cmd.Env = env
	cmd.Dir = dir
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	err = cmd.Start()
	ctl.Started()
	if err != nil {
		ctl.Close()
		return nil, fmt.Errorf("start %q: %w", argv[0], err)
	}
	p := &proc{
		pid:      cmd.Process.Pid,
		cmd:      cmd,
		kill:     l.Kill,
		ctl:      ctl,
		exitedCh: make(chan struct{}),
		done:     make(chan struct{}),
	}
	go p.wait()
	return p, nil
}

func (p *proc) wait() {
	if canPeekExit {
		waitExited(p.pid)
	} else {
		p.err = p.cmd.Wait()
	}
	p.mu.Lock()
	p.exited = true
	if p.killTimer != nil {
		p.killTimer.Stop()
	}
	// A runner's processes end with it, as a container's do.
	_ = killGroup(p.pid, sigKill)
	p.mu.Unlock()
	close(p.exitedCh)
	if canPeekExit {
		p.err = p.cmd.Wait()
	}
	p.ctl.Close()
	close(p.done)
}

// signal sends sig to the process group, unless the leader has exited;
// SIGKILL goes to every process of the runner, in the group or not.
func (p *proc) signal(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.exited:
	case sig == sigKill:
		p.kill(p.pid)
	default:
		_ = killGroup(p.pid, sig)
	}
}

// terminate sends SIGTERM to the group and SIGKILL after grace. Later
// calls do nothing.
func (p *proc) terminate(grace time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited || p.terminating {
		return
	}
	p.terminating = true
	_ = killGroup(p.pid, sigTerm)
	p.killTimer = time.AfterFunc(max(grace, 0), func() { p.signal(sigKill) })
}
