package server

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/server/store"
)

func envInfo(e store.Environment) *falpb.EnvironmentInfo {
	info := &falpb.EnvironmentInfo{
		Name:      e.Name,
		IsDefault: e.IsDefault,
		CreatedAt: timestamppb.New(e.CreatedAt),
	}
	if e.Description != "" {
		info.Description = ptr(e.Description)
	}
	return info
}

// ListEnvironments lists main first, then the others by creation.
func (s *service) ListEnvironments(ctx context.Context, _ *falpb.ListEnvironmentsRequest) (*falpb.ListEnvironmentsResponse, error) {
	envs, err := s.st.Environments(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &falpb.ListEnvironmentsResponse{}
	for _, e := range envs {
		out.Environments = append(out.Environments, envInfo(e))
	}
	return out, nil
}

func (s *service) CreateEnvironment(ctx context.Context, req *falpb.CreateEnvironmentRequest) (*falpb.CreateEnvironmentResponse, error) {
	if err := names.ValidateEnvironment(req.GetName()); err != nil {
		return nil, invalid(err)
	}
	if err := names.ValidateDescription(req.GetDescription()); err != nil {
		return nil, invalid(err)
	}
	e, err := s.st.CreateEnvironment(ctx, req.GetName(), req.GetDescription())
	if err != nil {
		return nil, toStatus(err)
	}
	return &falpb.CreateEnvironmentResponse{Environment: envInfo(e)}, nil
}

// DeleteEnvironment removes an environment with its apps, revisions and
// secrets, then has the Runtime stop the runners of its apps.
func (s *service) DeleteEnvironment(ctx context.Context, req *falpb.DeleteEnvironmentRequest) (*falpb.DeleteEnvironmentResponse, error) {
	name := req.GetName()
	if name == "" {
		return nil, status.Error(codes.InvalidArgument, "no environment name given")
	}
	if names.IsDefault(name) {
		return nil, status.Errorf(codes.FailedPrecondition,
			"environment %q cannot be deleted: it is the default environment", name)
	}
	if err := names.ValidateEnvironment(name); err != nil {
		return nil, invalid(err)
	}
	removed, err := s.st.DeleteEnvironment(ctx, name)
	if err != nil {
		return nil, toStatus(err)
	}
	for _, app := range removed {
		s.runtimeCall(ctx, "environment deleted", app, s.rtRemoved)
	}
	return &falpb.DeleteEnvironmentResponse{}, nil
}

func (s *service) rtRemoved(ctx context.Context, app AppRef) error { return s.rt.AppRemoved(ctx, app) }
func (s *service) rtChanged(ctx context.Context, app AppRef) error { return s.rt.AppChanged(ctx, app) }
