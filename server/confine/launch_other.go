//go:build !unix

package confine

import (
	"errors"
	"os/exec"
)

// Launcher cannot start runners: they need process groups.
type Launcher struct{ status Status }

var errNoUnix = errors.New("runners need a Unix system")

func NewLauncher(Options) (*Launcher, error) {
	return &Launcher{status: Status{LandlockErr: errNoUnix, NamespaceErr: errNoUnix}}, nil
}

func (l *Launcher) Status() Status { return l.status }

// Command returns a command that fails to start.
func (l *Launcher) Command(argv, _ []string) *exec.Cmd {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Err = errNoUnix
	return cmd
}

func (l *Launcher) Kill(int) {}

func (l *Launcher) Close() error { return nil }

// LandlockABI is 0: there is no Landlock here.
func LandlockABI() (int, error) { return 0, errNoUnix }

// CommandWithControl is Command; its Control cannot start anything.
func (l *Launcher) CommandWithControl(argv, writable []string) (*exec.Cmd, *Control, error) {
	return l.Command(argv, writable), &Control{}, nil
}
