package server

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/faldash/faldash/falpb"
)

func TestRunnerCallsWithoutRuntime(t *testing.T) {
	h := start(t)
	ctx := h.ctx()
	createEnv(t, h, "staging")
	h.deploy("staging", "my-app", nil)

	got := must(h.cl.ListAliasRunners(ctx, &falpb.ListAliasRunnersRequest{Alias: "my-app--staging", EnvironmentName: ptr("staging"),
		ListPending: ptr(true), StartTime: timestamppb.New(time.Now().Add(-time.Hour))})).get(t)
	if len(got.GetRunners()) != 0 {
		t.Fatalf("runners of an app without a runtime: %v", got)
	}
	_, err := h.cl.ListAliasRunners(ctx, &falpb.ListAliasRunnersRequest{Alias: "no-app", EnvironmentName: ptr("staging")})
	wantCode(t, err, codes.NotFound, `"no-app"`)
	_, err = h.cl.ListAliasRunners(ctx, &falpb.ListAliasRunnersRequest{Alias: "my-app"})
	wantCode(t, err, codes.NotFound, `"main"`)

	all := must(h.cl.ListRunners(ctx, &falpb.ListRunnersRequest{ListPending: ptr(true)})).get(t)
	if len(all.GetRunners()) != 0 {
		t.Fatalf("ListRunners: %v", all)
	}
	_, err = h.cl.StopRunner(ctx, &falpb.StopRunnerRequest{RunnerId: "r-1", ReplaceFirst: true})
	wantCode(t, err, codes.NotFound, `"r-1"`)
	_, err = h.cl.KillRunner(ctx, &falpb.KillRunnerRequest{RunnerId: "r-1"})
	wantCode(t, err, codes.NotFound, `"r-1"`)
	_, err = h.cl.KillRunner(ctx, &falpb.KillRunnerRequest{})
	wantCode(t, err, codes.InvalidArgument, "runner_id")

	if a := h.aliases("staging")[0]; a.GetActiveRunners() != 0 || a.GetIsRolling() {
		t.Errorf("alias without runtime %v", a)
	}
}

// fakeRuntime records what the controller tells it and reports a fixed
// set of runners.
type fakeRuntime struct {
	mu      sync.Mutex
	calls   []string
	runners []*falpb.RunnerInfo
	filters []RunnerFilter
	host    Host
}

func (f *fakeRuntime) record(format string, args ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
	return nil
}

func (f *fakeRuntime) Start(_ context.Context, h Host) error {
	f.host = h
	return f.record("start")
}
func (f *fakeRuntime) Stop(context.Context) error { return f.record("stop") }
func (f *fakeRuntime) AppChanged(_ context.Context, a AppRef) error {
	return f.record("changed %s", a.Alias())
}
func (f *fakeRuntime) AppRemoved(_ context.Context, a AppRef) error {
	return f.record("removed %s", a.Alias())
}
func (f *fakeRuntime) Rollout(_ context.Context, a AppRef, force bool) error {
	return f.record("rollout %s %v", a.Alias(), force)
}
func (f *fakeRuntime) Rolling(a AppRef) bool { return a.App == "rolling-app" }

func (f *fakeRuntime) Runners(flt RunnerFilter) []*falpb.RunnerInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filters = append(f.filters, flt)
	var out []*falpb.RunnerInfo
	for _, r := range f.runners {
		if flt.App != nil && r.GetAlias() != flt.App.Alias() {
			continue
		}
		out = append(out, r)
	}
	return out
}

func (f *fakeRuntime) StopRunner(_ context.Context, id string, replace bool) error {
	if id != "r-1" {
		return fmt.Errorf("stop %s: %w", id, ErrNoRunner)
	}
	return f.record("stop-runner %s %v", id, replace)
}

func (f *fakeRuntime) KillRunner(_ context.Context, id string) error {
	if id == "busy" {
		return status.Error(codes.FailedPrecondition, "runner busy is already terminating")
	}
	if id != "r-1" {
		return fmt.Errorf("kill %s: %w", id, ErrNoRunner)
	}
	return f.record("kill-runner %s", id)
}

func (f *fakeRuntime) takeCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// The controller tells the Runtime about every committed change, and
// passes runner calls and listings through.
func TestRuntimeContract(t *testing.T) {
	rt := &fakeRuntime{}
	h := start(t, func(c *Config) { c.Runtime = rt; c.User = "alice" })
	ctx := h.ctx()
	if got := rt.takeCalls(); !slices.Equal(got, []string{"start"}) {
		t.Fatalf("calls at open: %v", got)
	}
	if rt.host.State == nil || rt.host.Keys == nil || rt.host.User != "alice" || rt.host.DataDir == "" {
		t.Fatalf("host given to the runtime: %+v", rt.host)
	}

	createEnv(t, h, "staging")
	rev := h.deploy("staging", "my-app", nil)
	h.deploy("main", "rolling-app", nil)
	must(h.cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: "my-app", EnvironmentName: ptr("staging"), MinConcurrency: i32p(1)})).get(t)
	must(h.cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: "my-app", EnvironmentName: ptr("staging")})).get(t) // changes nothing
	must(h.cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: "canary", Revision: rev, EnvironmentName: ptr("staging")})).get(t)
	must(h.cl.RolloutApplication(ctx, &falpb.RolloutApplicationRequest{ApplicationName: "my-app--staging", EnvironmentName: ptr("staging"), Force: ptr(true)})).get(t)
	must(h.cl.DeleteAlias(ctx, &falpb.DeleteAliasRequest{Alias: "canary", EnvironmentName: ptr("staging")})).get(t)
	must(h.cl.DeleteEnvironment(ctx, &falpb.DeleteEnvironmentRequest{Name: "staging"})).get(t)
	want := []string{
		"changed my-app--staging", "changed rolling-app", "changed my-app--staging", "changed canary--staging",
		"rollout my-app--staging true", "removed canary--staging", "removed my-app--staging",
	}
	if got := rt.takeCalls(); !slices.Equal(got, want) {
		t.Fatalf("runtime calls\n got %v\nwant %v", got, want)
	}

	// The runtime's State sees committed state, secrets included.
	must(h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "TOKEN", Value: ptr("t0k")})).get(t)
	d := must(rt.host.State.Deployment(ctx, AppRef{Env: "main", App: "rolling-app"})).get(t)
	if d.Revision.Entrypoint != "sleep 1000" || d.Alias.Revision != d.Revision.ID {
		t.Errorf("deployment %+v", d)
	}
	if all := must(rt.host.State.Deployments(ctx)).get(t); len(all) != 1 {
		t.Errorf("deployments %+v", all)
	}
	if v := must(rt.host.State.SecretValues(ctx, "main")).get(t); v["TOKEN"] != "t0k" {
		t.Errorf("secret values %v", v)
	}

	// Listings come from the runtime; active_runners counts the serving ones.
	since := time.Now().Add(-time.Minute)
	rt.runners = []*falpb.RunnerInfo{
		{RunnerId: "r-1", Alias: "rolling-app", Revision: d.Revision.ID, State: falpb.RunnerInfo_RUNNING.Enum()},
		{RunnerId: "r-2", Alias: "rolling-app", Revision: d.Revision.ID, State: falpb.RunnerInfo_IDLE.Enum()},
		{RunnerId: "r-3", Alias: "rolling-app", Revision: d.Revision.ID, State: falpb.RunnerInfo_PENDING.Enum()},
		{RunnerId: "r-4", Alias: "rolling-app", Revision: d.Revision.ID, State: falpb.RunnerInfo_TERMINATED.Enum()},
	}
	got := must(h.cl.ListAliasRunners(ctx, &falpb.ListAliasRunnersRequest{Alias: "rolling-app", ListPending: ptr(true), StartTime: timestamppb.New(since)})).get(t)
	if len(got.GetRunners()) != 4 {
		t.Fatalf("ListAliasRunners %v", got)
	}
	f := rt.filters[len(rt.filters)-1]
	if f.App == nil || *f.App != (AppRef{Env: "main", App: "rolling-app"}) || !f.IncludePending || !f.TerminatedSince.Equal(since) {
		t.Errorf("filter passed to the runtime %+v", f)
	}
	if n := len(must(h.cl.ListRunners(ctx, &falpb.ListRunnersRequest{})).get(t).GetRunners()); n != 4 {
		t.Errorf("ListRunners gave %d runners", n)
	}
	a := h.aliases("main")[0]
	if a.GetActiveRunners() != 2 || !a.GetIsRolling() {
		t.Errorf("alias %v, want 2 active runners and rolling", a)
	}
	apps := must(h.cl.ListApplications(ctx, &falpb.ListApplicationsRequest{})).get(t).GetApplications()
	if apps[0].GetActiveRunners() != 2 {
		t.Errorf("revision %v, want 2 active runners", apps[0])
	}

	must(h.cl.StopRunner(ctx, &falpb.StopRunnerRequest{RunnerId: "r-1", ReplaceFirst: true})).get(t)
	must(h.cl.KillRunner(ctx, &falpb.KillRunnerRequest{RunnerId: "r-1"})).get(t)
	_, err := h.cl.StopRunner(ctx, &falpb.StopRunnerRequest{RunnerId: "gone"})
	wantCode(t, err, codes.NotFound, "gone")
	_, err = h.cl.KillRunner(ctx, &falpb.KillRunnerRequest{RunnerId: "busy"})
	wantCode(t, err, codes.FailedPrecondition, "terminating")
	if got := rt.takeCalls(); !slices.Equal(got, []string{"stop-runner r-1 true", "kill-runner r-1"}) {
		t.Errorf("runner calls %v", got)
	}

	if err := h.ctl.Close(); err != nil {
		t.Fatal(err)
	}
	if got := rt.takeCalls(); !slices.Equal(got, []string{"stop"}) {
		t.Errorf("calls at close: %v", got)
	}
}
