package server

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/names"
)

// MaxSecretValue bounds a secret's value. Secrets become environment
// variables of every runner, and the whole environment block of a process
// is limited, so a large file belongs elsewhere.
const MaxSecretValue = 64 << 10

// SetSecret sets a secret of an environment; a request without a value
// deletes it (fal's `secrets unset`), and deleting a missing one is
// NOT_FOUND. Overwriting replaces the value and the creation time (it says
// when the current value was set) and keeps default_exposed unless the
// request sets it. The value is never logged, stored elsewhere, or
// returned.
func (s *service) SetSecret(ctx context.Context, req *falpb.SetSecretRequest) (*falpb.SetSecretResponse, error) {
	env, err := envName(req.EnvironmentName)
	if err != nil {
		return nil, err
	}
	if err := names.ValidateSecret(req.GetName()); err != nil {
		return nil, invalid(err)
	}
	if req.Value == nil {
		err = s.st.DeleteSecret(ctx, env, req.GetName())
	} else {
		if len(*req.Value) > MaxSecretValue {
			return nil, status.Errorf(codes.InvalidArgument, "value of secret %q is longer than %d bytes", req.GetName(), MaxSecretValue)
		}
		err = s.st.SetSecret(ctx, env, req.GetName(), *req.Value, req.DefaultExposed)
	}
	if err != nil {
		return nil, toStatus(err)
	}
	return &falpb.SetSecretResponse{}, nil
}

// ListSecrets lists an environment's secrets by name, never with values.
func (s *service) ListSecrets(ctx context.Context, req *falpb.ListSecretsRequest) (*falpb.ListSecretsResponse, error) {
	env, err := envName(req.EnvironmentName)
	if err != nil {
		return nil, err
	}
	if err := s.requireEnv(ctx, env); err != nil {
		return nil, err
	}
	secrets, err := s.st.Secrets(ctx, env)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &falpb.ListSecretsResponse{}
	for _, sec := range secrets {
		out.Secrets = append(out.Secrets, &falpb.Secret{
			Name:            sec.Name,
			CreatedTime:     timestamppb.New(sec.CreatedAt),
			EnvironmentName: ptr(sec.Env),
			DefaultExposed:  ptr(sec.DefaultExposed),
		})
	}
	return out, nil
}
