package supervisor

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// proc is one runner process and its process group. Signals go to the
// whole group, and only until the leader has exited: wait kills what is
// left of the group while the leader is still an unreaped zombie, so its
// pid, which is also the group id, cannot have been reused by then.
type proc struct {
	pid int
	cmd *exec.Cmd

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

// startProc starts argv in dir with exactly env, in a process group of its
// own, writing to stdout and stderr.
func startProc(argv, env []string, dir string, stdout, stderr *os.File) (*proc, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, errors.New("empty command")
	}
	if !groupsSupported {
		return nil, errors.New("runner processes need a Unix system")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	if cmd.Err != nil {
		return nil, fmt.Errorf("start %q: %w", argv[0], cmd.Err)
	}
	cmd.Env = env
	cmd.Dir = dir
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	setGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %q: %w", argv[0], err)
	}
	p := &proc{
		pid:      cmd.Process.Pid,
		cmd:      cmd,
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
	close(p.done)
}

// signal sends sig to the process group, unless the leader has exited.
func (p *proc) signal(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.exited {
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
