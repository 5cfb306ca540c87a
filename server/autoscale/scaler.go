// Package autoscale decides how many runners an app should have, by fal's
// scaling fields. It starts and stops nothing and reads no clock of its
// own: the runner supervisor passes in what it sees and the time, then acts
// on the Decision. That keeps every rule testable with a fake clock.
package autoscale

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/faldash/faldash/internal/scaling"
)

// Phase is what a runner means to the autoscaler; several of fal's runner
// states map to each.
type Phase int

const (
	// Starting is PENDING or SETUP. It counts toward the total, so a burst
	// of requests does not start new runners while earlier ones still load.
	Starting Phase = iota
	// Ready is IDLE or RUNNING: serving, or able to.
	Ready
	// Backoff is FAILURE_DELAY: setup failed and the supervisor will retry
	// this runner. It keeps its slot, because starting another runner in its
	// place would defeat the back-off of an app whose setup always fails.
	Backoff
	// Stopping is DRAINING, TERMINATING or TERMINATED: no longer capacity.
	Stopping
)

func (p Phase) String() string {
	switch p {
	case Starting:
		return "starting"
	case Ready:
		return "ready"
	case Backoff:
		return "backoff"
	case Stopping:
		return "stopping"
	}
	return "unknown"
}

// Runner is one runner of the app as the supervisor sees it now.
type Runner struct {
	ID       string
	Phase    Phase
	InFlight int
	// IdleSince is when a Ready runner last finished its last request (or
	// became ready). Only read when InFlight is 0; a zero value counts as
	// idle since now, so such a runner is never released before keep_alive.
	IdleSince time.Time
}

// Input is everything one decision is made from.
type Input struct {
	Settings scaling.Settings
	Runners  []Runner
	// Queued is the requests waiting for a free runner slot.
	Queued int
}

// Decision is what the supervisor should do now.
type Decision struct {
	// Demand is the runners the load needs: in-flight plus queued requests
	// over max_multiplexing, rounded up.
	Demand int
	// Target is demand plus the buffer, within min and max concurrency.
	Target int
	// Current is the runners counted toward the target (all but Stopping).
	Current int
	// Start is how many new runners to start.
	Start int
	// Release lists the runners to stop gracefully, in order.
	Release []string
	// Expires holds, for each idle runner that will be released if nothing
	// changes, the keep_alive it has left: fal's expiration_countdown.
	// Runners absent from it are not counting down.
	Expires map[string]time.Duration
	// Recheck is how long until this decision would change with no new
	// input (a scaling delay or a keep_alive running out); 0 means never.
	Recheck time.Duration
}

// Scaler makes the decisions for one app. It remembers when the app began
// to need more runners, which is what scaling_delay_seconds measures, so
// keep one Scaler per app for the app's lifetime. The zero value is ready
// to use and it is safe for concurrent use.
type Scaler struct {
	mu        sync.Mutex
	needSince time.Time // zero while the app has enough runners
}

// Decide returns what to do at now for the app described by in.
//
// Settings are taken as they are on each call, so a scale change acts at
// once: a lower max releases runners above it without waiting for
// keep_alive, a higher min starts runners without waiting for the delay.
func (s *Scaler) Decide(now time.Time, in Input) Decision {
	set := in.Settings
	hi := max(set.MaxConcurrency, 0)
	lo := min(max(set.MinConcurrency, 0), hi) // max wins if they cross

	var current, load int
	for _, r := range in.Runners {
		if r.Phase == Stopping {
			continue
		}
		current++
		load += max(r.InFlight, 0)
	}
	load += max(in.Queued, 0)
	demand := ceilDiv(load, max(set.MaxMultiplexing, 1))
	d := Decision{
		Demand:  demand,
		Target:  target(demand, bufferFor(set, demand), lo, hi),
		Current: current,
	}
	release(now, in, hi, &d)
	s.scaleUp(now, set, lo, &d)
	return d
}

// release fills d.Release and d.Expires.
func release(now time.Time, in Input, hi int, d *Decision) {
	var backoff, starting, idle []Runner
	for _, r := range in.Runners {
		switch {
		case r.Phase == Backoff:
			backoff = append(backoff, r)
		case r.Phase == Starting:
			starting = append(starting, r)
		case r.Phase == Ready && r.InFlight <= 0:
			idle = append(idle, r)
		}
	}
	idleFor := func(r Runner) time.Duration {
		if r.IdleSince.IsZero() {
			return 0
		}
		return max(now.Sub(r.IdleSince), 0)
	}
	// Longest idle first, as fal does; IDs break ties so the order is stable.
	slices.SortStableFunc(idle, func(a, b Runner) int {
		return cmp.Or(-cmp.Compare(idleFor(a), idleFor(b)), cmp.Compare(a.ID, b.ID))
	})
	slices.SortStableFunc(starting, func(a, b Runner) int { return cmp.Compare(a.ID, b.ID) })

	take := func(list *[]Runner, n int) int {
		n = min(max(n, 0), len(*list))
		for _, r := range (*list)[:n] {
			d.Release = append(d.Release, r.ID)
		}
		*list = (*list)[n:]
		return n
	}

	// Above max_concurrency nothing waits for keep_alive: the runners that
	// serve nothing go first. Busy runners stay until they are idle.
	over := d.Current - hi
	over -= take(&backoff, over)
	over -= take(&starting, over)
	take(&idle, over)

	// Above the target, a runner in back-off is released at once: it serves
	// nothing and would only be retried. Idle runners wait out keep_alive.
	excess := d.Current - len(d.Release) - d.Target
	excess -= take(&backoff, excess)
	keepAlive := time.Duration(max(in.Settings.KeepAlive, 0)) * time.Second
	for _, r := range idle[:min(max(excess, 0), len(idle))] {
		left := keepAlive - idleFor(r)
		if left <= 0 {
			d.Release = append(d.Release, r.ID)
			continue
		}
		if d.Expires == nil {
			d.Expires = make(map[string]time.Duration)
		}
		d.Expires[r.ID] = left
		d.Recheck = earliest(d.Recheck, left)
	}
}

// scaleUp fills d.Start. The floor of min_concurrency starts at once; runners
// above it start only once the need for them has lasted scaling_delay
// without a break.
func (s *Scaler) scaleUp(now time.Time, set scaling.Settings, lo int, d *Decision) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d.Target <= d.Current {
		s.needSince = time.Time{}
		return
	}
	if s.needSince.IsZero() || now.Before(s.needSince) {
		s.needSince = now
	}
	delay := time.Duration(max(deref(set.ScalingDelay), 0)) * time.Second
	waited := now.Sub(s.needSince)
	if waited >= delay {
		d.Start = d.Target - d.Current
		return
	}
	d.Start = max(lo-d.Current, 0)
	d.Recheck = earliest(d.Recheck, delay-waited)
}

// bufferFor is the extra runners kept above demand: the larger of
// concurrency_buffer and concurrency_buffer_perc percent of demand.
func bufferFor(set scaling.Settings, demand int) int {
	perc := min(max(deref(set.ConcurrencyBufferPerc), 0), 100)
	return max(deref(set.ConcurrencyBuffer), ceilPercent(demand, perc), 0)
}

// target clamps demand+buffer to [lo, hi] without overflowing on huge inputs.
func target(demand, buffer, lo, hi int) int {
	if demand >= hi || buffer >= hi-demand {
		return hi
	}
	return max(demand+buffer, lo)
}

// ceilDiv is a/b rounded up, for a ≥ 0 and b > 0.
func ceilDiv(a, b int) int {
	q := a / b
	if a%b != 0 {
		q++
	}
	return q
}

// ceilPercent is perc percent of n, rounded up, for n ≥ 0 and 0 ≤ perc ≤ 100.
func ceilPercent(n, perc int) int {
	// Split n so n*perc cannot overflow.
	return n/100*perc + ceilDiv(n%100*perc, 100)
}

func earliest(cur, d time.Duration) time.Duration {
	if cur == 0 || d < cur {
		return d
	}
	return cur
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
