package supervisor

import (
	"cmp"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/store"
)

// A runner's state is fal's, so listing needs no mapping.
type state = falpb.RunnerInfo_State

const (
	stPending      = falpb.RunnerInfo_PENDING
	stSetup        = falpb.RunnerInfo_SETUP
	stIdle         = falpb.RunnerInfo_IDLE
	stRunning      = falpb.RunnerInfo_RUNNING
	stDraining     = falpb.RunnerInfo_DRAINING
	stTerminating  = falpb.RunnerInfo_TERMINATING
	stTerminated   = falpb.RunnerInfo_TERMINATED
	stFailureDelay = falpb.RunnerInfo_FAILURE_DELAY
)

// runner is one runner slot: one process at a time, a new one after each
// failed setup. Every field is guarded by Supervisor.mu, except those set
// at creation and never changed (id, ref, alias, rev, machineType, grace,
// created, logs).
type runner struct {
	id          string
	ref         server.AppRef
	alias       string
	rev         store.Revision
	machineType string
	grace       time.Duration
	created     time.Time
	logs        *logBuffer

	app   *app // nil once the runner has ended or its app is gone
	state state
	// stopping is set once the runner is meant to end: it takes no new
	// requests and is never retried; why says what ended it, for the log.
	stopping bool
	why      string
	// force skips draining when the runner's replacement is ready.
	force       bool
	replacement falpb.RunnerInfo_ReplaceState
	replacedBy  string // the DID_REPLACE runner standing in for this one
	// setupTimedOut marks a process killed for missing startup_timeout, so
	// its exit counts as a failed setup.
	setupTimedOut bool

	proc     *proc
	port     int
	attempts int // processes started
	failures int // consecutive failed setups
	// delays are the back-offs chosen, in order, for the record and tests.
	delays    []time.Duration
	failedAt  time.Time
	retryAt   time.Time
	startedAt time.Time // the current or last process's start
	endedAt   time.Time
	idleSince time.Time

	inFlight  int
	leases    []leaseRecord
	nextLease uint64
}

type leaseRecord struct {
	n        uint64
	request  string
	caller   string
	leasedAt time.Time
}

// stopFor marks r as meant to end, for why unless it already had a
// reason.
func (r *runner) stopFor(why string) {
	r.stopping = true
	if r.why == "" {
		r.why = why
	}
}

// ready reports whether the runner's process is serving or able to.
func (r *runner) ready() bool { return r.state == stIdle || r.state == stRunning }

// inService reports whether the runner may take new requests.
func (r *runner) inService() bool { return r.ready() && !r.stopping }

// live reports whether the runner has not ended.
func (r *runner) live() bool { return r.state != stTerminated }

// info is the runner as fal lists it. expires is the keep_alive deadline
// the last autoscaling decision gave it, zero when it is not counting down.
func (r *runner) info(now time.Time, expires time.Time) *falpb.RunnerInfo {
	st := r.state
	out := &falpb.RunnerInfo{
		RunnerId:         r.id,
		InFlightRequests: int32(min(r.inFlight, 1<<31-1)),
		Uptime:           float32(r.uptime(now).Seconds()),
		Revision:         r.rev.ID,
		Alias:            r.alias,
		State:            &st,
		Replacement:      r.replacement,
		MachineType:      r.machineType,
	}
	switch {
	case !expires.IsZero() && r.state == stIdle:
		out.ExpirationCountdown = secondsLeft(now, expires)
	case r.state == stFailureDelay:
		// A runner in crash backoff has no keep-alive: its one countdown
		// is to its retry, which is what a client can show of it.
		out.ExpirationCountdown = secondsLeft(now, r.retryAt)
	}
	leases := make([]any, 0, len(r.leases))
	for _, l := range r.leases {
		leases = append(leases, map[string]any{
			"request_id":      l.request,
			"caller_user_id":  l.caller,
			"leased_at_epoch": float64(l.leasedAt.UnixNano()) / 1e9,
		})
	}
	// present_in_group false is fal's "lost": a runner fal no longer sees
	// in its app's group. The supervisor knows every runner it started,
	// from setup to its end, so none of them is ever lost here.
	md, err := structpb.NewStruct(map[string]any{"leases": leases, "present_in_group": r.live()})
	if err == nil {
		out.ExternalMetadata = md
	}
	return out
}

// secondsLeft is the time until deadline in whole seconds, rounded up so
// that a countdown reads 0 only once it is over.
func secondsLeft(now, deadline time.Time) *int32 {
	left := int32(max((deadline.Sub(now)+time.Second-1)/time.Second, 0))
	return &left
}

// uptime is how long the current process has run, or the last one ran.
func (r *runner) uptime(now time.Time) time.Duration {
	switch {
	case r.startedAt.IsZero():
		return 0
	case r.proc != nil:
		return max(now.Sub(r.startedAt), 0)
	case !r.endedAt.IsZero():
		return max(r.endedAt.Sub(r.startedAt), 0)
	case !r.failedAt.IsZero():
		return max(r.failedAt.Sub(r.startedAt), 0)
	}
	return 0
}

// Runners lists the runners f asks for, oldest first.
func (s *Supervisor) Runners(f server.RunnerFilter) []*falpb.RunnerInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var list []*runner
	for _, r := range s.runners {
		switch {
		case f.App != nil && r.ref != *f.App:
			continue
		case f.App == nil && f.Env != "" && r.ref.Env != f.Env:
			continue
		case r.state == stPending && !f.IncludePending:
			continue
		case r.state == stTerminated && (f.TerminatedSince.IsZero() || r.endedAt.Before(f.TerminatedSince)):
			continue
		}
		list = append(list, r)
	}
	slices.SortFunc(list, func(a, b *runner) int {
		return cmp.Or(a.created.Compare(b.created), cmp.Compare(a.id, b.id))
	})
	out := make([]*falpb.RunnerInfo, 0, len(list))
	for _, r := range list {
		var exp time.Time
		if r.app != nil {
			exp = r.app.expires[r.id]
		}
		out = append(out, r.info(now, exp))
	}
	return out
}
