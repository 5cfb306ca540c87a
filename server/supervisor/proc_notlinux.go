//go:build !linux

package supervisor

import "errors"

// Without Linux's waitid(WNOWAIT) the leader is reaped before its group
// is cleaned up; the group is still signalled, at a small risk that its
// id was reused in between.
const canPeekExit = false

func waitExited(int) {}

type procStat struct {
	pid   int
	state byte
	pgrp  int
	start uint64
}

func readStat(int) (procStat, error) { return procStat{}, errors.ErrUnsupported }

func startTicks(int) uint64 { return 0 }

type procInfo struct {
	procStat
	jobID string
}

// liveProcesses cannot list processes here, so leftovers of a crash are
// not verified and therefore not killed.
func liveProcesses() ([]procInfo, error) { return nil, errors.ErrUnsupported }
