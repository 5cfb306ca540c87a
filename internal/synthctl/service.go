package synthctl

import (
	"context"
	"crypto/subtle"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
)

// service answers the listing calls; every other method is
// UNIMPLEMENTED, which the dashboard shows as an error of that action.
type service struct {
	falpb.UnimplementedIsolateControllerServer
	s *Server
}

func (s *Server) authorize(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	id, secret := first(md, "auth-key-id"), first(md, "auth-key")
	if id == "" || secret == "" {
		return status.Error(codes.Unauthenticated, "no credentials: send the key as auth-key-id and auth-key metadata")
	}
	same := subtle.ConstantTimeCompare([]byte(id), []byte(s.keyID)) & subtle.ConstantTimeCompare([]byte(secret), []byte(s.secret))
	if same != 1 {
		return status.Error(codes.Unauthenticated, "invalid credentials: unknown key id or wrong key secret")
	}
	return nil
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (s *Server) authorizeUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := s.authorize(ctx); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func (s *Server) authorizeStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := s.authorize(ss.Context()); err != nil {
		return err
	}
	return handler(srv, ss)
}

// env checks an environment the request names (unset means main).
func (s *Server) env(name *string) (string, error) {
	env := names.Env(derefString(name))
	if !s.accounts.hasEnv(env) {
		return "", status.Errorf(codes.NotFound, "environment %q does not exist", env)
	}
	return env, nil
}

// app finds the app a request names, by its full alias or by its bare
// name in the request's environment, as fal accepts both.
func (s *Server) app(name string, envName *string) (*app, error) {
	env, err := s.env(envName)
	if err != nil {
		return nil, err
	}
	if a, ok := s.accounts.byAlias[name]; ok && a.env == env {
		return a, nil
	}
	if a, ok := s.accounts.byAlias[names.Alias(name, env)]; ok {
		return a, nil
	}
	return nil, status.Errorf(codes.NotFound, "app %q does not exist in %s", name, env)
}

func derefString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (v *service) ListEnvironments(context.Context, *falpb.ListEnvironmentsRequest) (*falpb.ListEnvironmentsResponse, error) {
	return &falpb.ListEnvironmentsResponse{Environments: v.s.accounts.environments()}, nil
}

func (v *service) ListAliases(_ context.Context, req *falpb.ListAliasesRequest) (*falpb.ListAliasesResult, error) {
	s := v.s
	env, err := s.env(req.EnvironmentName)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	apps := s.accounts.apps[env]
	out := make([]*falpb.AliasInfo, len(apps))
	for i, a := range apps {
		out[i] = s.accounts.aliasInfo(a)
	}
	return &falpb.ListAliasesResult{Aliases: out}, nil
}

func (v *service) ListApplications(_ context.Context, req *falpb.ListApplicationsRequest) (*falpb.ListApplicationsResult, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.ApplicationName != nil {
		a, err := s.app(req.GetApplicationName(), req.EnvironmentName)
		if err != nil {
			return nil, err
		}
		return &falpb.ListApplicationsResult{Applications: s.accounts.revisionInfos(a)}, nil
	}
	env, err := s.env(req.EnvironmentName)
	if err != nil {
		return nil, err
	}
	var out []*falpb.ApplicationInfo
	for _, a := range s.accounts.apps[env] {
		out = append(out, s.accounts.revisionInfos(a)...)
	}
	return &falpb.ListApplicationsResult{Applications: out}, nil
}

func (v *service) ListSecrets(_ context.Context, req *falpb.ListSecretsRequest) (*falpb.ListSecretsResponse, error) {
	env, err := v.s.env(req.EnvironmentName)
	if err != nil {
		return nil, err
	}
	return &falpb.ListSecretsResponse{Secrets: v.s.accounts.secretInfos(env)}, nil
}

func (v *service) ListAliasRunners(_ context.Context, req *falpb.ListAliasRunnersRequest) (*falpb.ListAliasRunnersResponse, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.app(req.GetAlias(), req.EnvironmentName)
	if err != nil {
		return nil, err
	}
	if a.big {
		s.step()
	}
	return &falpb.ListAliasRunnersResponse{Runners: s.list(nil, a, req.GetListPending())}, nil
}

func (v *service) ListRunners(_ context.Context, req *falpb.ListRunnersRequest) (*falpb.ListRunnersResponse, error) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.step()
	var out []*falpb.RunnerInfo
	for _, env := range s.accounts.envs {
		for _, a := range s.accounts.apps[env] {
			out = s.list(out, a, req.GetListPending())
		}
	}
	return &falpb.ListRunnersResponse{Runners: out}, nil
}

// step counts a listing of the big app; every one after the first finds
// the churn applied. s.mu is held.
func (s *Server) step() {
	if s.listings > 0 {
		s.fleet.churn(s.accounts.byAlias[names.Alias(s.cfg.App, names.DefaultEnvironment)], s.churn, s.cfg.Now())
	}
	s.listings++
}

// list appends a's runners as listed now to out; pending ones only when
// asked for, as fal lists them. s.mu is held.
func (s *Server) list(out []*falpb.RunnerInfo, a *app, pending bool) []*falpb.RunnerInfo {
	now := s.cfg.Now()
	if out == nil {
		out = make([]*falpb.RunnerInfo, 0, len(a.runners))
	}
	for _, r := range a.runners {
		if r.state == falpb.RunnerInfo_PENDING && !pending {
			continue
		}
		out = append(out, r.info(now))
	}
	return out
}
