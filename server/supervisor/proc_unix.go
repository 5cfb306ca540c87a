//go:build unix

package supervisor

import (
	"os/exec"
	"syscall"
)

const groupsSupported = true

func setGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

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
	st, err := readStat(pid)
	if err != nil {
		// No /proc to tell a zombie from a live process: trust kill.
		return true
	}
	return st.state != 'Z'
}

func killPid(pid int) error { return syscall.Kill(pid, sigKill) }
