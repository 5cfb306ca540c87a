//go:build !linux

package confine

import (
	"context"
	"errors"
	"os"
	"runtime"
)

// ErrRunnerGone is what Spawn and Spawned.Wait answer once the runner has
// ended.
var ErrRunnerGone = errors.New("the runner has ended")

// errNoSessions is why nothing can be started beside a runner here: only
// Linux's shim can start a process inside a runner's confinement.
var errNoSessions = errors.New("starting a process beside a runner needs Linux, not " + runtime.GOOS)

// Control would start processes beside a runner; here it cannot.
type Control struct{}

// SpawnRequest is a process to start beside a runner.
type SpawnRequest struct {
	Argv                  []string
	Env                   []string
	Stdin, Stdout, Stderr *os.File
	TTY                   bool
}

// Spawned is a process started by Spawn.
type Spawned struct{}

func (c *Control) Started()     {}
func (c *Control) Close() error { return nil }

func (c *Control) Spawn(context.Context, SpawnRequest) (*Spawned, error) {
	return nil, errNoSessions
}

func (p *Spawned) Wait() (int, error) { return 0, errNoSessions }
func (p *Spawned) End()               {}
