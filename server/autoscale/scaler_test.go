package autoscale

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/faldash/faldash/internal/scaling"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// settings returns valid settings with no buffer and no delay; tests change
// what they exercise.
func settings(lo, hi, mux, keepAlive int) scaling.Settings {
	return scaling.Settings{MinConcurrency: lo, MaxConcurrency: hi, MaxMultiplexing: mux, KeepAlive: keepAlive}
}

func with(s scaling.Settings, f func(*scaling.Settings)) scaling.Settings {
	f(&s)
	return s
}

func busy(id string, inFlight int) Runner { return Runner{ID: id, Phase: Ready, InFlight: inFlight} }

// idle is a ready runner idle since t0+at (at is usually ≤ 0).
func idle(id string, at time.Duration) Runner {
	return Runner{ID: id, Phase: Ready, IdleSince: t0.Add(at)}
}

func starting(id string) Runner { return Runner{ID: id, Phase: Starting} }
func backoff(id string) Runner  { return Runner{ID: id, Phase: Backoff} }
func stopping(id string, inFlight int) Runner {
	return Runner{ID: id, Phase: Stopping, InFlight: inFlight}
}

func idles(n int, at time.Duration) []Runner {
	var out []Runner
	for i := range n {
		out = append(out, idle(string(rune('a'+i)), at))
	}
	return out
}

func busies(n, inFlight int) []Runner {
	var out []Runner
	for i := range n {
		out = append(out, busy(string(rune('a'+i)), inFlight))
	}
	return out
}

// step is one Decide call at t0+at and what it must return.
type step struct {
	at time.Duration
	in Input
	// want; Release and Expires are compared exactly (nil equals empty).
	target, demand, start int
	release               []string
	expires               map[string]time.Duration
}

func TestDecide(t *testing.T) {
	const s = time.Second
	delay := func(sec int) func(*scaling.Settings) {
		return func(st *scaling.Settings) { st.ScalingDelay = scaling.Int(sec) }
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"min floor with no traffic starts min at once", []step{
			{in: Input{Settings: settings(2, 5, 1, 60)}, target: 2, start: 2},
		}},
		{"min floor is not delayed by scaling delay", []step{
			{in: Input{Settings: with(settings(2, 5, 1, 60), delay(30))}, target: 2, start: 2},
		}},
		{"min floor already met", []step{
			{in: Input{Settings: settings(2, 5, 1, 60), Runners: idles(2, 0)}, target: 2},
		}},
		{"zero min and no traffic needs nothing", []step{
			{in: Input{Settings: settings(0, 5, 1, 60)}},
		}},
		{"max caps heavy load", []step{
			{in: Input{Settings: settings(0, 3, 1, 60), Runners: busies(1, 1), Queued: 100}, demand: 101, target: 3, start: 2},
		}},
		{"max caps the buffer too", []step{
			{in: Input{Settings: with(settings(0, 3, 1, 60), func(st *scaling.Settings) { st.ConcurrencyBuffer = scaling.Int(5) })},
				target: 3, start: 3},
		}},
		{"multiplexing rounds up", []step{
			{in: Input{Settings: settings(0, 10, 4, 60), Runners: busies(1, 4), Queued: 1}, demand: 2, target: 2, start: 1},
		}},
		{"multiplexing exact fit", []step{
			{in: Input{Settings: settings(0, 10, 4, 60), Runners: busies(2, 4)}, demand: 2, target: 2},
		}},
		{"queued requests alone are demand", []step{
			{in: Input{Settings: settings(0, 10, 2, 60), Queued: 3}, demand: 2, target: 2, start: 2},
		}},
		{"absolute buffer with no traffic", []step{
			{in: Input{Settings: with(settings(0, 10, 1, 60), func(st *scaling.Settings) { st.ConcurrencyBuffer = scaling.Int(2) })},
				target: 2, start: 2},
		}},
		{"absolute buffer beats a smaller percent", []step{
			{in: Input{Settings: with(settings(0, 20, 1, 60), func(st *scaling.Settings) {
				st.ConcurrencyBuffer = scaling.Int(2)
				st.ConcurrencyBufferPerc = scaling.Int(10)
			}), Queued: 5}, demand: 5, target: 7, start: 7},
		}},
		{"percent buffer beats a smaller absolute and rounds up", []step{
			{in: Input{Settings: with(settings(0, 20, 1, 60), func(st *scaling.Settings) {
				st.ConcurrencyBuffer = scaling.Int(1)
				st.ConcurrencyBufferPerc = scaling.Int(50)
			}), Queued: 5}, demand: 5, target: 8, start: 8},
		}},
		{"percent buffer of zero demand is zero", []step{
			{in: Input{Settings: with(settings(1, 20, 1, 60), func(st *scaling.Settings) { st.ConcurrencyBufferPerc = scaling.Int(50) })},
				target: 1, start: 1},
		}},
		{"scaling delay: not yet, then after", []step{
			{in: Input{Settings: with(settings(0, 5, 1, 60), delay(10)), Queued: 2}, demand: 2, target: 2},
			{at: 9 * s, in: Input{Settings: with(settings(0, 5, 1, 60), delay(10)), Queued: 2}, demand: 2, target: 2},
			{at: 10 * s, in: Input{Settings: with(settings(0, 5, 1, 60), delay(10)), Queued: 2}, demand: 2, target: 2, start: 2},
		}},
		{"scaling delay: a dip resets the timer", []step{
			{in: Input{Settings: with(settings(0, 5, 1, 60), delay(10)), Queued: 2}, demand: 2, target: 2},
			{at: 6 * s, in: Input{Settings: with(settings(0, 5, 1, 60), delay(10))}},
			{at: 7 * s, in: Input{Settings: with(settings(0, 5, 1, 60), delay(10)), Queued: 2}, demand: 2, target: 2},
			{at: 12 * s, in: Input{Settings: with(settings(0, 5, 1, 60), delay(10)), Queued: 2}, demand: 2, target: 2},
			{at: 17 * s, in: Input{Settings: with(settings(0, 5, 1, 60), delay(10)), Queued: 2}, demand: 2, target: 2, start: 2},
		}},
		{"scaling delay: growth during the wait starts the full target", []step{
			{in: Input{Settings: with(settings(0, 5, 1, 60), delay(10)), Queued: 1}, demand: 1, target: 1},
			{at: 10 * s, in: Input{Settings: with(settings(0, 5, 1, 60), delay(10)), Queued: 4}, demand: 4, target: 4, start: 4},
		}},
		{"scaling delay: floor starts at once, the rest waits", []step{
			{in: Input{Settings: with(settings(1, 5, 1, 60), delay(10)), Queued: 3}, demand: 3, target: 3, start: 1},
			{at: 5 * s, in: Input{Settings: with(settings(1, 5, 1, 60), delay(10)), Runners: []Runner{starting("a")}, Queued: 3},
				demand: 3, target: 3},
			{at: 10 * s, in: Input{Settings: with(settings(1, 5, 1, 60), delay(10)), Runners: []Runner{busy("a", 1)}, Queued: 2},
				demand: 3, target: 3, start: 2},
		}},
		{"zero delay scales up at once", []step{
			{in: Input{Settings: with(settings(0, 5, 1, 60), delay(0)), Queued: 2}, demand: 2, target: 2, start: 2},
		}},
		{"keep_alive: not released before it runs out", []step{
			{in: Input{Settings: settings(0, 5, 1, 60), Runners: []Runner{idle("a", -59*s)}},
				expires: map[string]time.Duration{"a": 1 * s}},
		}},
		{"keep_alive: released once it runs out", []step{
			{in: Input{Settings: settings(0, 5, 1, 60), Runners: []Runner{idle("a", -60*s)}}, release: []string{"a"}},
		}},
		{"keep_alive: countdown then release with the clock", []step{
			{in: Input{Settings: settings(0, 5, 1, 30), Runners: []Runner{idle("a", 0)}}, expires: map[string]time.Duration{"a": 30 * s}},
			{at: 20 * s, in: Input{Settings: settings(0, 5, 1, 30), Runners: []Runner{idle("a", 0)}}, expires: map[string]time.Duration{"a": 10 * s}},
			{at: 30 * s, in: Input{Settings: settings(0, 5, 1, 30), Runners: []Runner{idle("a", 0)}}, release: []string{"a"}},
		}},
		{"keep_alive zero releases idle runners above target at once", []step{
			{in: Input{Settings: settings(0, 5, 1, 0), Runners: []Runner{idle("a", 0)}}, release: []string{"a"}},
		}},
		{"keep_alive: longest idle first, only down to target", []step{
			{in: Input{Settings: settings(1, 5, 1, 10), Runners: []Runner{
				idle("new", -11*s), idle("old", -40*s), idle("mid", -20*s), idle("fresh", -2*s),
			}}, target: 1, release: []string{"old", "mid", "new"}},
		}},
		{"keep_alive: only the excess counts down", []step{
			{in: Input{Settings: settings(2, 5, 1, 60), Runners: []Runner{
				idle("a", -10*s), idle("b", -50*s), idle("c", -30*s),
			}}, target: 2, expires: map[string]time.Duration{"b": 10 * s}},
		}},
		{"keep_alive: busy runners are never released", []step{
			{in: Input{Settings: settings(0, 5, 4, 10), Runners: []Runner{
				busy("x", 1), busy("y", 1), idle("z", -time.Hour),
			}}, demand: 1, target: 1, release: []string{"z"}},
		}},
		{"keep_alive: a busy runner does not count down", []step{
			{in: Input{Settings: settings(0, 5, 1, 10), Runners: []Runner{
				{ID: "a", Phase: Ready, InFlight: 1, IdleSince: t0.Add(-time.Hour)},
			}}, demand: 1, target: 1},
		}},
		{"keep_alive: idle runners within the buffer stay", []step{
			{in: Input{Settings: with(settings(0, 5, 1, 10), func(st *scaling.Settings) { st.ConcurrencyBuffer = scaling.Int(2) }),
				Runners: idles(2, -time.Hour)}, target: 2},
		}},
		{"starting runners count toward the total", []step{
			{in: Input{Settings: settings(0, 5, 1, 60), Runners: []Runner{starting("a"), starting("b")}, Queued: 3}, demand: 3, target: 3, start: 1},
		}},
		{"starting runners are not released above target", []step{
			{in: Input{Settings: settings(0, 5, 1, 60), Runners: []Runner{starting("a"), starting("b")}}},
		}},
		{"stopping runners are not capacity", []step{
			{in: Input{Settings: settings(1, 5, 1, 60), Runners: []Runner{stopping("a", 0), stopping("b", 0)}}, target: 1, start: 1},
		}},
		{"stopping runners' requests are not demand", []step{
			{in: Input{Settings: settings(0, 5, 1, 60), Runners: []Runner{stopping("a", 3)}}},
		}},
		{"a runner in back-off keeps its slot", []step{
			{in: Input{Settings: settings(2, 5, 1, 60), Runners: []Runner{backoff("a"), idle("b", -time.Hour)}}, target: 2},
		}},
		{"a runner in back-off above target goes first and at once", []step{
			{in: Input{Settings: settings(1, 5, 1, 60), Runners: []Runner{idle("a", -time.Hour), backoff("b")}},
				target: 1, release: []string{"b"}},
		}},
		{"scale change: higher min starts at once", []step{
			{in: Input{Settings: settings(1, 5, 1, 60), Runners: idles(1, 0)}, target: 1},
			{at: s, in: Input{Settings: with(settings(3, 5, 1, 60), delay(60)), Runners: idles(1, 0)}, target: 3, start: 2},
		}},
		{"scale change: lower max releases at once, serving nothing first", []step{
			{in: Input{Settings: settings(0, 5, 1, 600), Runners: []Runner{
				busy("a", 1), busy("b", 1), idle("c", -5*s), starting("d"), backoff("e"),
			}}, demand: 2, target: 2, release: []string{"e"}, expires: map[string]time.Duration{"c": 595 * s}},
			{at: s, in: Input{Settings: settings(0, 2, 1, 600), Runners: []Runner{
				busy("a", 1), busy("b", 1), idle("c", -5*s), starting("d"), backoff("e"),
			}}, demand: 2, target: 2, release: []string{"e", "d", "c"}},
		}},
		{"scale change: lower max never releases busy runners", []step{
			{in: Input{Settings: settings(0, 1, 1, 600), Runners: busies(3, 1)}, demand: 3, target: 1},
		}},
		{"scale change: lower min lets idle runners expire", []step{
			{in: Input{Settings: settings(3, 5, 1, 30), Runners: idles(3, -20*s)}, target: 3},
			{at: s, in: Input{Settings: settings(1, 5, 1, 30), Runners: idles(3, -20*s)}, target: 1,
				expires: map[string]time.Duration{"a": 9 * s, "b": 9 * s}},
			{at: 10 * s, in: Input{Settings: settings(1, 5, 1, 30), Runners: idles(3, -20*s)}, target: 1,
				release: []string{"a", "b"}},
		}},
		{"scale change: max below min wins", []step{
			{in: Input{Settings: settings(4, 2, 1, 30)}, target: 2, start: 2},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewFakeClock(t0)
			var sc Scaler
			for i, st := range tc.steps {
				clock.Set(t0.Add(st.at))
				got := sc.Decide(clock.Now(), st.in)
				if got.Target != st.target || got.Demand != st.demand || got.Start != st.start {
					t.Errorf("step %d: target/demand/start = %d/%d/%d, want %d/%d/%d",
						i, got.Target, got.Demand, got.Start, st.target, st.demand, st.start)
				}
				if !slices.Equal(got.Release, st.release) {
					t.Errorf("step %d: release = %v, want %v", i, got.Release, st.release)
				}
				if !maps.Equal(got.Expires, st.expires) {
					t.Errorf("step %d: expires = %v, want %v", i, got.Expires, st.expires)
				}
			}
		})
	}
}

func TestDecideRecheck(t *testing.T) {
	var sc Scaler
	set := with(settings(0, 5, 1, 30), func(st *scaling.Settings) { st.ScalingDelay = scaling.Int(10) })

	// The scaling delay is the earliest timer.
	d := sc.Decide(t0, Input{Settings: set, Queued: 1})
	if d.Recheck != 10*time.Second {
		t.Errorf("recheck while waiting on delay = %v, want 10s", d.Recheck)
	}
	d = sc.Decide(t0.Add(4*time.Second), Input{Settings: set, Queued: 1})
	if d.Recheck != 6*time.Second {
		t.Errorf("recheck 4s into delay = %v, want 6s", d.Recheck)
	}

	// The keep_alive that runs out first.
	d = sc.Decide(t0, Input{Settings: set, Runners: []Runner{idle("a", -25*time.Second), idle("b", -5*time.Second)}})
	if d.Recheck != 5*time.Second {
		t.Errorf("recheck with idle runners = %v, want 5s", d.Recheck)
	}

	// Nothing pending.
	d = sc.Decide(t0, Input{Settings: set, Runners: []Runner{busy("a", 1)}})
	if d.Recheck != 0 {
		t.Errorf("recheck with nothing pending = %v, want 0", d.Recheck)
	}
}

func TestDecideCurrent(t *testing.T) {
	var sc Scaler
	d := sc.Decide(t0, Input{Settings: settings(0, 9, 1, 60), Runners: []Runner{
		starting("a"), idle("b", 0), busy("c", 1), backoff("d"), stopping("e", 1),
	}})
	if d.Current != 4 {
		t.Errorf("current = %d, want 4 (all but the stopping one)", d.Current)
	}
}

func TestFakeClock(t *testing.T) {
	c := NewFakeClock(t0)
	c.Advance(90 * time.Second)
	if got := c.Now(); !got.Equal(t0.Add(90 * time.Second)) {
		t.Errorf("after Advance: %v", got)
	}
	c.Set(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Errorf("after Set: %v", got)
	}
	var _ Clock = SystemClock{}
	var _ Clock = c
}
