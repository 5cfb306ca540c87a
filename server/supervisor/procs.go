package supervisor

import (
	"os"

	"github.com/faldash/faldash/internal/procfs"
)

// procInfo is a live process, with the FAL_JOB_ID in its environment when
// it has one and the controller may read it.
type procInfo struct {
	procfs.Stat
	jobID string
}

// liveProcesses lists every other process that has not exited. Without
// /proc (not Linux) it fails, and leftovers are not verified, so not
// killed.
func liveProcesses() ([]procInfo, error) {
	all, err := procfs.All()
	if err != nil {
		return nil, err
	}
	self := os.Getpid()
	var out []procInfo
	for _, st := range all {
		if st.Pid == self || st.Zombie() {
			continue
		}
		out = append(out, procInfo{Stat: st, jobID: procfs.EnvValue(st.Pid, "FAL_JOB_ID")})
	}
	return out, nil
}

// startTicks is pid's start time, recorded so a later run can tell the
// process from another that reused its pid; 0 when unknown.
func startTicks(pid int) uint64 {
	st, err := procfs.Read(pid)
	if err != nil {
		return 0
	}
	return st.Start
}
