package supervisor

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server/autoscale"
	"github.com/faldash/faldash/server/gateway"
)

// acquired is the result of an Acquire run in the background.
type acquired struct {
	lease *gateway.Lease
	err   error
}

func acquireAsync(ctx context.Context, h *harness, alias, id string) <-chan acquired {
	ch := make(chan acquired, 1)
	go func() {
		l, err := h.sup.Acquire(ctx, alias, gateway.RequestInfo{RequestID: id, CallerUserID: "caller-" + id})
		ch <- acquired{l, err}
	}()
	return ch
}

func (h *harness) queued(alias string) int {
	ref, _ := refOf(alias)
	h.sup.mu.Lock()
	defer h.sup.mu.Unlock()
	if a := h.sup.apps[ref]; a != nil {
		return len(a.waiters)
	}
	return 0
}

func got(t *testing.T, ch <-chan acquired) *gateway.Lease {
	t.Helper()
	select {
	case a := <-ch:
		if a.err != nil {
			t.Fatalf("Acquire: %v", a.err)
		}
		return a.lease
	case <-time.After(waitLimit):
		t.Fatal("timed out waiting for a lease")
	}
	return nil
}

// TestAutoscalingThroughAcquire drives an app with requests held through
// Acquire, with the autoscaler on a fake clock: in-flight counts and
// leases are reported, queued requests scale the app up to its maximum,
// the queue has a limit, a cancelled request leaves the queue, and idle
// runners above the minimum count down keep_alive and are released when
// it runs out.
func TestAutoscalingThroughAcquire(t *testing.T) {
	t.Parallel()
	clock := autoscale.NewFakeClock(time.Now())
	h := start(t, Config{Clock: clock, QueueLimit: 4})
	h.deploy("main", "scaled", helperCommand(t, "serve"), scaling.Spec{
		MinConcurrency: scaling.Int(1), MaxConcurrency: scaling.Int(3),
		MaxMultiplexing: scaling.Int(2), KeepAlive: scaling.Int(10), RequestTimeout: scaling.Int(7),
	})
	first := h.waitRunners("main", "scaled", "the minimum runner IDLE", idle(1))[0]
	if first.ExpiresIn != nil {
		t.Errorf("the minimum runner counts down: %v", *first.ExpiresIn)
	}

	// Two requests fit on one runner (max_multiplexing 2).
	var leases []*gateway.Lease
	for i := range 2 {
		l := got(t, acquireAsync(h.ctx(), h, "scaled", fmt.Sprint("req-", i)))
		if l.RunnerID != string(first.ID) || l.RequestTimeout != 7*time.Second || l.Addr == "" {
			t.Fatalf("lease %+v", l)
		}
		leases = append(leases, l)
	}
	r, _ := find(h.runners("main", "scaled"), first.ID)
	if r.State != client.StateRunning || r.InFlight != 2 || len(r.Leases()) != 2 ||
		r.Leases()[0].RequestID != "req-0" || r.Leases()[1].CallerUserID != "caller-req-1" ||
		r.Leases()[0].LeasedAt.Sub(clock.Now()).Abs() > time.Millisecond {
		t.Fatalf("busy runner %+v", r)
	}

	// Four more queue up and bring the app to its maximum of three.
	var pending []<-chan acquired
	for i := 2; i < 6; i++ {
		pending = append(pending, acquireAsync(h.ctx(), h, "scaled", fmt.Sprint("req-", i)))
	}
	for _, ch := range pending {
		leases = append(leases, got(t, ch))
	}
	rs := live(h.runners("main", "scaled"))
	if len(rs) != 3 {
		t.Fatalf("under load: %d runners, want the maximum 3: %+v", len(rs), rs)
	}
	for _, r := range rs {
		if r.State != client.StateRunning || r.InFlight != 2 {
			t.Errorf("runner under full load %+v", r)
		}
	}

	// Every slot is taken: four requests may wait, the fifth is refused.
	ctxA, cancelA := context.WithCancel(h.ctx())
	waitA := acquireAsync(ctxA, h, "scaled", "wait-a")
	eventually(t, "a queued request", func() bool { return h.queued("scaled") == 1 })
	var waiting []<-chan acquired
	for i, id := range []string{"wait-b", "wait-c", "wait-d"} {
		// One at a time, so the queue's order is known.
		waiting = append(waiting, acquireAsync(h.ctx(), h, "scaled", id))
		eventually(t, "another queued request", func() bool { return h.queued("scaled") == i+2 })
	}
	if _, err := h.sup.Acquire(h.ctx(), "scaled", gateway.RequestInfo{RequestID: "too-many"}); !errors.Is(err, gateway.ErrQueueFull) {
		t.Fatalf("Acquire with a full queue: %v", err)
	}
	cancelA()
	if a := <-waitA; !errors.Is(a.err, context.Canceled) {
		t.Fatalf("cancelled Acquire: %v", a.err)
	}
	if n := h.queued("scaled"); n != 3 {
		t.Fatalf("%d queued after a cancellation, want 3", n)
	}
	if live := live(h.runners("main", "scaled")); len(live) != 3 {
		t.Fatalf("the queue scaled the app past its maximum: %d runners", len(live))
	}
	// Released slots go to the requests that waited.
	for i, ch := range waiting {
		freed := leases[i].RunnerID
		leases[i].Release()
		l := got(t, ch)
		if l.RunnerID != freed {
			t.Errorf("a waiting request got a slot on %s, but the one freed was on %s", l.RunnerID, freed)
		}
		leases[i] = l
	}
	if n := h.queued("scaled"); n != 0 {
		t.Fatalf("%d still queued", n)
	}

	// Everything done: all idle; the two above the minimum count down.
	for _, l := range leases {
		l.Release()
	}
	rs = h.waitRunners("main", "scaled", "three IDLE runners, two counting down", func(rs []client.Runner) bool {
		counting := 0
		for _, r := range live(rs) {
			if r.ExpiresIn != nil {
				counting++
			}
		}
		return len(inState(rs, client.StateIdle)) == 3 && counting == 2
	})
	for _, r := range live(rs) {
		if r.ExpiresIn != nil && *r.ExpiresIn != 10*time.Second {
			t.Errorf("countdown %v with no time passed, want keep_alive 10s", *r.ExpiresIn)
		}
		if r.InFlight != 0 || len(r.Leases()) != 0 {
			t.Errorf("idle runner %+v", r)
		}
	}
	clock.Advance(4 * time.Second)
	h.waitRunners("main", "scaled", "the countdown to move", func(rs []client.Runner) bool {
		for _, r := range live(rs) {
			if r.ExpiresIn != nil && *r.ExpiresIn != 6*time.Second {
				return false
			}
		}
		return true
	})
	clock.Advance(7 * time.Second)
	h.waitRunners("main", "scaled", "scale-down to the minimum", func(rs []client.Runner) bool {
		return len(live(rs)) == 1 && len(inState(rs, client.StateTerminated)) == 2
	})
}

// TestAcquireScalesFromZero: an app without runners starts one for its
// first request, which waits in the queue until the runner is ready; an
// unknown alias is refused at once.
func TestAcquireScalesFromZero(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	if _, err := h.cl.CreateEnvironment(h.ctx(), "dev", ""); err != nil {
		t.Fatal(err)
	}
	h.deploy("dev", "lazy", helperCommand(t, "serve", "--setup-delay", "100ms"), scaling.Spec{})
	if rs := h.runners("dev", "lazy"); len(rs) != 0 {
		t.Fatalf("an app with min_concurrency 0 has runners: %+v", rs)
	}
	l := got(t, acquireAsync(h.ctx(), h, "lazy--dev", "first"))
	rs := h.runners("dev", "lazy")
	if len(rs) != 1 || string(rs[0].ID) != l.RunnerID || rs[0].State != client.StateRunning || rs[0].InFlight != 1 {
		t.Fatalf("after the first request: %+v", rs)
	}
	l.Release()
	for _, alias := range []string{"lazy", "nope--dev", "lazy--nope", "Bad Alias"} {
		if _, err := h.sup.Acquire(h.ctx(), alias, gateway.RequestInfo{}); !errors.Is(err, gateway.ErrUnknownApp) {
			t.Errorf("Acquire(%q): %v, want ErrUnknownApp", alias, err)
		}
	}
}
