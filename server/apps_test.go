package server

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server/store"
)

func TestRegisterApplication(t *testing.T) {
	h := start(t)
	ctx := h.ctx()
	createEnv(t, h, "staging")
	meta := must(structpb.NewStruct(map[string]any{"command": []any{"python", "app.py"}})).get(t)
	msgs, err := h.register(&falpb.RegisterApplicationRequest{
		ApplicationName:               ptr("my-app"),
		EnvironmentName:               ptr("staging"),
		Code:                          &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "python app.py"},
		AuthMode:                      falpb.ApplicationAuthMode_PUBLIC.Enum(),
		Metadata:                      meta,
		DeploymentStrategy:            falpb.DeploymentStrategy_ROLLING.Enum(),
		TerminationGracePeriodSeconds: i32p(7),
		MachineRequirements: &falpb.MachineRequirements{
			MaxConcurrency:  i32p(3),
			MaxMultiplexing: i32p(2),
			MachineTypes:    []string{"GPU-A100"},
			ValidRegions:    []string{"us-east"},
			RequestTimeout:  i32p(30),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) < 2 {
		t.Fatalf("stream had %d messages, want logs then a result", len(msgs))
	}
	logs := msgs[0].GetLogs()
	if len(logs) == 0 {
		t.Fatal("no log lines before the result")
	}
	for _, l := range logs {
		if l.GetSource() != falpb.LogSource_BUILDER || l.GetLevel() != falpb.LogLevel_INFO || l.GetTimestamp() == nil || l.GetMessage() == "" {
			t.Errorf("log line %v", l)
		}
	}
	last := msgs[len(msgs)-1]
	rev := last.GetResult().GetApplicationId()
	if rev == "" {
		t.Fatalf("no application id in %v", last)
	}
	// This controller serves no gateway: no URL, rather than fal.run's.
	if last.ServiceUrls != nil {
		t.Errorf("service URLs without a gateway: %v", last.ServiceUrls)
	}

	// The revision is stored with everything the request said.
	r := must(h.ctl.st.Revision(ctx, rev)).get(t)
	if r.Ref != (store.AppRef{Env: "staging", App: "my-app"}) || r.Entrypoint != "python app.py" ||
		r.AuthMode != int32(falpb.ApplicationAuthMode_PUBLIC) || r.Strategy != int32(falpb.DeploymentStrategy_ROLLING) ||
		r.TerminationGrace == nil || *r.TerminationGrace != 7 {
		t.Errorf("stored revision %+v", r)
	}
	if !strings.Contains(string(r.Metadata), `"command":["python","app.py"]`) {
		t.Errorf("metadata %s", r.Metadata)
	}
	// Unset machine requirements take the documented defaults.
	want := scaling.Settings{MinConcurrency: 0, MaxConcurrency: 3, MaxMultiplexing: 2, KeepAlive: 10,
		RequestTimeout: scaling.Int(30), MachineTypes: []string{"GPU-A100"}, Regions: []string{"us-east"}}
	if !sameSettings(r.Scaling, want) {
		t.Errorf("revision scaling %+v, want %+v", r.Scaling, want)
	}

	al := h.aliases("staging")
	if len(al) != 1 {
		t.Fatalf("aliases of staging: %v", al)
	}
	a := al[0]
	if a.GetAlias() != "my-app--staging" || a.GetEnvironmentName() != "staging" || a.GetRevision() != rev ||
		a.GetAuthMode() != falpb.ApplicationAuthMode_PUBLIC || a.GetMaxConcurrency() != 3 || a.GetMaxMultiplexing() != 2 ||
		a.GetKeepAlive() != 10 || a.GetRequestTimeout() != 30 || a.StartupTimeout != nil ||
		!slices.Equal(a.GetMachineTypes(), []string{"GPU-A100"}) || !slices.Equal(a.GetValidRegions(), []string{"us-east"}) {
		t.Errorf("alias %v", a)
	}
	if got := h.aliases("main"); len(got) != 0 {
		t.Errorf("main sees staging's app: %v", got)
	}

	// In main, the alias is the bare name.
	h.deploy("main", "my-app", nil)
	if got := h.aliases("main"); len(got) != 1 || got[0].GetAlias() != "my-app" || got[0].GetEnvironmentName() != "main" {
		t.Errorf("main's aliases %v", got)
	}
	// An unset environment means main.
	msgs = must(h.register(&falpb.RegisterApplicationRequest{ApplicationName: ptr("third"),
		Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"}})).get(t)
	if got := msgs[len(msgs)-1].GetResult().GetApplicationId(); got == "" {
		t.Errorf("no revision for a deploy to main: %v", msgs)
	}
	all := must(h.cl.ListAliases(ctx, &falpb.ListAliasesRequest{})).get(t).GetAliases()
	if len(all) != 2 || all[0].GetAlias() != "my-app" || all[1].GetAlias() != "third" {
		t.Errorf("ListAliases without environment %v", all)
	}
}

func TestRegisterApplicationURLsUseGateway(t *testing.T) {
	h := start(t, func(c *Config) { c.GatewayURL = "http://127.0.0.1:8080/"; c.User = "alice" })
	createEnv(t, h, "dev")
	msgs := must(h.register(&falpb.RegisterApplicationRequest{ApplicationName: ptr("my-app--dev"), EnvironmentName: ptr("dev"),
		Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"}})).get(t)
	if got := msgs[len(msgs)-1].GetServiceUrls().GetRun(); got != "http://127.0.0.1:8080/alice/my-app--dev" {
		t.Errorf("run URL = %q", got)
	}
}

func TestRegisterApplicationRefusesBadInput(t *testing.T) {
	h := start(t)
	entry := func(e string) *falpb.RegisterApplicationRequest_Entrypoint {
		return &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: e}
	}
	cases := []struct {
		name string
		req  *falpb.RegisterApplicationRequest
		code codes.Code
		says string
	}{
		{"no entrypoint", &falpb.RegisterApplicationRequest{ApplicationName: ptr("a")}, codes.InvalidArgument, "entrypoint"},
		{"blank entrypoint", &falpb.RegisterApplicationRequest{ApplicationName: ptr("a"), Code: entry("  ")}, codes.InvalidArgument, "entrypoint"},
		{"huge entrypoint", &falpb.RegisterApplicationRequest{ApplicationName: ptr("a"), Code: entry(strings.Repeat("x", MaxEntrypoint+1))}, codes.InvalidArgument, "entrypoint"},
		{"no name", &falpb.RegisterApplicationRequest{Code: entry("true")}, codes.InvalidArgument, "application_name"},
		{"bad name", &falpb.RegisterApplicationRequest{ApplicationName: ptr("A_B"), Code: entry("true")}, codes.InvalidArgument, "A_B"},
		{"bad env", &falpb.RegisterApplicationRequest{ApplicationName: ptr("a"), EnvironmentName: ptr("X"), Code: entry("true")}, codes.InvalidArgument, "environment name"},
		{"missing env", &falpb.RegisterApplicationRequest{ApplicationName: ptr("a"), EnvironmentName: ptr("nope"), Code: entry("true")}, codes.NotFound, "nope"},
		{"min above max", &falpb.RegisterApplicationRequest{ApplicationName: ptr("a"), Code: entry("true"),
			MachineRequirements: &falpb.MachineRequirements{MinConcurrency: i32p(3)}}, codes.InvalidArgument, "min_concurrency"},
		{"every bad field", &falpb.RegisterApplicationRequest{ApplicationName: ptr("a"), Code: entry("true"),
			MachineRequirements: &falpb.MachineRequirements{KeepAlive: i32p(-1), MaxMultiplexing: i32p(0), ConcurrencyBufferPerc: i32p(101)}},
			codes.InvalidArgument, "keep_alive"},
		{"bad machine", &falpb.RegisterApplicationRequest{ApplicationName: ptr("a"), Code: entry("true"),
			MachineRequirements: &falpb.MachineRequirements{MachineTypes: []string{"has space"}}}, codes.InvalidArgument, "machine_types"},
		{"bad auth mode", &falpb.RegisterApplicationRequest{ApplicationName: ptr("a"), Code: entry("true"),
			AuthMode: falpb.ApplicationAuthMode(9).Enum()}, codes.InvalidArgument, "auth_mode"},
		{"bad strategy", &falpb.RegisterApplicationRequest{ApplicationName: ptr("a"), Code: entry("true"),
			DeploymentStrategy: falpb.DeploymentStrategy(5).Enum()}, codes.InvalidArgument, "deployment_strategy"},
		{"negative grace", &falpb.RegisterApplicationRequest{ApplicationName: ptr("a"), Code: entry("true"),
			TerminationGracePeriodSeconds: i32p(-1)}, codes.InvalidArgument, "termination_grace_period_seconds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.register(c.req)
			wantCode(t, err, c.code, c.says)
		})
	}
	_, err := h.register(cases[8].req)
	wantCode(t, err, codes.InvalidArgument, "keep_alive", "max_multiplexing", "concurrency_buffer_perc")
	if got := h.aliases("main"); len(got) != 0 {
		t.Fatalf("a refused deploy left aliases %v", got)
	}
	if c := must(h.ctl.st.Contents(t.Context(), "main")).get(t); c.Revisions != 0 {
		t.Fatalf("a refused deploy left %d revisions", c.Revisions)
	}
}

// A deploy whose runners could not start (metadata's command of the wrong
// shape, a NUL byte in what exec gets) or that is too big to keep is
// refused with INVALID_ARGUMENT saying what is wrong, and the app keeps
// serving its current revision: nothing is stored or pointed at.
func TestRegisterApplicationRefusesUnrunnableDeploys(t *testing.T) {
	h := start(t)
	ctx := h.ctx()
	good := h.deploy("main", "app", nil)
	withMeta := func(entry string, meta map[string]any) *falpb.RegisterApplicationRequest {
		st, err := structpb.NewStruct(meta)
		if err != nil {
			t.Fatal(err)
		}
		return &falpb.RegisterApplicationRequest{ApplicationName: ptr("app"),
			Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: entry}, Metadata: st}
	}
	cases := []struct {
		name string
		req  *falpb.RegisterApplicationRequest
		says []string
	}{
		{"command a string", withMeta("prog", map[string]any{"command": "prog"}), []string{"command", "list of strings", "not a string"}},
		{"command empty program", withMeta("prog", map[string]any{"command": []any{""}}), []string{"command[0]", "empty"}},
		{"command numbers", withMeta("prog", map[string]any{"command": []any{1, 2}}), []string{"command[0]", "number"}},
		{"command empty list", withMeta("prog", map[string]any{"command": []any{}}), []string{"command", "empty list"}},
		{"command an object", withMeta("prog", map[string]any{"command": map[string]any{}}), []string{"command", "object"}},
		{"NUL in an argument", withMeta("prog", map[string]any{"command": []any{"/bin/echo", "a\x00b"}}), []string{"command[1]", "NUL"}},
		{"NUL in the entrypoint", withMeta("echo a\x00b", nil), []string{"entrypoint", "NUL"}},
		{"huge metadata", withMeta("prog", map[string]any{"blob": strings.Repeat("x", MaxMetadata)}), []string{"metadata", fmt.Sprint(MaxMetadata)}},
		{"many machine types", &falpb.RegisterApplicationRequest{ApplicationName: ptr("app"),
			Code:                &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"},
			MachineRequirements: &falpb.MachineRequirements{MachineTypes: slices.Repeat([]string{"M"}, 1000)}}, []string{"machine_types", fmt.Sprint(scaling.MaxPlacements)}},
		{"C1 in a region", &falpb.RegisterApplicationRequest{ApplicationName: ptr("app"),
			Code:                &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"},
			MachineRequirements: &falpb.MachineRequirements{ValidRegions: []string{"us\u0085east"}}}, []string{"valid_regions"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := h.register(c.req)
			wantCode(t, err, codes.InvalidArgument, c.says...)
		})
	}
	if got := h.aliases("main"); len(got) != 1 || got[0].GetRevision() != good {
		t.Errorf("after refused deploys the alias is %v, want it on %s", got, good)
	}
	revs := must(h.cl.ListApplications(ctx, &falpb.ListApplicationsRequest{})).get(t).GetApplications()
	if len(revs) != 1 {
		t.Errorf("refused deploys left %d revisions", len(revs)-1)
	}
	// An argv with an empty argument after the program is fine.
	_ = must(h.register(withMeta("prog", map[string]any{"command": []any{"/bin/echo", ""}}))).get(t)
}

// A redeploy resets what describes the code and keeps hand-tuned scaling,
// unless it asks to scale.
func TestRedeployAliasSettings(t *testing.T) {
	h := start(t)
	ctx := h.ctx()
	h.deploy("main", "app", &falpb.MachineRequirements{MaxConcurrency: i32p(4), MachineTypes: []string{"CPU"}})
	must(h.cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: "app",
		MinConcurrency: i32p(2), KeepAlive: i32p(300), MaxMultiplexing: i32p(8), StartupTimeout: i32p(99)})).get(t)

	rev2 := h.deploy("main", "app", &falpb.MachineRequirements{MaxConcurrency: i32p(1), MaxMultiplexing: i32p(3), MachineTypes: []string{"GPU-H100"}})
	a := h.aliases("main")[0]
	if a.GetRevision() != rev2 {
		t.Fatalf("alias serves %s, want %s", a.GetRevision(), rev2)
	}
	// Taken from the new revision:
	if a.GetMaxMultiplexing() != 3 || a.StartupTimeout != nil || !slices.Equal(a.GetMachineTypes(), []string{"GPU-H100"}) {
		t.Errorf("fields fal resets were kept: %v", a)
	}
	// Kept from the alias:
	if a.GetMinConcurrency() != 2 || a.GetMaxConcurrency() != 4 || a.GetKeepAlive() != 300 {
		t.Errorf("hand-tuned fields were reset: %v", a)
	}

	// scale=true takes the fields the deploy sets and still keeps the
	// others; auth mode is kept unless the deploy sets one.
	must(h.cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: "app", Revision: rev2, AuthMode: falpb.ApplicationAuthMode_SHARED.Enum()})).get(t)
	msgs := must(h.register(&falpb.RegisterApplicationRequest{ApplicationName: ptr("app"), Scale: ptr(true),
		Code:                &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"},
		MachineRequirements: &falpb.MachineRequirements{MaxConcurrency: i32p(5), KeepAlive: i32p(30)}})).get(t)
	a = h.aliases("main")[0]
	if a.GetRevision() != msgs[len(msgs)-1].GetResult().GetApplicationId() ||
		a.GetMaxConcurrency() != 5 || a.GetKeepAlive() != 30 || a.GetMinConcurrency() != 2 ||
		a.GetMaxMultiplexing() != 1 || len(a.GetMachineTypes()) != 0 {
		t.Errorf("scale=true: %v, want max 5 and keep-alive 30 taken, min 2 kept, code fields reset", a)
	}
	if a.GetAuthMode() != falpb.ApplicationAuthMode_SHARED {
		t.Errorf("auth mode %v, want the alias's SHARED kept", a.GetAuthMode())
	}
	// A scaled deploy that would break min <= max with the kept values is
	// refused whole: no revision, alias unchanged.
	revsBefore := must(h.ctl.st.Contents(ctx, "main")).get(t).Revisions
	_, err := h.register(&falpb.RegisterApplicationRequest{ApplicationName: ptr("app"), Scale: ptr(true),
		Code:                &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"},
		MachineRequirements: &falpb.MachineRequirements{MaxConcurrency: i32p(1)}})
	wantCode(t, err, codes.InvalidArgument, "min_concurrency")
	if n := must(h.ctl.st.Contents(ctx, "main")).get(t).Revisions; n != revsBefore {
		t.Errorf("a refused deploy stored a revision (%d, was %d)", n, revsBefore)
	}
	if got := h.aliases("main")[0]; got.GetRevision() != a.GetRevision() || got.GetMaxConcurrency() != 5 {
		t.Errorf("a refused deploy changed the alias: %v", got)
	}
	h.deploy("main", "app", nil)
	if got := h.aliases("main")[0].GetAuthMode(); got != falpb.ApplicationAuthMode_SHARED {
		t.Errorf("auth mode after a plain redeploy %v", got)
	}
	must(h.register(&falpb.RegisterApplicationRequest{ApplicationName: ptr("app"), AuthMode: falpb.ApplicationAuthMode_PUBLIC.Enum(),
		Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"}})).get(t)
	if got := h.aliases("main")[0].GetAuthMode(); got != falpb.ApplicationAuthMode_PUBLIC {
		t.Errorf("auth mode after a deploy that sets it %v", got)
	}
}

func TestListApplications(t *testing.T) {
	h := start(t)
	ctx := h.ctx()
	createEnv(t, h, "staging")
	r1 := h.deploy("staging", "my-app", &falpb.MachineRequirements{MaxConcurrency: i32p(2)})
	r2 := h.deploy("staging", "my-app", &falpb.MachineRequirements{KeepAlive: i32p(60)})
	other := h.deploy("staging", "other", nil)
	h.deploy("main", "my-app", nil)

	ids := func(req *falpb.ListApplicationsRequest) []string {
		t.Helper()
		var out []string
		for _, a := range must(h.cl.ListApplications(ctx, req)).get(t).GetApplications() {
			if a.GetEnvironmentName() != "staging" || a.GetCreatedAt() == nil || a.GetActiveRunners() != 0 {
				t.Errorf("application %v", a)
			}
			out = append(out, a.GetApplicationId())
		}
		return out
	}
	staging := ptr("staging")
	if got := ids(&falpb.ListApplicationsRequest{ApplicationName: ptr("my-app"), EnvironmentName: staging}); !slices.Equal(got, []string{r2, r1}) {
		t.Errorf("revisions of my-app = %v, want newest first %v", got, []string{r2, r1})
	}
	if got := ids(&falpb.ListApplicationsRequest{ApplicationName: ptr("my-app--staging"), EnvironmentName: staging}); !slices.Equal(got, []string{r2, r1}) {
		t.Errorf("revisions by full alias = %v", got)
	}
	if got := ids(&falpb.ListApplicationsRequest{EnvironmentName: staging}); !slices.Equal(got, []string{other, r2, r1}) {
		t.Errorf("every revision of staging = %v", got)
	}
	apps := must(h.cl.ListApplications(ctx, &falpb.ListApplicationsRequest{ApplicationName: ptr("my-app"), EnvironmentName: staging})).get(t).GetApplications()
	if apps[0].GetKeepAlive() != 60 || apps[1].GetMaxConcurrency() != 2 {
		t.Errorf("revisions carry their own settings: %v", apps)
	}
	main := must(h.cl.ListApplications(ctx, &falpb.ListApplicationsRequest{})).get(t).GetApplications()
	if len(main) != 1 || main[0].GetEnvironmentName() != "main" {
		t.Errorf("main's revisions %v", main)
	}
	_, err := h.cl.ListApplications(ctx, &falpb.ListApplicationsRequest{ApplicationName: ptr("Bad Name")})
	wantCode(t, err, codes.InvalidArgument, "Bad Name")
}

func TestUpdateApplication(t *testing.T) {
	h := start(t)
	ctx := h.ctx()
	createEnv(t, h, "staging")
	h.deploy("staging", "my-app", &falpb.MachineRequirements{MaxConcurrency: i32p(3), KeepAlive: i32p(60), MachineTypes: []string{"CPU"}})
	before := must(h.ctl.st.Alias(ctx, store.AppRef{Env: "staging", App: "my-app"})).get(t)

	got := must(h.cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{
		ApplicationName: "my-app--staging", EnvironmentName: ptr("staging"),
		MinConcurrency: i32p(1), ConcurrencyBuffer: i32p(2), ValidRegions: []string{"eu-west"},
	})).get(t).GetAliasInfo()
	if got.GetAlias() != "my-app--staging" || got.GetEnvironmentName() != "staging" || got.GetMinConcurrency() != 1 ||
		got.GetConcurrencyBuffer() != 2 || !slices.Equal(got.GetValidRegions(), []string{"eu-west"}) ||
		got.GetMaxConcurrency() != 3 || got.GetKeepAlive() != 60 || !slices.Equal(got.GetMachineTypes(), []string{"CPU"}) ||
		got.ConcurrencyBufferPerc != nil || got.ScalingDelaySeconds != nil {
		t.Fatalf("after update %v", got)
	}
	if listed := h.aliases("staging")[0]; !proto.Equal(listed, got) {
		t.Errorf("listed %v, returned %v", listed, got)
	}
	after := must(h.ctl.st.Alias(ctx, store.AppRef{Env: "staging", App: "my-app"})).get(t)
	want := before.Scaling
	want.MinConcurrency, want.ConcurrencyBuffer, want.Regions = 1, scaling.Int(2), []string{"eu-west"}
	if !sameSettings(after.Scaling, want) || after.Revision != before.Revision {
		t.Errorf("stored %+v, want %+v", after.Scaling, want)
	}

	// The bare name with environment_name is accepted too, and so is the
	// full alias without it.
	must(h.cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: "my-app", EnvironmentName: ptr("staging"), KeepAlive: i32p(5)})).get(t)
	got = must(h.cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: "my-app--staging", ScalingDelaySeconds: i32p(4)})).get(t).GetAliasInfo()
	if got.GetKeepAlive() != 5 || got.GetScalingDelaySeconds() != 4 {
		t.Errorf("after updates by bare name and full alias: %v", got)
	}
	// An empty update changes nothing and answers the current state.
	same := must(h.cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: "my-app", EnvironmentName: ptr("staging")})).get(t).GetAliasInfo()
	if !proto.Equal(same, got) {
		t.Errorf("empty update answered %v, want %v", same, got)
	}

	// Invalid input: every problem named, nothing changed.
	before = must(h.ctl.st.Alias(ctx, store.AppRef{Env: "staging", App: "my-app"})).get(t)
	bad := []struct {
		req  *falpb.UpdateApplicationRequest
		says []string
	}{
		{&falpb.UpdateApplicationRequest{MinConcurrency: i32p(4)}, []string{"min_concurrency", "max_concurrency (3)"}},
		{&falpb.UpdateApplicationRequest{KeepAlive: i32p(10), MaxConcurrency: i32p(-1)}, []string{"max_concurrency"}},
		{&falpb.UpdateApplicationRequest{ConcurrencyBufferPerc: i32p(150), MaxMultiplexing: i32p(0)}, []string{"concurrency_buffer_perc", "max_multiplexing"}},
		{&falpb.UpdateApplicationRequest{MachineTypes: []string{""}}, []string{"machine_types"}},
		{&falpb.UpdateApplicationRequest{ValidRegions: []string{"a b"}}, []string{"valid_regions"}},
		{&falpb.UpdateApplicationRequest{RequestTimeout: i32p(scaling.MaxSeconds + 1), StartupTimeout: i32p(-5)}, []string{"request_timeout", "startup_timeout"}},
	}
	for _, b := range bad {
		b.req.ApplicationName, b.req.EnvironmentName = "my-app", ptr("staging")
		_, err := h.cl.UpdateApplication(ctx, b.req)
		wantCode(t, err, codes.InvalidArgument, b.says...)
	}
	if now := must(h.ctl.st.Alias(ctx, store.AppRef{Env: "staging", App: "my-app"})).get(t); !sameAlias(now, before) {
		t.Fatalf("a refused update changed the alias: %+v, was %+v", now, before)
	}

	_, err := h.cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: "no-app", EnvironmentName: ptr("staging"), MinConcurrency: i32p(1)})
	wantCode(t, err, codes.NotFound, `"no-app"`, `"staging"`)
	_, err = h.cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: "my-app", MinConcurrency: i32p(1)})
	wantCode(t, err, codes.NotFound, `"main"`)
	_, err = h.cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: "my-app--dev", EnvironmentName: ptr("staging")})
	wantCode(t, err, codes.InvalidArgument, `"dev"`, `"staging"`)
	_, err = h.cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{})
	wantCode(t, err, codes.InvalidArgument, "app name")
}

func TestSetAndDeleteAlias(t *testing.T) {
	h := start(t)
	ctx := h.ctx()
	createEnv(t, h, "staging")
	createEnv(t, h, "dev")
	r1 := h.deploy("staging", "my-app", &falpb.MachineRequirements{MaxConcurrency: i32p(2)})
	r2 := h.deploy("staging", "my-app", &falpb.MachineRequirements{MaxConcurrency: i32p(9)})
	devRev := h.deploy("dev", "my-app", nil)

	// Re-pointing an existing alias keeps its settings.
	got := must(h.cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: "my-app--staging", Revision: r1, EnvironmentName: ptr("staging")})).get(t).GetAliasInfo()
	if got.GetRevision() != r1 || got.GetAlias() != "my-app--staging" || got.GetEnvironmentName() != "staging" || got.GetMaxConcurrency() != 2 {
		t.Fatalf("SetAlias back to r1: %v", got)
	}
	// A new alias takes the revision's settings; auth_mode applies.
	got = must(h.cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: "canary", Revision: r2, EnvironmentName: ptr("staging"),
		AuthMode: falpb.ApplicationAuthMode_PUBLIC.Enum()})).get(t).GetAliasInfo()
	if got.GetAlias() != "canary--staging" || got.GetRevision() != r2 || got.GetMaxConcurrency() != 9 || got.GetAuthMode() != falpb.ApplicationAuthMode_PUBLIC {
		t.Fatalf("new alias: %v", got)
	}
	if n := len(h.aliases("staging")); n != 2 {
		t.Fatalf("staging has %d aliases, want 2", n)
	}

	_, err := h.cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: "my-app", Revision: "no-such-revision", EnvironmentName: ptr("staging")})
	wantCode(t, err, codes.NotFound, "no-such-revision")
	_, err = h.cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: "my-app", Revision: devRev, EnvironmentName: ptr("staging")})
	wantCode(t, err, codes.NotFound, devRev, `"staging"`)
	_, err = h.cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: "Bad_Alias", Revision: r1, EnvironmentName: ptr("staging")})
	wantCode(t, err, codes.InvalidArgument, "Bad_Alias")
	_, err = h.cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: "my-app", EnvironmentName: ptr("staging")})
	wantCode(t, err, codes.InvalidArgument, "revision")
	_, err = h.cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: "my-app", Revision: r1, EnvironmentName: ptr("staging"), AuthMode: falpb.ApplicationAuthMode(7).Enum()})
	wantCode(t, err, codes.InvalidArgument, "auth_mode")

	was := must(h.cl.DeleteAlias(ctx, &falpb.DeleteAliasRequest{Alias: "my-app--staging", EnvironmentName: ptr("staging")})).get(t)
	if was.GetRevision() != r1 {
		t.Fatalf("DeleteAlias returned %q, want %q", was.GetRevision(), r1)
	}
	_, err = h.cl.DeleteAlias(ctx, &falpb.DeleteAliasRequest{Alias: "my-app", EnvironmentName: ptr("staging")})
	wantCode(t, err, codes.NotFound, "my-app")
	if al := h.aliases("staging"); len(al) != 1 || al[0].GetAlias() != "canary--staging" {
		t.Fatalf("aliases after delete: %v", al)
	}
	// The revisions stay; dev is untouched.
	if c := must(h.ctl.st.Contents(ctx, "staging")).get(t); c.Revisions != 2 {
		t.Errorf("staging has %d revisions after deleting an alias", c.Revisions)
	}
	if al := h.aliases("dev"); len(al) != 1 {
		t.Errorf("dev's aliases %v", al)
	}
}

func TestDeleteApplication(t *testing.T) {
	h := start(t)
	ctx := h.ctx()
	createEnv(t, h, "staging")
	r1 := h.deploy("staging", "my-app", nil)
	r2 := h.deploy("staging", "my-app", nil)

	_, err := h.cl.DeleteApplication(ctx, &falpb.DeleteApplicationRequest{ApplicationId: r2})
	wantCode(t, err, codes.FailedPrecondition, r2, "my-app--staging")
	must(h.cl.DeleteApplication(ctx, &falpb.DeleteApplicationRequest{ApplicationId: r1})).get(t)
	_, err = h.cl.DeleteApplication(ctx, &falpb.DeleteApplicationRequest{ApplicationId: r1})
	wantCode(t, err, codes.NotFound, r1)
	_, err = h.cl.DeleteApplication(ctx, &falpb.DeleteApplicationRequest{})
	wantCode(t, err, codes.InvalidArgument, "application_id")
	// What no id looks like is refused without being quoted back.
	for _, bad := range []string{strings.Repeat("a", 65), "r\x1b[2J", "a b", "../x", "\u202eid"} {
		_, err = h.cl.DeleteApplication(ctx, &falpb.DeleteApplicationRequest{ApplicationId: bad})
		wantCode(t, err, codes.InvalidArgument, "application_id is not an id")
		_, err = h.cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: "my-app", EnvironmentName: ptr("staging"), Revision: bad})
		wantCode(t, err, codes.InvalidArgument, "revision is not an id")
		_, err = h.cl.KillRunner(ctx, &falpb.KillRunnerRequest{RunnerId: bad})
		wantCode(t, err, codes.InvalidArgument, "runner_id is not an id")
		_, err = h.cl.StopRunner(ctx, &falpb.StopRunnerRequest{RunnerId: bad})
		wantCode(t, err, codes.InvalidArgument, "runner_id is not an id")
	}

	must(h.cl.DeleteAlias(ctx, &falpb.DeleteAliasRequest{Alias: "my-app", EnvironmentName: ptr("staging")})).get(t)
	must(h.cl.DeleteApplication(ctx, &falpb.DeleteApplicationRequest{ApplicationId: r2})).get(t)
	if apps := must(h.cl.ListApplications(ctx, &falpb.ListApplicationsRequest{EnvironmentName: ptr("staging")})).get(t).GetApplications(); len(apps) != 0 {
		t.Fatalf("revisions left: %v", apps)
	}
}

func TestRolloutApplication(t *testing.T) {
	h := start(t)
	ctx := h.ctx()
	h.deploy("main", "my-app", nil)
	must(h.cl.RolloutApplication(ctx, &falpb.RolloutApplicationRequest{ApplicationName: "my-app", Force: ptr(true)})).get(t)
	_, err := h.cl.RolloutApplication(ctx, &falpb.RolloutApplicationRequest{ApplicationName: "no-app"})
	wantCode(t, err, codes.NotFound, "no-app")
}

func sameSettings(a, b scaling.Settings) bool {
	eq := func(x, y *int) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	return a.MinConcurrency == b.MinConcurrency && a.MaxConcurrency == b.MaxConcurrency &&
		a.MaxMultiplexing == b.MaxMultiplexing && a.KeepAlive == b.KeepAlive &&
		eq(a.ConcurrencyBuffer, b.ConcurrencyBuffer) && eq(a.ConcurrencyBufferPerc, b.ConcurrencyBufferPerc) &&
		eq(a.ScalingDelay, b.ScalingDelay) && eq(a.RequestTimeout, b.RequestTimeout) && eq(a.StartupTimeout, b.StartupTimeout) &&
		slices.Equal(a.MachineTypes, b.MachineTypes) && slices.Equal(a.Regions, b.Regions)
}

func sameAlias(a, b store.Alias) bool {
	return a.Ref == b.Ref && a.Revision == b.Revision && a.AuthMode == b.AuthMode &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) && sameSettings(a.Scaling, b.Scaling)
}

// Concurrent read-modify-write updates never combine into settings that
// no single update would have accepted.
func TestConcurrentUpdatesStayValid(t *testing.T) {
	h := start(t)
	h.deploy("main", "my-app", &falpb.MachineRequirements{MaxConcurrency: i32p(5)})
	id, secret := h.ctl.AdminKey()
	errs := make(chan error, 40)
	for i := range 40 {
		go func() {
			ctx := withKey(t.Context(), id, secret)
			req := &falpb.UpdateApplicationRequest{ApplicationName: "my-app"}
			if i%2 == 0 {
				req.MinConcurrency = i32p(int32(i % 7)) // valid only while max ≥ it
			} else {
				req.MaxConcurrency = i32p(int32(i % 5))
			}
			_, err := h.cl.UpdateApplication(ctx, req)
			if c := status.Code(err); c != codes.OK && c != codes.InvalidArgument {
				err = fmt.Errorf("update %d: %w", i, err)
			} else {
				err = nil
			}
			errs <- err
		}()
	}
	for range 40 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	a := must(h.ctl.st.Alias(t.Context(), store.AppRef{Env: "main", App: "my-app"})).get(t)
	if err := a.Scaling.Validate(); err != nil {
		t.Fatalf("concurrent updates left invalid settings: %v", err)
	}
}
