package supervisor

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/autoscale"
	"github.com/faldash/faldash/server/store"
)

// app is one alias the supervisor runs. Guarded by Supervisor.mu.
type app struct {
	ref     server.AppRef
	dep     store.Deployment
	scaler  autoscale.Scaler
	runners map[string]*runner // the app's runners that have not ended
	waiters []*waiter          // Acquire calls waiting for a slot, oldest first
	// expires holds the keep_alive deadline of each idle runner the last
	// decision is counting down.
	expires map[string]time.Time
	// rolling is set by a rollout or a rolling redeploy, until no runner is
	// left to replace.
	rolling bool
	// recreating holds back new runners until the old revision's are gone.
	recreating bool
	removed    bool
}

// setDeployment records d as what its app should run, creating the app.
// An older reading (two changes reported out of order) is ignored.
func (s *Supervisor) setDeployment(d store.Deployment) *app {
	ref := d.Alias.Ref
	a := s.apps[ref]
	if a == nil {
		a = &app{ref: ref, runners: make(map[string]*runner), expires: make(map[string]time.Time)}
		s.apps[ref] = a
	}
	if a.dep.Alias.UpdatedAt.After(d.Alias.UpdatedAt) {
		return a
	}
	a.dep = d
	return a
}

// sortedRunners is a's live runners, oldest first, so every pass treats
// them in the same order.
func (a *app) sortedRunners() []*runner {
	list := slices.Collect(maps.Values(a.runners))
	slices.SortFunc(list, func(x, y *runner) int {
		return cmp.Or(x.created.Compare(y.created), cmp.Compare(x.id, y.id))
	})
	return list
}

// reconcileAll runs one pass over every app and the runners of removed
// ones, and returns how soon another pass is due (0: no particular time).
func (s *Supervisor) reconcileAll() time.Duration {
	var next time.Duration
	for _, a := range s.apps {
		next = earliest(next, s.reconcileApp(a))
	}
	now := s.now()
	for id, r := range s.runners {
		switch {
		case r.state == stDraining && r.inFlight == 0:
			s.terminate(r, "")
		case r.state == stTerminated && now.Sub(r.endedAt) > s.cfg.HistoryTTL:
			delete(s.runners, id)
		}
	}
	return next
}

// reconcileApp brings a's runners toward what its deployment and the
// autoscaler ask for. It starts and signals processes but never waits on
// them.
func (s *Supervisor) reconcileApp(a *app) time.Duration {
	if s.stopping || a.removed {
		return 0
	}
	now := s.now()
	cur := a.dep.Revision.ID
	rolling := a.dep.Revision.Strategy == int32(falpb.DeploymentStrategy_ROLLING)

	// A redeploy: the old revision's runners make way for the new one's.
	for _, r := range a.sortedRunners() {
		if r.stopping || r.replacement == falpb.RunnerInfo_WILL_REPLACE || r.rev.ID == cur {
			continue
		}
		why := "revision " + cur + " was deployed"
		switch {
		case !r.ready():
			s.terminate(r, why)
		case rolling:
			s.replace(a, r, false)
			a.rolling = true
		default:
			s.drain(r, why)
		}
		if !rolling {
			a.recreating = true
		}
	}

	// Runners being replaced leave service once their replacement is ready,
	// or when it is gone without becoming ready.
	for _, r := range a.sortedRunners() {
		if r.stopping || r.replacement != falpb.RunnerInfo_WILL_REPLACE {
			continue
		}
		rep := s.runners[r.replacedBy]
		switch {
		case rep != nil && rep.ready() && !rep.stopping:
			if r.force {
				s.terminate(r, "replaced by runner "+rep.id)
			} else {
				s.drain(r, "replaced by runner "+rep.id)
			}
		case rep == nil || rep.stopping:
			s.drain(r, "its replacement ended before it was ready")
		}
	}

	d := a.scaler.Decide(now, s.scalerInput(a))
	for _, id := range d.Release {
		if r := a.runners[id]; r != nil {
			s.drain(r, "released by the autoscaler")
		}
	}
	if a.recreating && !a.hasRevisionOtherThan(cur) {
		a.recreating = false
	}
	if !a.recreating {
		for range d.Start {
			s.newRunner(a)
		}
	}

	next := d.Recheck
	for _, r := range a.sortedRunners() {
		if r.state != stFailureDelay || r.stopping {
			continue
		}
		switch {
		case r.rev.ID != cur:
			s.terminate(r, "revision "+cur+" was deployed")
		case !now.Before(r.retryAt):
			r.state = stPending
			s.launch(r)
		default:
			next = earliest(next, r.retryAt.Sub(now))
		}
	}

	clear(a.expires)
	for id, left := range d.Expires {
		a.expires[id] = now.Add(left)
	}
	if a.rolling && !a.hasReplacing() {
		a.rolling = false
	}
	s.dispatch(a)
	return next
}

// scalerInput is a's runners as the autoscaler counts them. A runner being
// replaced counts as stopping: its replacement stands in for it.
func (s *Supervisor) scalerInput(a *app) autoscale.Input {
	in := autoscale.Input{Settings: a.dep.Alias.Scaling, Queued: len(a.waiters)}
	for _, r := range a.sortedRunners() {
		ar := autoscale.Runner{ID: r.id, InFlight: r.inFlight, IdleSince: r.idleSince}
		switch {
		case r.stopping || r.replacement == falpb.RunnerInfo_WILL_REPLACE:
			ar.Phase = autoscale.Stopping
		case r.state == stPending || r.state == stSetup:
			ar.Phase = autoscale.Starting
		case r.ready():
			ar.Phase = autoscale.Ready
		case r.state == stFailureDelay:
			ar.Phase = autoscale.Backoff
		default:
			ar.Phase = autoscale.Stopping
		}
		in.Runners = append(in.Runners, ar)
	}
	return in
}

func (a *app) hasRevisionOtherThan(rev string) bool {
	for _, r := range a.runners {
		if r.rev.ID != rev {
			return true
		}
	}
	return false
}

func (a *app) hasReplacing() bool {
	for _, r := range a.runners {
		if r.replacement == falpb.RunnerInfo_WILL_REPLACE {
			return true
		}
	}
	return false
}

// newRunner adds a PENDING runner of a's current revision and starts it.
func (s *Supervisor) newRunner(a *app) *runner {
	rev := a.dep.Revision
	grace := s.cfg.DefaultGrace
	if rev.TerminationGrace != nil {
		grace = time.Duration(max(*rev.TerminationGrace, 0)) * time.Second
	}
	machine := "local"
	if mt := a.dep.Alias.Scaling.MachineTypes; len(mt) > 0 {
		machine = mt[0]
	}
	r := &runner{
		id:          uuid.NewString(),
		ref:         a.ref,
		alias:       a.ref.Alias(),
		rev:         rev,
		machineType: machine,
		grace:       grace,
		created:     s.now(),
		logs:        newLogBuffer(s.cfg.LogLines),
		app:         a,
		state:       stPending,
	}
	s.runners[r.id] = r
	a.runners[r.id] = r
	s.launch(r)
	return r
}

// replace marks old WILL_REPLACE and starts its replacement.
func (s *Supervisor) replace(a *app, old *runner, force bool) {
	rep := s.newRunner(a)
	rep.replacement = falpb.RunnerInfo_DID_REPLACE
	old.replacement = falpb.RunnerInfo_WILL_REPLACE
	old.replacedBy = rep.id
	old.force = force
}

// drain takes r out of service and ends it once its requests are done; a
// runner that is not serving ends at once. why is kept for the log line
// of its end (the first reason given wins).
func (s *Supervisor) drain(r *runner, why string) {
	if !r.live() {
		return
	}
	r.stopFor(why)
	if !r.ready() {
		if r.state != stDraining {
			s.terminate(r, why)
		}
		return
	}
	r.state = stDraining
	if r.inFlight == 0 {
		s.terminate(r, why)
	}
}

// terminate ends r: a process gets SIGTERM and, after the grace period,
// SIGKILL; a runner without one ends at once.
func (s *Supervisor) terminate(r *runner, why string) {
	if !r.live() {
		return
	}
	r.stopFor(why)
	if r.proc == nil {
		s.finish(r)
		return
	}
	if r.state == stTerminating {
		return
	}
	r.state = stTerminating
	r.proc.terminate(r.grace)
}

// kill ends r at once.
func (s *Supervisor) kill(r *runner, why string) {
	r.stopFor(why)
	if r.proc == nil {
		s.finish(r)
		return
	}
	r.state = stTerminating
	r.proc.signal(sigKill)
}

// finish records that r has ended.
func (s *Supervisor) finish(r *runner) {
	if !r.live() {
		return
	}
	r.state = stTerminated
	r.stopping = true
	r.endedAt = s.now()
	if a := r.app; a != nil {
		delete(a.runners, r.id)
		delete(a.expires, r.id)
		r.app = nil
	}
	r.logs.release()
	s.nudge()
}

func earliest(cur, d time.Duration) time.Duration {
	if d > 0 && (cur == 0 || d < cur) {
		return d
	}
	return cur
}
