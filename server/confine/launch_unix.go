//go:build unix && !linux

package confine

import (
	"fmt"
	"os/exec"
	"runtime"
	"syscall"
)

// Launcher starts runners unconfined: only Linux has the means.
type Launcher struct{ status Status }

func NewLauncher(Options) (*Launcher, error) {
	why := fmt.Errorf("not on Linux but %s", runtime.GOOS)
	return &Launcher{status: Status{LandlockErr: why, NamespaceErr: why}}, nil
}

func (l *Launcher) Status() Status { return l.status }

// Command runs argv directly, as the leader of a new process group.
func (l *Launcher) Command(argv, _ []string) *exec.Cmd {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

func (l *Launcher) Kill(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }

func (l *Launcher) Close() error { return nil }

// LandlockABI is 0: there is no Landlock here.
func LandlockABI() (int, error) { return 0, fmt.Errorf("not on Linux but %s", runtime.GOOS) }

// CommandWithControl is Command; its Control cannot start anything, as
// there is no shim to start it.
func (l *Launcher) CommandWithControl(argv, writable []string) (*exec.Cmd, *Control, error) {
	return l.Command(argv, writable), &Control{}, nil
}
