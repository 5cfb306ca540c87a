// Package procfs reads what Linux's /proc says about processes: enough to
// tell one process from another that reused its pid, to find a process's
// descendants, and to read one variable of its environment. Elsewhere its
// functions answer errors.ErrUnsupported.
package procfs

// Stat is what /proc/<pid>/stat says about a process.
type Stat struct {
	Pid     int
	State   byte // R, S, D, Z (zombie), T, ...
	PPid    int
	Pgrp    int
	Session int
	// Start is the process's start time in clock ticks after boot: with
	// the pid, it names one process.
	Start uint64
	// CPU is the time the process has run, user and system, in clock
	// ticks.
	CPU uint64
}

// Zombie reports whether the process has exited and waits to be reaped.
func (s Stat) Zombie() bool { return s.State == 'Z' }

// OtherSessions counts the sessions of ps other than session: how many
// sessions processes that left their parent's have made.
func OtherSessions(ps []Stat, session int) int {
	seen := map[int]bool{}
	for _, p := range ps {
		if p.Session != session {
			seen[p.Session] = true
		}
	}
	return len(seen)
}
