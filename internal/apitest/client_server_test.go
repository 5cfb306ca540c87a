package apitest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/scaling"
)

// wantKind fails unless err is a client error of the given kind whose
// message mentions every word in says.
func wantKind(t *testing.T, err error, kind error, says ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %v, got success", kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("want %v, got %v", kind, err)
	}
	for _, s := range says {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
}

func deploy(t *testing.T, cl client.Client, env, app string, spec client.ScaleSpec) client.RevisionID {
	t.Helper()
	var lines []client.LogLine
	res, err := cl.Deploy(t.Context(), client.DeployRequest{
		App: app, Env: env, Entrypoint: "sleep 1000", Scaling: spec,
		Metadata: map[string]any{"command": []any{"sleep", "1000"}},
	}, func(l client.LogLine) { lines = append(lines, l) })
	if err != nil {
		t.Fatalf("deploy %s in %s: %v", app, env, err)
	}
	if res.Revision == "" || len(lines) == 0 {
		t.Fatalf("deploy returned revision %q and %d log lines", res.Revision, len(lines))
	}
	return res.Revision
}

func TestEnvironments(t *testing.T) {
	cl := startController(t).dial(t)
	ctx := t.Context()

	envs, err := cl.ListEnvironments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 1 || envs[0].Name != "main" || !envs[0].IsDefault || envs[0].CreatedAt.IsZero() {
		t.Fatalf("a new controller has %+v, want only main", envs)
	}

	staging, err := cl.CreateEnvironment(ctx, "staging", "pre-production")
	if err != nil {
		t.Fatal(err)
	}
	if staging.Name != "staging" || staging.Description != "pre-production" || staging.IsDefault {
		t.Fatalf("created %+v", staging)
	}
	_, err = cl.CreateEnvironment(ctx, "staging", "")
	wantKind(t, err, client.ErrAlreadyExists, "staging")
	_, err = cl.CreateEnvironment(ctx, "Bad--Name", "")
	wantKind(t, err, client.ErrInvalid, "Bad--Name")
	_, err = cl.CreateEnvironment(ctx, "ok", strings.Repeat("d", 1000))
	wantKind(t, err, client.ErrInvalid, "description")

	envs, _ = cl.ListEnvironments(ctx)
	if len(envs) != 2 || envs[0].Name != "main" || envs[1].Name != "staging" {
		t.Fatalf("environments after create: %+v", envs)
	}

	wantKind(t, cl.DeleteEnvironment(ctx, "main"), client.ErrPrecondition, "main")
	wantKind(t, cl.DeleteEnvironment(ctx, "nope"), client.ErrNotFound, "nope")
	if err := cl.DeleteEnvironment(ctx, "staging"); err != nil {
		t.Fatal(err)
	}
	envs, _ = cl.ListEnvironments(ctx)
	if len(envs) != 1 {
		t.Fatalf("staging survived its deletion: %+v", envs)
	}
}

func TestDeleteEnvironmentTakesOnlyItsOwn(t *testing.T) {
	cl := startController(t).dial(t)
	ctx := t.Context()
	for _, env := range []string{"staging", "dev"} {
		if _, err := cl.CreateEnvironment(ctx, env, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, env := range []string{"main", "staging", "dev"} {
		deploy(t, cl, env, "my-app", client.ScaleSpec{})
		if err := cl.SetSecret(ctx, env, "HF_TOKEN", "v-"+env, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := cl.DeleteEnvironment(ctx, "staging"); err != nil {
		t.Fatal(err)
	}
	_, err := cl.ListApps(ctx, "staging")
	wantKind(t, err, client.ErrNotFound, "staging")
	_, err = cl.ListSecrets(ctx, "staging")
	wantKind(t, err, client.ErrNotFound)
	for _, env := range []string{"main", "dev"} {
		apps, err := cl.ListApps(ctx, env)
		if err != nil || len(apps) != 1 {
			t.Fatalf("apps of %s after deleting staging: %v, %v", env, apps, err)
		}
		revs, err := cl.ListRevisions(ctx, env, "")
		if err != nil || len(revs) != 1 {
			t.Fatalf("revisions of %s after deleting staging: %v, %v", env, revs, err)
		}
		secrets, err := cl.ListSecrets(ctx, env)
		if err != nil || len(secrets) != 1 {
			t.Fatalf("secrets of %s after deleting staging: %v, %v", env, secrets, err)
		}
	}
	// A new staging starts empty: nothing of the old one comes back.
	if _, err := cl.CreateEnvironment(ctx, "staging", ""); err != nil {
		t.Fatal(err)
	}
	if apps, _ := cl.ListApps(ctx, "staging"); len(apps) != 0 {
		t.Fatalf("a recreated staging has apps: %+v", apps)
	}
	if revs, _ := cl.ListRevisions(ctx, "staging", ""); len(revs) != 0 {
		t.Fatalf("a recreated staging has revisions: %+v", revs)
	}
}

func TestAppsAndAliases(t *testing.T) {
	cl := startController(t).dial(t)
	ctx := t.Context()
	if _, err := cl.CreateEnvironment(ctx, "staging", ""); err != nil {
		t.Fatal(err)
	}
	rev1 := deploy(t, cl, "staging", "my-app", client.ScaleSpec{
		MinConcurrency: scaling.Int(0), MaxConcurrency: scaling.Int(3), MaxMultiplexing: scaling.Int(2),
		KeepAlive: scaling.Int(60), MachineTypes: []string{"GPU-A100"},
	})

	apps, err := cl.ListApps(ctx, "staging")
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 1 {
		t.Fatalf("apps = %+v", apps)
	}
	app := apps[0]
	if app.Name != "my-app" || app.Env != "staging" || app.Alias != "my-app--staging" || app.Revision != rev1 {
		t.Fatalf("app = %+v", app)
	}
	if s := app.Scaling; s.MaxConcurrency != 3 || s.MaxMultiplexing != 2 || s.KeepAlive != 60 || !slices.Equal(s.MachineTypes, []string{"GPU-A100"}) {
		t.Fatalf("scaling = %+v", s)
	}
	if apps, _ := cl.ListApps(ctx, "main"); len(apps) != 0 {
		t.Fatalf("main sees staging's app: %+v", apps)
	}

	// Scaling: only set fields change.
	got, err := cl.UpdateApp(ctx, "staging", "my-app", client.ScaleSpec{MinConcurrency: scaling.Int(1), ConcurrencyBuffer: scaling.Int(1)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Scaling.MinConcurrency != 1 || got.Scaling.MaxConcurrency != 3 || got.Scaling.KeepAlive != 60 ||
		got.Scaling.ConcurrencyBuffer == nil || *got.Scaling.ConcurrencyBuffer != 1 {
		t.Fatalf("after update: %+v", got.Scaling)
	}
	// Invalid input is refused whole and changes nothing.
	_, err = cl.UpdateApp(ctx, "staging", "my-app", client.ScaleSpec{KeepAlive: scaling.Int(5), MinConcurrency: scaling.Int(4)})
	wantKind(t, err, client.ErrInvalid, "min_concurrency")
	_, err = cl.UpdateApp(ctx, "staging", "my-app", client.ScaleSpec{ConcurrencyBufferPerc: scaling.Int(150)})
	wantKind(t, err, client.ErrInvalid, "concurrency_buffer_perc")
	_, err = cl.UpdateApp(ctx, "staging", "my-app", client.ScaleSpec{MaxConcurrency: scaling.Int(-1)})
	wantKind(t, err, client.ErrInvalid, "max_concurrency")
	apps, _ = cl.ListApps(ctx, "staging")
	if s := apps[0].Scaling; s.KeepAlive != 60 || s.MinConcurrency != 1 || s.MaxConcurrency != 3 {
		t.Fatalf("a refused update changed scaling: %+v", s)
	}
	_, err = cl.UpdateApp(ctx, "staging", "no-app", client.ScaleSpec{MinConcurrency: scaling.Int(1)})
	wantKind(t, err, client.ErrNotFound, "no-app")
	_, err = cl.UpdateApp(ctx, "main", "my-app", client.ScaleSpec{MinConcurrency: scaling.Int(1)})
	wantKind(t, err, client.ErrNotFound)

	// A redeploy makes a second revision and moves the alias; scaling set
	// by hand survives except the fields fal resets on deploy.
	rev2 := deploy(t, cl, "staging", "my-app", client.ScaleSpec{MaxMultiplexing: scaling.Int(5)})
	revs, err := cl.ListRevisions(ctx, "staging", "my-app")
	if err != nil || len(revs) != 2 {
		t.Fatalf("revisions: %+v, %v", revs, err)
	}
	if revs[0].ID != rev2 || revs[1].ID != rev1 {
		t.Fatalf("revisions not newest first: %+v", revs)
	}
	apps, _ = cl.ListApps(ctx, "staging")
	if apps[0].Revision != rev2 || apps[0].Scaling.MinConcurrency != 1 || apps[0].Scaling.MaxMultiplexing != 5 {
		t.Fatalf("after redeploy: %+v", apps[0])
	}

	// Point the alias back at the first revision, and at one that is not there.
	mode := client.AuthPublic
	back, err := cl.SetAlias(ctx, "staging", "my-app", rev1, &mode, nil)
	if err != nil {
		t.Fatal(err)
	}
	if back.Revision != rev1 || back.AuthMode != client.AuthPublic || back.Alias != "my-app--staging" {
		t.Fatalf("SetAlias = %+v", back)
	}
	_, err = cl.SetAlias(ctx, "staging", "my-app", "no-such-revision", nil, nil)
	if err == nil {
		t.Fatal("SetAlias to a missing revision succeeded")
	}

	// A revision in use cannot be deleted; an unused one can.
	wantKind(t, cl.DeleteRevision(ctx, rev1), client.ErrPrecondition, "my-app")
	if err := cl.DeleteRevision(ctx, rev2); err != nil {
		t.Fatal(err)
	}
	wantKind(t, cl.DeleteRevision(ctx, rev2), client.ErrNotFound)

	if err := cl.RolloutApp(ctx, "staging", "my-app", false); err != nil {
		t.Fatal(err)
	}
	wantKind(t, cl.RolloutApp(ctx, "staging", "no-app", false), client.ErrNotFound)

	was, err := cl.DeleteAlias(ctx, "staging", "my-app")
	if err != nil || was != rev1 {
		t.Fatalf("DeleteAlias = %q, %v", was, err)
	}
	_, err = cl.DeleteAlias(ctx, "staging", "my-app")
	wantKind(t, err, client.ErrNotFound)
	if apps, _ := cl.ListApps(ctx, "staging"); len(apps) != 0 {
		t.Fatalf("alias survived: %+v", apps)
	}
}

func TestDeployRefusesBadInput(t *testing.T) {
	cl := startController(t).dial(t)
	ctx := t.Context()
	cases := []struct {
		name string
		req  client.DeployRequest
		kind error
		says string
	}{
		{"no entrypoint", client.DeployRequest{App: "a"}, client.ErrInvalid, "entrypoint"},
		{"bad name", client.DeployRequest{App: "A_B", Entrypoint: "true"}, client.ErrInvalid, "A_B"},
		{"missing env", client.DeployRequest{App: "a", Env: "nope", Entrypoint: "true"}, client.ErrNotFound, "nope"},
		{"min above max", client.DeployRequest{App: "a", Entrypoint: "true",
			Scaling: client.ScaleSpec{MinConcurrency: scaling.Int(3), MaxConcurrency: scaling.Int(1)}}, client.ErrInvalid, "min_concurrency"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := cl.Deploy(ctx, c.req, nil)
			wantKind(t, err, c.kind, c.says)
		})
	}
	if apps, _ := cl.ListApps(ctx, "main"); len(apps) != 0 {
		t.Fatalf("a refused deploy left an app: %+v", apps)
	}
}

func TestSecrets(t *testing.T) {
	cl := startController(t).dial(t)
	ctx := t.Context()
	if _, err := cl.CreateEnvironment(ctx, "staging", ""); err != nil {
		t.Fatal(err)
	}
	if err := cl.SetSecret(ctx, "main", "HF_TOKEN", "main-value", nil); err != nil {
		t.Fatal(err)
	}
	if err := cl.SetSecret(ctx, "staging", "HF_TOKEN", "staging-value", nil); err != nil {
		t.Fatal(err)
	}
	hidden := false
	if err := cl.SetSecret(ctx, "staging", "DB_URL", "postgres://x", &hidden); err != nil {
		t.Fatal(err)
	}
	for _, s := range must(cl.ListSecrets(ctx, "staging")) {
		if want := s.Name != "DB_URL"; s.DefaultExposed != want {
			t.Errorf("%s exposed by default: %v, want %v", s.Name, s.DefaultExposed, want)
		}
	}
	wantKind(t, cl.SetSecret(ctx, "staging", "1BAD", "x", nil), client.ErrInvalid, "1BAD")
	wantKind(t, cl.SetSecret(ctx, "staging", "FAL_KEY", "x", nil), client.ErrInvalid, "FAL_KEY")
	wantKind(t, cl.SetSecret(ctx, "nope", "A", "x", nil), client.ErrNotFound, "nope")

	names := func(env string) []string {
		t.Helper()
		ss, err := cl.ListSecrets(ctx, env)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range ss {
			if s.Env != env || s.CreatedAt.IsZero() {
				t.Errorf("secret %+v listed in %s", s, env)
			}
			out = append(out, s.Name)
		}
		slices.Sort(out)
		return out
	}
	if got := names("main"); !slices.Equal(got, []string{"HF_TOKEN"}) {
		t.Fatalf("main secrets = %v", got)
	}
	if got := names("staging"); !slices.Equal(got, []string{"DB_URL", "HF_TOKEN"}) {
		t.Fatalf("staging secrets = %v", got)
	}

	if err := cl.UnsetSecret(ctx, "staging", "HF_TOKEN"); err != nil {
		t.Fatal(err)
	}
	wantKind(t, cl.UnsetSecret(ctx, "staging", "HF_TOKEN"), client.ErrNotFound, "HF_TOKEN")
	if got := names("staging"); !slices.Equal(got, []string{"DB_URL"}) {
		t.Fatalf("staging secrets after unset = %v", got)
	}
	if got := names("main"); !slices.Equal(got, []string{"HF_TOKEN"}) {
		t.Fatalf("unsetting in staging touched main: %v", got)
	}
}

func TestRunnerCallsWithoutRunners(t *testing.T) {
	cl := startController(t).dial(t)
	ctx := t.Context()
	deploy(t, cl, "main", "idle-app", client.ScaleSpec{})
	runners, err := cl.ListAppRunners(ctx, "main", "idle-app", client.RunnerQuery{IncludePending: true, TerminatedSince: time.Now().Add(-time.Hour)})
	if err != nil || len(runners) != 0 {
		t.Fatalf("runners of an app with none: %+v, %v", runners, err)
	}
	_, err = cl.ListAppRunners(ctx, "main", "no-app", client.RunnerQuery{})
	wantKind(t, err, client.ErrNotFound, "no-app")
	if all, err := cl.ListRunners(ctx, client.RunnerQuery{IncludePending: true}); err != nil || len(all) != 0 {
		t.Fatalf("ListRunners = %+v, %v", all, err)
	}
	wantKind(t, cl.StopRunner(ctx, "no-runner", true), client.ErrNotFound, "no-runner")
	wantKind(t, cl.KillRunner(ctx, "no-runner"), client.ErrNotFound, "no-runner")
}

func TestWrongKeyIsRefused(t *testing.T) {
	c := startController(t)
	for _, creds := range []client.Credentials{{}, {KeyID: c.keyID, KeySecret: "wrong"}, {KeyID: "wrong", KeySecret: c.keySecret}} {
		cl, err := client.Dial(client.DialOptions{Addr: c.addr, Credentials: creds, Kind: client.TargetLocal})
		if err != nil {
			t.Fatal(err)
		}
		_, err = cl.ListEnvironments(t.Context())
		wantKind(t, err, client.ErrUnauthenticated)
		_, err = cl.Deploy(t.Context(), client.DeployRequest{App: "a", Entrypoint: "true"}, nil)
		wantKind(t, err, client.ErrUnauthenticated)
		cl.Close()
	}
}

func TestUnreachableControllerSaysSo(t *testing.T) {
	cl, err := client.Dial(client.DialOptions{Addr: "127.0.0.1:1", Kind: client.TargetLocal, CallTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err = cl.ListEnvironments(ctx)
	wantKind(t, err, client.ErrUnavailable, "127.0.0.1:1")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
