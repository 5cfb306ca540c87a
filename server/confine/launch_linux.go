package confine

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/faldash/faldash/internal/procfs"
)

// self is the running program, whatever its path is now (even replaced
// or deleted since it started): the shim is this same binary.
const self = "/proc/self/exe"

// Launcher makes the commands that start confined runners for one
// controller. Close ends every runner it started.
type Launcher struct {
	hidden []string
	status Status
	// The lifeline: the shims hold lifeR; only this process holds lifeW.
	lifeR, lifeW *os.File
}

// NewLauncher checks what the kernel allows: Landlock's ABI, and whether
// a shim can be PID 1 of a user and PID namespace of its own (it starts
// one to see).
func NewLauncher(opts Options) (*Launcher, error) {
	l := &Launcher{}
	for _, h := range opts.Hidden {
		abs, err := filepath.Abs(h)
		if err != nil {
			return nil, fmt.Errorf("hidden directory %s: %w", h, err)
		}
		l.hidden = append(l.hidden, abs)
	}
	l.status.LandlockABI, l.status.LandlockErr = LandlockABI()
	if opts.NoNamespaces {
		l.status.NamespaceErr = errors.New("turned off")
	} else {
		cmd := exec.Command(self, Arg, "--init", "--probe")
		cmd.SysProcAttr = sysProcAttr(true)
		out, err := cmd.CombinedOutput()
		if err != nil {
			l.status.NamespaceErr = fmt.Errorf("%w %s", err, out)
		}
		l.status.Namespaces = err == nil
	}
	var err error
	if l.lifeR, l.lifeW, err = os.Pipe(); err != nil {
		return nil, fmt.Errorf("runner lifeline: %w", err)
	}
	return l, nil
}

// sysProcAttr puts the shim in a process group of its own and, with ns,
// in new user and PID namespaces where it is PID 1. The user namespace
// maps the controller's uid and gid to themselves, so files belong to
// the same user inside; it is what lets an unprivileged user create the
// PID namespace.
func sysProcAttr(ns bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	if ns {
		a.Cloneflags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWPID
		a.UidMappings = []syscall.SysProcIDMap{{ContainerID: os.Getuid(), HostID: os.Getuid(), Size: 1}}
		a.GidMappings = []syscall.SysProcIDMap{{ContainerID: os.Getgid(), HostID: os.Getgid(), Size: 1}}
	}
	return a
}

// Status is what NewLauncher found.
func (l *Launcher) Status() Status { return l.status }

// Command returns the command that runs argv confined, for the caller to
// complete (environment, working directory, output) and start. argv[0]
// must be a path: the caller looks commands up in PATH. The runner may
// write only in writable and /dev; it is the leader of a new process
// group.
func (l *Launcher) Command(argv, writable []string) *exec.Cmd {
	return l.command(l.spec(argv, writable), nil)
}

// CommandWithControl is Command with a control socket: ctl starts more
// processes inside the runner's confinement for as long as the runner
// lives. The caller calls ctl.Started once it has started cmd, or tried
// to, and ctl.Close once it no longer needs it.
func (l *Launcher) CommandWithControl(argv, writable []string) (cmd *exec.Cmd, ctl *Control, err error) {
	if ctl, err = newControl(); err != nil {
		return nil, nil, err
	}
	s := l.spec(argv, writable)
	s.control = 4 // ExtraFiles[1]
	return l.command(s, ctl.child), ctl, nil
}

func (l *Launcher) spec(argv, writable []string) spec {
	return spec{
		landlock: l.status.Confined(),
		hidden:   l.hidden,
		writable: writable,
		init:     l.status.Namespaces,
		lifeline: 3, // ExtraFiles[0]
		argv:     argv,
	}
}

func (l *Launcher) command(s spec, control *os.File) *exec.Cmd {
	cmd := exec.Command(self, append([]string{Arg}, s.args()...)...)
	// What ps shows; the path is /proc/self/exe either way.
	cmd.Args[0] = "faldash"
	cmd.ExtraFiles = []*os.File{l.lifeR}
	if control != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, control)
	}
	cmd.SysProcAttr = sysProcAttr(l.status.Namespaces)
	return cmd
}

// Kill ends a runner started from Command, pid being its shim, with
// every process it has. In a PID namespace the shim's death does it;
// otherwise the shim's descendants are killed first, so that none is
// orphaned beyond the reach of the shim. The shim is stopped meanwhile:
// it must not report a session as having exited by itself when the
// runner's end is what ended it.
func (l *Launcher) Kill(pid int) {
	if !l.status.Namespaces {
		_ = unix.Kill(pid, unix.SIGSTOP)
		if ds, err := procfs.Descendants(pid); err == nil {
			for _, d := range ds {
				_ = unix.Kill(d.Pid, unix.SIGKILL)
			}
		}
	}
	_ = unix.Kill(-pid, unix.SIGKILL)
}

// Close cuts the lifeline: every shim still running ends its runner.
func (l *Launcher) Close() error {
	return errors.Join(l.lifeW.Close(), l.lifeR.Close())
}
