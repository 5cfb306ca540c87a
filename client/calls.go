package client

import (
	"context"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
)

// The Client methods of *GRPC. Each names its operation for errors in the
// words a person would use, with the environment spelled out (main too).

func appOp(verb, app, env string) string {
	return fmt.Sprintf("%s app %q in %s", verb, app, names.Env(env))
}

// invalid reports a request refused before it was sent.
func invalid(op string, err error) *Error {
	return &Error{Kind: Invalid, Op: op, Msg: err.Error(), Err: err}
}

// noAnswer reports a reply that lacks what the call promised.
func noAnswer(op, what string) *Error {
	return &Error{Kind: Other, Op: op, Msg: "the controller's answer holds no " + what}
}

// fromPBs converts a listing's protobuf messages, keeping their order. An
// empty listing is an empty slice, not nil.
func fromPBs[P, T any](ps []P, conv func(P) T) []T {
	out := make([]T, 0, len(ps))
	for _, p := range ps {
		out = append(out, conv(p))
	}
	return out
}

// appAnswer is the app a call that changes one answers with.
func appAnswer(op string, a *falpb.AliasInfo, env string) (App, error) {
	if a == nil {
		return App{}, noAnswer(op, "app")
	}
	return appFromPB(a, env), nil
}

func (g *GRPC) ListEnvironments(ctx context.Context) ([]Environment, error) {
	resp, err := unary(ctx, g, "list environments", &falpb.ListEnvironmentsRequest{}, g.rpc.ListEnvironments)
	if err != nil {
		return nil, err
	}
	return fromPBs(resp.GetEnvironments(), environmentFromPB), nil
}

// CreateEnvironment is retried: a second try meets ALREADY_EXISTS if the
// first took effect, and says that it may have (see retry.go).
func (g *GRPC) CreateEnvironment(ctx context.Context, name, description string) (Environment, error) {
	op := fmt.Sprintf("create environment %q", name)
	req := &falpb.CreateEnvironmentRequest{Name: name}
	if description != "" {
		req.Description = &description
	}
	resp, err := idempotent(ctx, g, op, req, g.rpc.CreateEnvironment)
	if err != nil {
		return Environment{}, err
	}
	if resp.GetEnvironment() == nil {
		return Environment{}, noAnswer(op, "environment")
	}
	return environmentFromPB(resp.GetEnvironment()), nil
}

func (g *GRPC) DeleteEnvironment(ctx context.Context, name string) error {
	op := fmt.Sprintf("delete environment %q", name)
	_, err := idempotent(ctx, g, op, &falpb.DeleteEnvironmentRequest{Name: name}, g.rpc.DeleteEnvironment)
	return err
}

func (g *GRPC) ListApps(ctx context.Context, env string) ([]App, error) {
	op := "list apps in " + names.Env(env)
	resp, err := unary(ctx, g, op, &falpb.ListAliasesRequest{EnvironmentName: envPB(env)}, g.rpc.ListAliases)
	if err != nil {
		return nil, err
	}
	return fromPBs(resp.GetAliases(), func(a *falpb.AliasInfo) App { return appFromPB(a, env) }), nil
}

// ListRevisions names the app by its full alias beside the environment,
// as fal's SDK does (list_applications).
func (g *GRPC) ListRevisions(ctx context.Context, env, app string) ([]Revision, error) {
	op := "list revisions in " + names.Env(env)
	req := &falpb.ListApplicationsRequest{EnvironmentName: envPB(env)}
	if app != "" {
		op = fmt.Sprintf("list revisions of app %q in %s", app, names.Env(env))
		alias := names.Alias(app, env)
		req.ApplicationName = &alias
	}
	resp, err := unary(ctx, g, op, req, g.rpc.ListApplications)
	if err != nil {
		return nil, err
	}
	return fromPBs(resp.GetApplications(), func(a *falpb.ApplicationInfo) Revision { return revisionFromPB(a, env) }), nil
}

func (g *GRPC) UpdateApp(ctx context.Context, env, app string, spec ScaleSpec) (App, error) {
	op := appOp("update", app, env)
	req, err := updateRequestToPB(env, app, spec)
	if err != nil {
		return App{}, invalid(op, err)
	}
	resp, err := idempotent(ctx, g, op, req, g.rpc.UpdateApplication)
	if err != nil {
		return App{}, err
	}
	return appAnswer(op, resp.GetAliasInfo(), env)
}

// RolloutApp is tried once: a second rollout replaces the runners again.
func (g *GRPC) RolloutApp(ctx context.Context, env, app string, force bool) error {
	req := &falpb.RolloutApplicationRequest{
		ApplicationName: names.Alias(app, env),
		EnvironmentName: envPB(env),
		Force:           &force,
	}
	_, err := unary(ctx, g, appOp("roll out", app, env), req, g.rpc.RolloutApplication)
	return err
}

func (g *GRPC) SetAlias(ctx context.Context, env, app string, rev RevisionID, mode *AuthMode, strategy *Strategy) (App, error) {
	op := fmt.Sprintf("point app %q in %s at revision %q", app, names.Env(env), rev)
	req := &falpb.SetAliasRequest{
		Alias:           names.Alias(app, env),
		Revision:        string(rev),
		EnvironmentName: envPB(env),
	}
	if mode != nil {
		m := authModeToPB(*mode)
		req.AuthMode = &m
	}
	if strategy != nil {
		s := strategyToPB(*strategy)
		req.DeploymentStrategy = &s
	}
	resp, err := idempotent(ctx, g, op, req, g.rpc.SetAlias)
	if err != nil {
		return App{}, err
	}
	return appAnswer(op, resp.GetAliasInfo(), env)
}

func (g *GRPC) DeleteAlias(ctx context.Context, env, app string) (RevisionID, error) {
	req := &falpb.DeleteAliasRequest{Alias: names.Alias(app, env), EnvironmentName: envPB(env)}
	resp, err := idempotent(ctx, g, appOp("delete", app, env), req, g.rpc.DeleteAlias)
	if err != nil {
		return "", err
	}
	return RevisionID(resp.GetRevision()), nil
}

func (g *GRPC) DeleteRevision(ctx context.Context, rev RevisionID) error {
	op := fmt.Sprintf("delete revision %q", rev)
	_, err := idempotent(ctx, g, op, &falpb.DeleteApplicationRequest{ApplicationId: string(rev)}, g.rpc.DeleteApplication)
	return err
}

func (g *GRPC) SetSecret(ctx context.Context, env, name, value string, defaultExposed *bool) error {
	op := fmt.Sprintf("set secret %q in %s", name, names.Env(env))
	req := &falpb.SetSecretRequest{Name: name, Value: &value, EnvironmentName: envPB(env), DefaultExposed: defaultExposed}
	_, err := idempotent(ctx, g, op, req, g.rpc.SetSecret)
	return err
}

// UnsetSecret sends SetSecret without a value: that is how fal deletes one.
func (g *GRPC) UnsetSecret(ctx context.Context, env, name string) error {
	op := fmt.Sprintf("unset secret %q in %s", name, names.Env(env))
	req := &falpb.SetSecretRequest{Name: name, EnvironmentName: envPB(env)}
	_, err := idempotent(ctx, g, op, req, g.rpc.SetSecret)
	return err
}

func (g *GRPC) ListSecrets(ctx context.Context, env string) ([]Secret, error) {
	op := "list secrets in " + names.Env(env)
	resp, err := unary(ctx, g, op, &falpb.ListSecretsRequest{EnvironmentName: envPB(env)}, g.rpc.ListSecrets)
	if err != nil {
		return nil, err
	}
	return fromPBs(resp.GetSecrets(), func(s *falpb.Secret) Secret { return secretFromPB(s, env) }), nil
}

func (g *GRPC) ListAppRunners(ctx context.Context, env, app string, q RunnerQuery) ([]Runner, error) {
	req := &falpb.ListAliasRunnersRequest{
		Alias:           names.Alias(app, env),
		ListPending:     &q.IncludePending,
		StartTime:       timeToPB(q.TerminatedSince),
		EnvironmentName: envPB(env),
	}
	resp, err := unary(ctx, g, fmt.Sprintf("list runners of app %q in %s", app, names.Env(env)), req,
		listRunnersOn[*falpb.ListAliasRunnersRequest](g, falpb.IsolateController_ListAliasRunners_FullMethodName))
	if err != nil {
		return nil, err
	}
	return withApps(resp.runners, env), nil
}

func (g *GRPC) ListRunners(ctx context.Context, q RunnerQuery) ([]Runner, error) {
	req := &falpb.ListRunnersRequest{
		ListPending: &q.IncludePending,
		StartTime:   timeToPB(q.TerminatedSince),
	}
	resp, err := unary(ctx, g, "list runners", req,
		listRunnersOn[*falpb.ListRunnersRequest](g, falpb.IsolateController_ListRunners_FullMethodName))
	if err != nil {
		return nil, err
	}
	return resp.runners, nil
}

// listRunnersOn calls a runner listing, ListAliasRunners or ListRunners,
// decoding the answer with listingCodec.
func listRunnersOn[Req any](g *GRPC, method string) func(context.Context, Req, ...grpc.CallOption) (*runnerListing, error) {
	return func(ctx context.Context, req Req, opts ...grpc.CallOption) (*runnerListing, error) {
		out := &runnerListing{hint: &g.listingHint}
		opts = append([]grpc.CallOption{grpc.StaticMethod(), grpc.ForceCodecV2(listingCodec{})}, opts...)
		if err := g.conn.Invoke(ctx, method, req, out, opts...); err != nil {
			return nil, err
		}
		return out, nil
	}
}

func (g *GRPC) StopRunner(ctx context.Context, id RunnerID, replaceFirst bool) error {
	req := &falpb.StopRunnerRequest{RunnerId: string(id), ReplaceFirst: replaceFirst}
	_, err := idempotent(ctx, g, fmt.Sprintf("stop runner %q", id), req, g.rpc.StopRunner)
	return err
}

func (g *GRPC) KillRunner(ctx context.Context, id RunnerID) error {
	req := &falpb.KillRunnerRequest{RunnerId: string(id)}
	_, err := idempotent(ctx, g, fmt.Sprintf("kill runner %q", id), req, g.rpc.KillRunner)
	return err
}

// Deploy is never retried: a RegisterApplication that failed midway may
// still have registered a revision, and a second one would be a surprise.
func (g *GRPC) Deploy(ctx context.Context, req DeployRequest, onLog func(LogLine)) (DeployResult, error) {
	op := appOp("deploy", req.App, req.Env)
	pbReq, err := deployRequestToPB(req)
	if err != nil {
		return DeployResult{}, invalid(op, err)
	}
	dctx, cancel := context.WithTimeout(ctx, g.deployTimeout)
	defer cancel()
	stream, err := g.rpc.RegisterApplication(dctx, pbReq)
	if err != nil {
		return DeployResult{}, rpcError(ctx, op, g.target.Addr, err)
	}
	var (
		res       DeployResult
		gotResult bool
	)
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return DeployResult{}, rpcError(ctx, op, g.target.Addr, err)
		}
		if onLog != nil {
			for _, l := range msg.GetLogs() {
				onLog(logLineFromPB(l))
			}
		}
		if r := msg.GetResult(); r != nil {
			res.Revision = RevisionID(r.GetApplicationId())
			gotResult = true
		}
		if u := msg.GetServiceUrls(); u != nil {
			res.Run, res.Playground, res.Queue, res.WS, res.Log = u.GetRun(), u.GetPlayground(), u.GetQueue(), u.GetWs(), u.GetLog()
		}
	}
	if !gotResult {
		return DeployResult{}, &Error{Kind: Other, Op: op, Msg: "the controller ended the deploy without registering a revision"}
	}
	return res, nil
}
