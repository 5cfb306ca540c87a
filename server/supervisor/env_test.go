package supervisor

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/internal/syncbuf"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/store"
)

// TestRunnerEnvironment deploys to staging a command that prints its
// whole environment, scales it to two runners, and checks what each
// process received: staging's secrets and none of main's, fal's platform
// variables with the right values (a key of its own each), its own
// TMPDIR, and nothing else from the controller's environment but PATH,
// HOME, LANG and LC_*.
func TestRunnerEnvironment(t *testing.T) {
	t.Setenv("FALDASH_LEAK_CHECK", "1")
	t.Setenv("LC_FALDASH_CHECK", "passes")
	var logged syncbuf.Buffer
	runnerDir := t.TempDir()
	h := startIn(t, t.TempDir(), Config{RunnerDir: runnerDir}, func(c *server.Config) { c.Logger = logTo(&logged) })
	ctx := h.ctx()
	if _, err := h.cl.CreateEnvironment(ctx, "staging", ""); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		env, name, value string
		exposed          *bool
	}{
		{"main", "HF_TOKEN", "main-value", nil},
		{"main", "MAIN_ONLY", "main-only-value", nil},
		{"staging", "HF_TOKEN", "staging-value", nil},
		{"staging", "STAGING_ONLY", "staging-only-value", nil},
		// Not exposed by default: fal gives it only to apps that list it
		// in their secrets, which a local app cannot do.
		{"staging", "NOT_EXPOSED", "not-exposed-value", new(false)},
	} {
		if err := h.cl.SetSecret(ctx, s.env, s.name, s.value, s.exposed); err != nil {
			t.Fatal(err)
		}
	}
	rev := h.deploy("staging", "env-app", helperCommand(t, "serve", "--print-env"), scaling.Spec{})
	if _, err := h.cl.UpdateApp(ctx, "staging", "env-app", scaling.Spec{MinConcurrency: scaling.Int(2), MaxConcurrency: scaling.Int(2)}); err != nil {
		t.Fatal(err)
	}
	rs := h.waitRunners("staging", "env-app", "two IDLE runners", idle(2))

	adminID, adminSecret := h.ctl.AdminKey()
	admin := adminID + ":" + adminSecret
	wantNames := map[string]bool{"PORT": true, "HF_TOKEN": true, "STAGING_ONLY": true, "TMPDIR": true}
	for _, v := range names.PlatformVariables {
		wantNames[v] = true
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if inherited(name) {
			wantNames[name] = true
		}
	}
	if !wantNames["LC_FALDASH_CHECK"] {
		t.Fatal("the test's own LC_ variable is missing from its environment")
	}
	realRunnerDir, err := filepath.EvalSymlinks(runnerDir)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, r := range rs {
		env := h.runnerEnv(r.ID)
		got := slices.Sorted(maps.Keys(env))
		if want := slices.Sorted(maps.Keys(wantNames)); !slices.Equal(got, want) {
			t.Errorf("runner %s got variables %q, want exactly %q", r.ID, got, want)
		}
		for name, want := range map[string]string{
			"HF_TOKEN":          "staging-value",
			"STAGING_ONLY":      "staging-only-value",
			"FAL_JOB_ID":        string(r.ID),
			"FAL_APP_NAME":      "local/env-app--staging",
			"FAL_APP_ID":        string(rev),
			"FAL_USER_NICKNAME": "local",
			"FAL_HOST":          h.addr,
			"FAL_RUNNER_STATE":  "SETUP",
			"HF_HOME":           filepath.Join(realRunnerDir, "hf", "staging", "env-app"),
			"TMPDIR":            filepath.Join(realRunnerDir, "runners", string(r.ID), "tmp"),
			"LC_FALDASH_CHECK":  "passes",
		} {
			if env[name] != want {
				t.Errorf("runner %s: %s=%q, want %q", r.ID, name, env[name], want)
			}
		}
		for _, leak := range []string{"MAIN_ONLY", "NOT_EXPOSED", "FALDASH_LEAK_CHECK"} {
			if _, ok := env[leak]; ok {
				t.Errorf("runner %s got %s", r.ID, leak)
			}
		}
		if env["PORT"] == "" {
			t.Errorf("runner %s got no PORT", r.ID)
		}
		key := env["FAL_KEY"]
		if id, secret, ok := strings.Cut(key, ":"); !ok || id == "" || secret == "" || key == admin {
			t.Errorf("runner %s: FAL_KEY is not a key of its own (admin key: %v)", r.ID, key == admin)
		}
		if keys[key] {
			t.Errorf("runner %s has the FAL_KEY of another runner", r.ID)
		}
		keys[key] = true
		for _, d := range []string{env["HF_HOME"], env["TMPDIR"], realRunnerDir} {
			fi, err := os.Stat(d)
			if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
				t.Errorf("%s: %v, %v; want a directory only its owner may enter", d, fi, err)
			}
		}
		if r.MachineType != "local" || r.Revision != rev || r.Alias != "env-app--staging" ||
			r.PresentInGroup == nil || !*r.PresentInGroup || r.InFlight != 0 || r.ExpiresIn != nil {
			t.Errorf("runner as listed: %+v", r)
		}
	}

	// The controller's log names runners but never shows what they got.
	h.close()
	for _, secret := range append([]string{"main-value", "staging-value", "staging-only-value", "main-only-value", "not-exposed-value"}, slices.Collect(maps.Keys(keys))...) {
		if strings.Contains(logged.String(), secret) {
			t.Errorf("the controller logged a secret value or a runner key")
		}
	}
	if !strings.Contains(logged.String(), "runner started") {
		t.Errorf("the controller's log says nothing of the runners: %s", logged.String())
	}
}

// TestRunnerKey: the key a runner gets as FAL_KEY may list but not change
// anything, and is refused once the runner has ended.
func TestRunnerKey(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	ctx := h.ctx()
	h.deploy("main", "key-app", helperCommand(t, "serve", "--print-env"), one())
	r := h.waitRunners("main", "key-app", "one IDLE runner", idle(1))[0]
	id, secret, _ := strings.Cut(h.runnerEnv(r.ID)["FAL_KEY"], ":")
	rc, err := client.Dial(client.DialOptions{Addr: h.addr, Credentials: client.Credentials{KeyID: id, KeySecret: secret}, Kind: client.TargetLocal})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := rc.ListApps(ctx, "main"); err != nil {
		t.Errorf("the runner's key cannot list apps: %v", err)
	}
	if _, err := rc.UpdateApp(ctx, "main", "key-app", scaling.Spec{MinConcurrency: scaling.Int(0)}); !errors.Is(err, client.ErrPermissionDenied) {
		t.Errorf("the runner's key changed an app: %v", err)
	}
	if err := rc.SetSecret(ctx, "main", "STOLEN", "x", nil); !errors.Is(err, client.ErrPermissionDenied) {
		t.Errorf("the runner's key set a secret: %v", err)
	}
	if err := h.cl.KillRunner(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	h.waitRunners("main", "key-app", "the runner TERMINATED", func(rs []client.Runner) bool {
		got, _ := find(rs, r.ID)
		return got.State == client.StateTerminated
	})
	if _, err := rc.ListApps(ctx, "main"); !errors.Is(err, client.ErrUnauthenticated) {
		t.Errorf("the key of an ended runner still lists apps: %v", err)
	}
}

func TestCommand(t *testing.T) {
	cases := []struct {
		name    string
		rev     store.Revision
		want    []string
		wantErr bool
	}{
		{"argv", store.Revision{Entrypoint: "ignored", Metadata: []byte(`{"command":["/bin/prog","a b","--x"]}`)}, []string{"/bin/prog", "a b", "--x"}, false},
		{"shell", store.Revision{Entrypoint: "echo hi && sleep 1", Metadata: []byte(`{"other":1}`)}, []string{"/bin/sh", "-c", "echo hi && sleep 1"}, false},
		{"no metadata", store.Revision{Entrypoint: "prog"}, []string{"/bin/sh", "-c", "prog"}, false},
		{"null command", store.Revision{Entrypoint: "prog", Metadata: []byte(`{"command":null}`)}, []string{"/bin/sh", "-c", "prog"}, false},
		{"empty argv", store.Revision{Entrypoint: "prog", Metadata: []byte(`{"command":[]}`)}, nil, true},
		{"not strings", store.Revision{Entrypoint: "prog", Metadata: []byte(`{"command":["a",1]}`)}, nil, true},
		{"a string", store.Revision{Entrypoint: "prog", Metadata: []byte(`{"command":"prog"}`)}, nil, true},
		{"empty program", store.Revision{Entrypoint: "prog", Metadata: []byte(`{"command":[""]}`)}, nil, true},
		{"bad json", store.Revision{Entrypoint: "prog", Metadata: []byte(`{`)}, nil, true},
		{"nothing", store.Revision{Entrypoint: "  "}, nil, true},
		{"working directory", store.Revision{Metadata: []byte(`{"command":["python","serve.py"],"working_dir":"/src/app"}`)}, []string{"python", "serve.py"}, false},
		{"relative working directory", store.Revision{Metadata: []byte(`{"command":["python"],"working_dir":"src"}`)}, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, dir, err := command(c.rev)
			if (err != nil) != c.wantErr || !slices.Equal(got, c.want) {
				t.Errorf("command = %q, %v; want %q (error: %v)", got, err, c.want, c.wantErr)
			}
			if wantDir := map[bool]string{true: "/src/app"}[c.name == "working directory"]; dir != wantDir {
				t.Errorf("directory %q, want %q", dir, wantDir)
			}
		})
	}
}

func TestRunnerEnvLayers(t *testing.T) {
	environ := []string{"PATH=/bin", "HOME=/h", "LANG=C", "LC_ALL=C", "TMPDIR=/t", "SECRET_OF_CONTROLLER=x", "LCX=no", "USER=me", "malformed"}
	got, err := runnerEnv(environ,
		map[string]string{"PATH": "/secret/bin", "TOKEN": "t", "PORT": "1"},
		map[string]string{"FAL_JOB_ID": "r", "PORT": "8000"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"FAL_JOB_ID=r", "HOME=/h", "LANG=C", "LC_ALL=C", "PATH=/secret/bin", "PORT=8000", "TMPDIR=/t", "TOKEN=t"}
	if !slices.Equal(got, want) {
		t.Errorf("runnerEnv = %q, want %q", got, want)
	}
	if _, err := runnerEnv(nil, map[string]string{"A": "x\x00y"}, nil); err == nil {
		t.Error("a secret with a NUL byte was accepted")
	}
}
