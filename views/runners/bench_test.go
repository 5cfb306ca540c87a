package runners

import (
	"fmt"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/views/pane"
)

// fleet is n runners of one app as a busy fal app has them: mostly
// running and idle, a few in every other state, up for minutes to a day
// but one in fifty started in the last minute, idle ones counting down a
// five-minute keep-alive. Each variant changes every row's in-flight
// count, as a poll of a busy app does.
func fleet(n, variant int) []client.Runner {
	states := []client.RunnerState{
		client.StateRunning, client.StateRunning, client.StateIdle, client.StateRunning,
		client.StateIdle, client.StatePending, client.StateSetup, client.StateDraining,
	}
	present := true
	rs := make([]client.Runner, n)
	for i := range rs {
		r := client.Runner{
			ID:          client.RunnerID(fmt.Sprintf("%08x-4b1d-4c2a-9e1f-%012x", i*2654435761%(1<<32), i)),
			Revision:    client.RevisionID(fmt.Sprintf("%032x", i%3)),
			State:       states[i%len(states)],
			InFlight:    (i + variant) % 4,
			Uptime:      time.Duration(600+i*7919%86400) * time.Second,
			MachineType: []string{"GPU-H100", "GPU-A100", "L40"}[i%3],
		}
		if i%50 == 0 {
			r.Uptime = time.Duration(i%60) * time.Second
		}
		if r.State == client.StateIdle {
			left := time.Duration(i%300) * time.Second
			r.ExpiresIn = &left
		}
		if r.State == client.StateRunning {
			r.PresentInGroup = &present
		}
		rs[i] = r
	}
	return rs
}

func BenchmarkRunners(b *testing.B) {
	l := panetest.Listing{
		New: func(d pane.Deps) pane.Pane { return New(d, "main", "big", NewHistory()) },
		Set: func(fc *fakeclient.Client, n, v int) { fc.SetRunners("main", "big", fleet(n, v)...) },
	}
	for _, n := range []int{1_000, 100_000} {
		panetest.Bench(b, n, l)
	}
}
