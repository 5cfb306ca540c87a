package procfs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Read reads pid's stat.
func Read(pid int) (Stat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Stat{}, err
	}
	// The command name, field 2, is in parentheses and may hold anything,
	// so fields are counted from the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return Stat{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state), f[1] field 4 (ppid), f[2] field 5 (pgrp),
	// f[3] field 6 (session), f[11] and f[12] fields 14 and 15 (utime,
	// stime), f[19] field 22 (starttime).
	if len(f) < 20 || len(f[0]) != 1 {
		return Stat{}, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgrp, err2 := strconv.Atoi(f[2])
	session, err3 := strconv.Atoi(f[3])
	start, err4 := strconv.ParseUint(f[19], 10, 64)
	utime, err5 := strconv.ParseUint(f[11], 10, 64)
	stime, err6 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
		return Stat{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return Stat{Pid: pid, State: f[0][0], PPid: ppid, Pgrp: pgrp, Session: session, Start: start, CPU: utime + stime}, nil
}

// All reads the stat of every process that is still there by the time it
// is read.
func All() ([]Stat, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	out := make([]Stat, 0, len(entries))
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := Read(pid); err == nil {
			out = append(out, st)
		}
	}
	return out, nil
}

// Descendants lists the processes below pid in the process tree, zombies
// left out, parents before their children. A process whose parent died
// is no longer below pid unless pid is its subreaper.
func Descendants(pid int) ([]Stat, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	children := make(map[int][]Stat)
	for _, st := range all {
		children[st.PPid] = append(children[st.PPid], st)
	}
	var out []Stat
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			if c.Pid == pid {
				continue
			}
			if !c.Zombie() {
				out = append(out, c)
			}
			queue = append(queue, c.Pid)
		}
	}
	return out, nil
}

// EnvValue is the value of name in pid's environment as it was at exec,
// "" when it has none or it cannot be read (another user's process).
func EnvValue(pid int, name string) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return ""
	}
	for kv := range bytes.SplitSeq(b, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte(name+"=")); ok {
			return string(v)
		}
	}
	return ""
}
