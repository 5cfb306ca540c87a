//go:build unix

package supervisor

import (
	"syscall"

	"github.com/faldash/faldash/internal/procfs"
)

const groupsSupported = true

// killGroup signals every process in the group led by pid.
func killGroup(pid int, sig syscall.Signal) error {
	if pid <= 0 {
		return syscall.ESRCH
	}
	return syscall.Kill(-pid, sig)
}

// alive reports whether pid names a process that has not exited: a
// zombie, killed but not yet reaped by its parent, counts as gone.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
		return false
	}
	st, err := procfs.Read(pid)
	if err != nil {
		// No /proc to tell a zombie from a live process: trust kill.
		return true
	}
	return !st.Zombie()
}

func killPid(pid int) error { return syscall.Kill(pid, sigKill) }
