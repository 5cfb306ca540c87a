package supervisor

import (
	"errors"

	"golang.org/x/sys/unix"
)

const canPeekExit = true

// waitExited blocks until pid has exited, without reaping it.
func waitExited(pid int) {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			return
		}
	}
}
