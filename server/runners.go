package server

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/faldash/faldash/falpb"
)

// ListAliasRunners lists one app's runners; an unknown app is NOT_FOUND.
func (s *service) ListAliasRunners(ctx context.Context, req *falpb.ListAliasRunnersRequest) (*falpb.ListAliasRunnersResponse, error) {
	ref, err := s.existingApp(ctx, req.GetAlias(), req.EnvironmentName)
	if err != nil {
		return nil, err
	}
	f := RunnerFilter{App: &ref, IncludePending: req.GetListPending(), TerminatedSince: since(req.StartTime)}
	return &falpb.ListAliasRunnersResponse{Runners: s.runners(f)}, nil
}

// ListRunners lists every runner of every environment.
func (s *service) ListRunners(_ context.Context, req *falpb.ListRunnersRequest) (*falpb.ListRunnersResponse, error) {
	f := RunnerFilter{IncludePending: req.GetListPending(), TerminatedSince: since(req.StartTime)}
	return &falpb.ListRunnersResponse{Runners: s.runners(f)}, nil
}

func (s *service) StopRunner(ctx context.Context, req *falpb.StopRunnerRequest) (*falpb.StopRunnerResponse, error) {
	if err := s.runnerCall(req.GetRunnerId(), func(rt Runtime, id string) error {
		return rt.StopRunner(ctx, id, req.GetReplaceFirst())
	}); err != nil {
		return nil, err
	}
	return &falpb.StopRunnerResponse{}, nil
}

func (s *service) KillRunner(ctx context.Context, req *falpb.KillRunnerRequest) (*falpb.KillRunnerResponse, error) {
	if err := s.runnerCall(req.GetRunnerId(), func(rt Runtime, id string) error {
		return rt.KillRunner(ctx, id)
	}); err != nil {
		return nil, err
	}
	return &falpb.KillRunnerResponse{}, nil
}

// runnerCall checks a runner id and passes it to the Runtime; without one
// no runner exists.
func (s *service) runnerCall(id string, fn func(Runtime, string) error) error {
	if err := checkID("runner_id", id); err != nil {
		return err
	}
	if s.rt == nil {
		return status.Errorf(codes.NotFound, "runner %q does not exist", id)
	}
	return toStatus(fn(s.rt, id))
}

func (s *service) runners(f RunnerFilter) []*falpb.RunnerInfo {
	if s.rt == nil {
		return nil
	}
	return s.rt.Runners(f)
}

// since is the zero time for an unset start_time: no terminated runners.
func since(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}
