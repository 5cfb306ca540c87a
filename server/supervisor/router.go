package supervisor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/gateway"
	"github.com/faldash/faldash/server/store"
)

// waiter is an Acquire call waiting for a slot.
type waiter struct {
	req gateway.RequestInfo
	ch  chan grant // capacity 1: granting never blocks
}

type grant struct {
	lease *gateway.Lease
	err   error
}

// Acquire leases a slot on the least loaded serving runner of alias,
// waiting in the app's queue (which the autoscaler counts as demand) while
// none is free.
func (s *Supervisor) Acquire(ctx context.Context, alias string, req gateway.RequestInfo) (*gateway.Lease, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.refusing {
		s.mu.Unlock()
		return nil, ErrStopped
	}
	a, err := s.knownApp(ctx, alias)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if len(a.waiters) == 0 {
		if r := s.pick(a); r != nil {
			l := s.lease(a, r, req)
			s.mu.Unlock()
			return l, nil
		}
	}
	if n := len(a.waiters); n >= s.cfg.QueueLimit {
		s.mu.Unlock()
		return nil, fmt.Errorf("app %q has %d requests waiting: %w", alias, n, gateway.ErrQueueFull)
	}
	w := &waiter{req: req, ch: make(chan grant, 1)}
	a.waiters = append(a.waiters, w)
	// Queued requests are demand: scale up now rather than at the next tick.
	s.reconcileApp(a)
	s.mu.Unlock()

	select {
	case g := <-w.ch:
		return g.lease, g.err
	case <-ctx.Done():
	}
	s.mu.Lock()
	queued := a.dropWaiter(w)
	s.mu.Unlock()
	if !queued {
		// Granted just as ctx ended: give the slot back.
		if g := <-w.ch; g.lease != nil {
			g.lease.Release()
		}
	}
	s.nudge()
	return nil, ctx.Err()
}

// AuthMode is alias's auth mode, which the gateway checks each request's
// key against before it asks for a slot.
func (s *Supervisor) AuthMode(ctx context.Context, alias string) (falpb.ApplicationAuthMode, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.knownApp(ctx, alias)
	if err != nil {
		return 0, err
	}
	return falpb.ApplicationAuthMode(a.dep.Alias.AuthMode), nil
}

// knownApp finds the app of a full alias, as appFor does; one that names
// no app is gateway.ErrUnknownApp. Called with s.mu held.
func (s *Supervisor) knownApp(ctx context.Context, alias string) (*app, error) {
	ref, ok := refOf(alias)
	if !ok {
		return nil, fmt.Errorf("app %q: %w", alias, gateway.ErrUnknownApp)
	}
	a, err := s.appFor(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("app %q: %w", alias, gateway.ErrUnknownApp)
	}
	return a, err
}

// appFor finds the app ref names, reading it from the store when the
// supervisor does not know it. Called with s.mu held; it is released while
// the store is read.
func (s *Supervisor) appFor(ctx context.Context, ref server.AppRef) (*app, error) {
	for {
		if !s.started || s.stopping {
			return nil, ErrStopped
		}
		if a := s.apps[ref]; a != nil {
			return a, nil
		}
		gen := s.gen
		s.mu.Unlock()
		d, err := s.host.State.Deployment(ctx, ref)
		s.mu.Lock()
		if err != nil {
			return nil, err
		}
		// A change reported meanwhile may have made d stale: read again.
		if gen == s.gen && !s.stopping {
			a := s.setDeployment(d)
			s.reconcileApp(a)
			return a, nil
		}
	}
}

// refOf parses a full alias (`app` in main, `app--env` elsewhere).
func refOf(alias string) (server.AppRef, bool) {
	app, env, found := strings.Cut(alias, names.EnvSeparator)
	if !found {
		env = names.DefaultEnvironment
	}
	if names.ValidateApp(app) != nil || names.ValidateEnvironment(env) != nil {
		return server.AppRef{}, false
	}
	return server.AppRef{Env: env, App: app}, true
}

// pick returns the least loaded runner of a with a free slot, or nil.
// Ties go to a runner not being replaced, then to the oldest.
func (s *Supervisor) pick(a *app) *runner {
	limit := max(a.dep.Alias.Scaling.MaxMultiplexing, 1)
	var best *runner
	for _, r := range a.sortedRunners() {
		if !r.inService() || r.inFlight >= limit {
			continue
		}
		switch {
		case best == nil, r.inFlight < best.inFlight:
			best = r
		case r.inFlight == best.inFlight && best.replacement == falpb.RunnerInfo_WILL_REPLACE &&
			r.replacement != falpb.RunnerInfo_WILL_REPLACE:
			best = r
		}
	}
	return best
}

// dispatch hands free slots to a's waiters, oldest first.
func (s *Supervisor) dispatch(a *app) {
	for len(a.waiters) > 0 {
		r := s.pick(a)
		if r == nil {
			return
		}
		w := a.waiters[0]
		a.waiters[0] = nil
		a.waiters = a.waiters[1:]
		w.ch <- grant{lease: s.lease(a, r, w.req)}
	}
}

func (a *app) dropWaiter(w *waiter) bool {
	for i, x := range a.waiters {
		if x == w {
			a.waiters = append(a.waiters[:i], a.waiters[i+1:]...)
			return true
		}
	}
	return false
}

func (a *app) failWaiters(err error) {
	for _, w := range a.waiters {
		w.ch <- grant{err: err}
	}
	a.waiters = nil
}

// lease takes a slot on r for req.
func (s *Supervisor) lease(a *app, r *runner, req gateway.RequestInfo) *gateway.Lease {
	r.inFlight++
	if r.state == stIdle {
		r.state = stRunning
	}
	r.nextLease++
	n := r.nextLease
	r.leases = append(r.leases, leaseRecord{n: n, request: req.RequestID, caller: req.CallerUserID, leasedAt: s.now()})
	var timeout time.Duration
	if t := a.dep.Alias.Scaling.RequestTimeout; t != nil && *t > 0 {
		timeout = time.Duration(*t) * time.Second
	}
	var once sync.Once
	return &gateway.Lease{
		RunnerID:       r.id,
		Addr:           net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)),
		RequestTimeout: timeout,
		Release:        func() { once.Do(func() { s.releaseLease(r, n) }) },
	}
}

func (s *Supervisor) releaseLease(r *runner, n uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.leases = slices.DeleteFunc(r.leases, func(l leaseRecord) bool { return l.n == n })
	r.inFlight = max(r.inFlight-1, 0)
	if r.inFlight == 0 {
		r.idleSince = s.now()
		switch r.state {
		case stRunning:
			r.state = stIdle
		case stDraining:
			s.terminate(r, "")
		}
	}
	if r.app != nil {
		s.dispatch(r.app)
	}
	s.nudge()
}

// Queue counts the requests waiting for a runner of alias, in total and
// per caller.
func (s *Supervisor) Queue(ctx context.Context, alias string) (gateway.QueueStats, error) {
	stats := gateway.QueueStats{ByCaller: map[string]int{}}
	err := s.withQueue(ctx, alias, func(a *app) {
		stats.Size = len(a.waiters)
		for _, w := range a.waiters {
			stats.ByCaller[w.req.CallerUserID]++
		}
	})
	return stats, err
}

// FlushQueue fails the requests waiting for alias (only caller's, when
// given) with ErrFlushed, and returns how many there were.
func (s *Supervisor) FlushQueue(ctx context.Context, alias, caller string) (int, error) {
	n := 0
	err := s.withQueue(ctx, alias, func(a *app) {
		keep := a.waiters[:0]
		for _, w := range a.waiters {
			if caller != "" && w.req.CallerUserID != caller {
				keep = append(keep, w)
				continue
			}
			w.ch <- grant{err: fmt.Errorf("app %q: %w", alias, gateway.ErrFlushed)}
			n++
		}
		clear(a.waiters[len(keep):])
		a.waiters = keep
	})
	if n > 0 {
		// Less demand: let the autoscaler see it.
		s.nudge()
	}
	return n, err
}

// withQueue calls fn with alias's app, holding s.mu. An app the store
// knows but the supervisor has not loaded has nobody waiting, so fn is not
// called for it; one the store does not know is ErrUnknownApp.
func (s *Supervisor) withQueue(ctx context.Context, alias string, fn func(*app)) error {
	ref, ok := refOf(alias)
	if !ok {
		return fmt.Errorf("app %q: %w", alias, gateway.ErrUnknownApp)
	}
	s.mu.Lock()
	a, started := s.apps[ref], s.started
	if a != nil {
		fn(a)
	}
	s.mu.Unlock()
	switch {
	case a != nil:
		return nil
	case !started:
		return ErrStopped
	}
	_, err := s.host.State.Deployment(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("app %q: %w", alias, gateway.ErrUnknownApp)
	}
	if err != nil {
		return fmt.Errorf("queue of %s: %w", alias, err)
	}
	return nil
}
