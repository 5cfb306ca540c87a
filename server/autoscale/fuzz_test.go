package autoscale

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/faldash/faldash/internal/scaling"
)

// FuzzDecide checks the rules no input may break: nothing negative, never
// above max_concurrency or below min_concurrency once the decision is
// carried out, never a busy or unknown runner released, and countdowns only
// for idle runners still within keep_alive.
func FuzzDecide(f *testing.F) {
	f.Add(uint8(1), uint8(5), uint8(2), uint16(30), uint8(1), uint8(20), uint8(5), uint16(3), uint16(12), []byte{1, 0, 40, 1, 2, 0, 0, 0, 0, 2, 0, 0, 3, 1, 0})
	f.Add(uint8(0), uint8(0), uint8(1), uint16(0), uint8(0), uint8(0), uint8(0), uint16(0), uint16(0), []byte{})
	f.Add(uint8(9), uint8(3), uint8(4), uint16(600), uint8(200), uint8(100), uint8(60), uint16(999), uint16(61), []byte{1, 9, 0, 1, 0, 255, 0, 0, 0})
	f.Fuzz(func(t *testing.T, minC, maxC, mux uint8, keepAlive uint16, buf, perc, delay uint8, queued, step uint16, raw []byte) {
		set := scaling.Settings{
			MinConcurrency:        int(minC),
			MaxConcurrency:        int(maxC),
			MaxMultiplexing:       int(mux), // 0 is invalid; Decide must cope
			KeepAlive:             int(keepAlive),
			ConcurrencyBuffer:     scaling.Int(int(buf)),
			ConcurrencyBufferPerc: scaling.Int(int(perc) % 101),
			ScalingDelay:          scaling.Int(int(delay)),
		}
		var runners []Runner
		for i := 0; i+2 < len(raw) && len(runners) < 64; i += 3 {
			r := Runner{ID: fmt.Sprintf("r%d", len(runners)), Phase: Phase(raw[i] % 4)}
			if r.Phase == Ready || r.Phase == Stopping {
				r.InFlight = int(raw[i+1] % 8)
			}
			if r.Phase == Ready && r.InFlight == 0 {
				r.IdleSince = t0.Add(-time.Duration(raw[i+2]) * time.Second)
			}
			runners = append(runners, r)
		}
		in := Input{Settings: set, Runners: runners, Queued: int(queued)}

		clock := NewFakeClock(t0)
		var sc Scaler
		check(t, set, in, sc.Decide(clock.Now(), in))
		clock.Advance(time.Duration(step) * time.Second)
		check(t, set, in, sc.Decide(clock.Now(), in))
	})
}

func check(t *testing.T, set scaling.Settings, in Input, d Decision) {
	t.Helper()
	hi := set.MaxConcurrency
	lo := min(set.MinConcurrency, hi)
	byID := make(map[string]Runner)
	busy := 0
	for _, r := range in.Runners {
		byID[r.ID] = r
		if r.Phase == Ready && r.InFlight > 0 {
			busy++
		}
	}
	if d.Start < 0 || d.Demand < 0 || d.Recheck < 0 {
		t.Fatalf("negative decision: %+v", d)
	}
	if d.Target < lo || d.Target > hi {
		t.Fatalf("target %d outside [%d, %d]", d.Target, lo, hi)
	}
	if d.Start > 0 && d.Current+d.Start > hi {
		t.Fatalf("starting %d with %d already would exceed max %d", d.Start, d.Current, hi)
	}
	if d.Start > 0 && len(d.Release) > 0 {
		t.Fatalf("starts %d and releases %v at once", d.Start, d.Release)
	}
	seen := make(map[string]bool)
	for _, id := range d.Release {
		r, ok := byID[id]
		switch {
		case !ok:
			t.Fatalf("released unknown runner %q", id)
		case seen[id]:
			t.Fatalf("released %q twice", id)
		case r.Phase == Stopping:
			t.Fatalf("released %q, already stopping", id)
		case r.Phase == Ready && r.InFlight > 0:
			t.Fatalf("released busy runner %q (%d in flight)", id, r.InFlight)
		}
		seen[id] = true
	}
	after := d.Current - len(d.Release) + d.Start
	if after < lo {
		t.Fatalf("after the decision %d runners, below min %d", after, lo)
	}
	if after > max(hi, busy) {
		t.Fatalf("after the decision %d runners, above max %d (busy %d)", after, hi, busy)
	}
	keepAlive := time.Duration(set.KeepAlive) * time.Second
	for id, left := range d.Expires {
		r := byID[id]
		if r.Phase != Ready || r.InFlight != 0 {
			t.Fatalf("countdown for %q, which is not idle: %+v", id, r)
		}
		if left <= 0 || left > keepAlive {
			t.Fatalf("countdown %v for %q outside (0, %v]", left, id, keepAlive)
		}
		if slices.Contains(d.Release, id) {
			t.Fatalf("%q both released and counting down", id)
		}
	}
	if after-len(d.Expires) < lo {
		t.Fatalf("countdowns would take %d runners below min %d", after-len(d.Expires), lo)
	}
}
