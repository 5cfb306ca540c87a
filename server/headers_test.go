package server

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/h2flood"
)

// Calls with 15 MiB of metadata and no key, 20 at once, from a client
// that ignores the header limit the controller advertises, are all
// refused, and the controller does not hold their headers: the memory the
// process took from the system grows by far less than one of them.
func TestOversizedUnauthenticatedHeadersAreNotHeld(t *testing.T) {
	h := start(t)
	const calls, size = 20, 15 << 20
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)

	outcomes := make([]h2flood.Outcome, calls)
	errs := make([]error, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			outcomes[i], errs[i] = h2flood.Call(context.Background(), h.addr, falpb.IsolateController_ListEnvironments_FullMethodName, size)
		})
	}
	wg.Wait()
	runtime.ReadMemStats(&after)

	for i, o := range outcomes {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if !o.Refused() {
			t.Errorf("call %d was answered: %v", i, o)
		}
	}
	grew := int64(after.Sys) - int64(before.Sys)
	t.Logf("%d calls of %d MiB of metadata: %v; memory from the system %+.1f MiB", calls, size>>20, outcomes[0], float64(grew)/(1<<20))
	if grew > 32<<20 {
		t.Errorf("the process took %.0f MiB more from the system for calls it refused", float64(grew)/(1<<20))
	}
}
