package server

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/server/store"
)

// service implements falpb.IsolateControllerServer over the store and the
// Runtime. Its methods are spread over env.go, apps.go, secrets.go and
// runners.go.
type service struct {
	falpb.UnimplementedIsolateControllerServer
	st   *store.Store
	rt   Runtime // nil: no runners
	log  *slog.Logger
	user string
	gw   string // gateway base URL, "" when there is none
	// closing ends when the controller begins to close; nil: never.
	closing context.Context
}

// invalid is an INVALID_ARGUMENT status carrying err's words.
func invalid(err error) error { return status.Error(codes.InvalidArgument, err.Error()) }

// envName resolves a request's optional environment_name: unset or empty
// means main; anything else must be a valid name.
func envName(name *string) (string, error) {
	env := names.Env(derefString(name))
	if err := names.ValidateEnvironment(env); err != nil {
		return "", invalid(err)
	}
	return env, nil
}

// requireEnv answers NOT_FOUND unless env exists.
func (s *service) requireEnv(ctx context.Context, env string) error {
	if _, err := s.st.Environment(ctx, env); err != nil {
		return toStatus(err)
	}
	return nil
}

// appRef resolves the alias of an alias-scoped call. fal's SDK sends the
// full alias (`my-app--staging`) with environment_name; the bare name with
// environment_name is accepted too. A full alias without environment_name
// names its environment by its suffix: app and environment names cannot
// hold `--`, so the split is unambiguous.
func appRef(alias string, envField *string) (AppRef, error) {
	if alias == "" {
		return AppRef{}, status.Error(codes.InvalidArgument, "no app name given")
	}
	if derefString(envField) == "" {
		if app, env, ok := strings.Cut(alias, names.EnvSeparator); ok && app != "" && env != "" {
			envField = &env
			alias = app
		}
	}
	env, err := envName(envField)
	if err != nil {
		return AppRef{}, err
	}
	app := names.SplitAlias(alias, env)
	if bare, other, ok := strings.Cut(app, names.EnvSeparator); ok && bare != "" && other != "" {
		return AppRef{}, status.Errorf(codes.InvalidArgument,
			"alias %q belongs to environment %q, but the call is for environment %q", alias, other, env)
	}
	if err := names.ValidateApp(app); err != nil {
		return AppRef{}, invalid(err)
	}
	return AppRef{Env: env, App: app}, nil
}

// toStatus turns a store or Runtime error into a gRPC status with a
// message a person can act on.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, ErrNoRunner):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, store.ErrExists):
		return status.Error(codes.AlreadyExists, err.Error())
	case errors.Is(err, store.ErrInUse), errors.Is(err, store.ErrProtected):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, store.ErrLimit):
		return status.Error(codes.ResourceExhausted, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}

// runtimeCall reports a change to the Runtime once it is committed. The
// change stands whatever the Runtime says, so a failure is logged rather
// than returned: the caller's write succeeded, and the Runtime retries on
// its own loop. The call is detached from the RPC's cancellation, since
// the client may hang up as soon as it has its answer.
func (s *service) runtimeCall(ctx context.Context, what string, app AppRef, fn func(context.Context, AppRef) error) {
	if s.rt == nil {
		return
	}
	if err := fn(context.WithoutCancel(ctx), app); err != nil {
		s.log.Warn("runtime did not take a change", "change", what, "app", app.Alias(), "env", app.Env, "error", err)
	}
}

func derefString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }
