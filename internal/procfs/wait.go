package procfs

import "time"

// Survivors waits up to within for every process of ps to be gone, and
// returns those still running then. A process is gone once it has
// exited (a zombie only waits to be reaped) or its pid names another
// process (a different start time).
func Survivors(ps []Stat, within time.Duration) []Stat {
	deadline := time.Now().Add(within)
	for {
		var left []Stat
		for _, p := range ps {
			if st, err := Read(p.Pid); err == nil && !st.Zombie() && st.Start == p.Start {
				left = append(left, st)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}
