package supervisor

import (
	"context"
	"errors"
	"fmt"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/gateway"
	"github.com/faldash/faldash/server/store"
)

// AppChanged re-reads app's deployment and reconciles its runners at once.
func (s *Supervisor) AppChanged(ctx context.Context, ref server.AppRef) error {
	if !s.running() {
		return nil
	}
	d, err := s.host.State.Deployment(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return s.AppRemoved(ctx, ref)
	}
	if err != nil {
		return fmt.Errorf("read deployment of %s: %w", ref, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return nil
	}
	s.gen++
	s.reconcileApp(s.setDeployment(d))
	return nil
}

// AppRemoved stops app's runners gracefully and fails its waiting
// requests.
func (s *Supervisor) AppRemoved(_ context.Context, ref server.AppRef) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	a := s.apps[ref]
	if a == nil {
		return nil
	}
	delete(s.apps, ref)
	a.removed = true
	a.rolling = false
	for _, r := range a.sortedRunners() {
		s.drain(r, "its app was removed")
	}
	a.failWaiters(fmt.Errorf("app %q: %w", ref.Alias(), gateway.ErrUnknownApp))
	return nil
}

// Rollout replaces every serving runner of app with a new one of its
// current revision; runners not serving yet of an older revision are
// stopped, and the autoscaler starts what is missing.
func (s *Supervisor) Rollout(_ context.Context, ref server.AppRef, force bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[ref]
	if a == nil || s.stopping {
		return nil
	}
	for _, r := range a.sortedRunners() {
		switch {
		case r.stopping || r.replacement == falpb.RunnerInfo_WILL_REPLACE:
		case r.ready():
			s.replace(a, r, force)
			a.rolling = true
		case r.rev.ID != a.dep.Revision.ID:
			s.terminate(r, "rolled out")
		}
	}
	s.reconcileApp(a)
	return nil
}

// Rolling reports whether a rollout of app is replacing runners.
func (s *Supervisor) Rolling(ref server.AppRef) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[ref]
	return a != nil && a.rolling
}

// StopRunner stops runner id gracefully; with replaceFirst a serving
// runner keeps serving until a replacement is ready.
func (s *Supervisor) StopRunner(_ context.Context, id string, replaceFirst bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.liveRunner(id)
	if err != nil {
		return err
	}
	switch {
	case r.stopping:
	case replaceFirst && r.replacement == falpb.RunnerInfo_WILL_REPLACE:
		// Already waiting for its replacement.
	case replaceFirst && r.ready() && r.app != nil && !r.app.removed && !s.stopping:
		s.replace(r.app, r, false)
		s.reconcileApp(r.app)
	default:
		s.drain(r, "stopped on request")
		if r.app != nil {
			s.reconcileApp(r.app)
		}
	}
	return nil
}

// KillRunner kills runner id's process group now.
func (s *Supervisor) KillRunner(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.liveRunner(id)
	if err != nil {
		return err
	}
	s.kill(r, "killed on request")
	if r.app != nil {
		s.reconcileApp(r.app)
	}
	return nil
}

func (s *Supervisor) liveRunner(id string) (*runner, error) {
	r := s.runners[id]
	if r == nil {
		return nil, fmt.Errorf("runner %q: %w", id, server.ErrNoRunner)
	}
	if !r.live() {
		return nil, fmt.Errorf("runner %q has already ended: %w", id, server.ErrNoRunner)
	}
	return r, nil
}

// running reports whether Start has run and Stop has not.
func (s *Supervisor) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started && !s.stopping
}
