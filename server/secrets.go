package server

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
)

// SetSecret sets a secret of an environment; a request without a value
// deletes it (fal's `secrets unset`), and deleting a missing one is
// NOT_FOUND. A name the platform sets in every runner (PORT, FAL_*,
// HF_HOME) and a value the runners could not receive (a NUL byte, over
// names.MaxSecretValue) are INVALID_ARGUMENT naming the secret, never
// showing the value. Overwriting replaces the value and the creation time (it says
// when the current value was set) and keeps default_exposed unless the
// request sets it. The value is never logged, stored elsewhere, or
// returned.
func (s *service) SetSecret(ctx context.Context, req *falpb.SetSecretRequest) (*falpb.SetSecretResponse, error) {
	env, err := envName(req.EnvironmentName)
	if err != nil {
		return nil, err
	}
	if req.Value == nil {
		// Unsetting takes any name a secret could have been stored
		// under, so one kept from before a name became reserved can
		// still be removed.
		if err := names.ValidateSecret(req.GetName()); err != nil && names.ReservedSecret(req.GetName()) == "" {
			return nil, invalid(err)
		}
		err = s.st.DeleteSecret(ctx, env, req.GetName())
	} else {
		if err := names.ValidateSecret(req.GetName()); err != nil {
			return nil, invalid(err)
		}
		if err := names.ValidateSecretValue(req.GetName(), *req.Value); err != nil {
			return nil, invalid(err)
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
