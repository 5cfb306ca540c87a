//go:build linux

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/faldash/faldash/internal/procfs"
)

// clockTick is the unit of /proc's CPU times (USER_HZ, 100 on Linux
// everywhere it runs).
const clockTick = 10 * time.Millisecond

// cpuTime is the CPU a process has used, user and system.
func cpuTime(pid int) (time.Duration, error) {
	st, err := procfs.Read(pid)
	if err != nil {
		return 0, err
	}
	return time.Duration(st.CPU) * clockTick, nil
}

// memory is a process's resident set now and at its peak, in bytes.
func memory(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status %s: %w", pid, name, err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
	}
	return rss, peak, nil
}

// cpuMeter measures a process's CPU use over a window.
type cpuMeter struct {
	pid   int
	at    time.Time
	spent time.Duration
}

func startCPU(pid int) (cpuMeter, error) {
	spent, err := cpuTime(pid)
	return cpuMeter{pid: pid, at: time.Now(), spent: spent}, err
}

// percent is the share of one core used since the meter started.
func (m cpuMeter) percent() (float64, error) {
	spent, err := cpuTime(m.pid)
	if err != nil {
		return 0, err
	}
	return 100 * float64(spent-m.spent) / float64(time.Since(m.at)), nil
}
