package main

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/h2flood"
)

func init() {
	Register(Section{Name: "oversized-headers", Quick: true, Run: probeHeaders})
}

// Twenty calls at once with 15 MiB of metadata and no key, from a client
// that ignores the header limit the controller advertises.
const (
	floodCalls = 20
	floodSize  = 15 << 20
	// floodMemory is how much more memory from the system the whole
	// flood may cost an in-process controller: less than one call's
	// headers.
	floodMemory = 32 << 20
)

// probeHeaders sends the flood; each call must be refused, and an
// in-process controller must not hold the headers.
func probeHeaders(ctx context.Context, t *Target) (int, int, []string) {
	var tl Tally
	if strings.HasPrefix(t.GRPC, "unix:") {
		tl.Note("skipped: the controller listens on a unix socket")
		return tl.Result()
	}
	var before, after runtime.MemStats
	if t.InProcess {
		runtime.GC()
		runtime.ReadMemStats(&before)
	}
	outcomes := make([]h2flood.Outcome, floodCalls)
	errs := make([]error, floodCalls)
	var wg sync.WaitGroup
	for i := range floodCalls {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, callTimeout)
			defer cancel()
			outcomes[i], errs[i] = h2flood.Call(cctx, t.GRPC, falpb.IsolateController_CreateEnvironment_FullMethodName, floodSize)
		})
	}
	wg.Wait()
	for i, o := range outcomes {
		what := fmt.Sprintf("call %d with %d MiB of metadata", i+1, floodSize>>20)
		switch {
		case errs[i] != nil:
			tl.Check(what, false, "%v", errs[i])
		default:
			tl.Check(what, o.Refused(), "answered OK")
		}
	}
	tl.Note("the controller ended them with: %v", outcomes[0])
	if t.InProcess {
		runtime.ReadMemStats(&after)
		grew := int64(after.Sys) - int64(before.Sys)
		tl.Check("memory for the flood", grew <= floodMemory, "%.0f MiB more from the system, over %d MiB", mib(grew), floodMemory>>20)
		tl.Note("memory from the system: %+.1f MiB for %d calls of %d MiB", mib(grew), floodCalls, floodSize>>20)
	} else {
		tl.Note("memory not measured: the controller runs in another process")
	}
	return tl.Result()
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
