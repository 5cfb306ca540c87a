package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/ctltest"
	"github.com/faldash/faldash/server"
)

// noRuntime runs nothing; it keeps the Host it was started with so a test
// can read the committed state.
type noRuntime struct {
	mu   sync.Mutex
	host server.Host
}

func (r *noRuntime) Start(_ context.Context, h server.Host) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.host = h
	return nil
}
func (*noRuntime) Stop(context.Context) error                         { return nil }
func (*noRuntime) AppChanged(context.Context, server.AppRef) error    { return nil }
func (*noRuntime) AppRemoved(context.Context, server.AppRef) error    { return nil }
func (*noRuntime) Rollout(context.Context, server.AppRef, bool) error { return nil }
func (*noRuntime) Runners(server.RunnerFilter) []*falpb.RunnerInfo    { return nil }
func (*noRuntime) StopRunner(context.Context, string, bool) error     { return server.ErrNoRunner }
func (*noRuntime) KillRunner(context.Context, string) error           { return server.ErrNoRunner }
func (*noRuntime) Rolling(server.AppRef) bool                         { return false }

func (r *noRuntime) state() server.State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.host.State
}

// startController serves a controller on loopback and returns its address
// with a client holding its admin key.
func startController(t *testing.T, cfg server.Config) (*server.Controller, string, *client.GRPC) {
	t.Helper()
	ctl, addr := ctltest.Serve(t, cfg)
	return ctl, addr, ctltest.Dial(t, addr, ctl)
}

func TestDeployRefusesBadInput(t *testing.T) {
	// Anything sent would arrive here; nothing may.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int32
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	defer lis.Close()
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("id:secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"deploy", "--host", lis.Addr().String(), "--key-file", keyFile}

	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--", "true"}, "--app is required"},
		{[]string{"--app", "Bad Name", "--", "true"}, "--app"},
		{[]string{"--app", "a", "--env", "no such env!", "--", "true"}, "--env"},
		{[]string{"--app", "a", "--min-concurrency", "two", "--", "true"}, "-min-concurrency"},
		{[]string{"--app", "a", "--max-concurrency", "-1", "--", "true"}, "-max-concurrency"},
		{[]string{"--app", "a", "--keep-alive", "1.5", "--", "true"}, "-keep-alive"},
		{[]string{"--app", "a", "--max-multiplexing", "0", "--", "true"}, "-max-multiplexing"},
		{[]string{"--app", "a", "--request-timeout", "99999999", "--", "true"}, "-request-timeout"},
		{[]string{"--app", "a", "--scaling-delay", "", "--", "true"}, "-scaling-delay"},
		{[]string{"--app", "a", "--min-concurrency", "3", "--max-concurrency", "2", "--", "true"}, "--min-concurrency (3) is above --max-concurrency (2)"},
		{[]string{"--app", "a", "--strategy", "sideways", "--", "true"}, "-strategy"},
		{[]string{"--app", "a", "--auth", "secret", "--", "true"}, "-auth"},
		{[]string{"--app", "a"}, "no command"},
		{[]string{"--app", "a", "--"}, "no command"},
		{[]string{"--app", "a", "--host", "", "--", "true"}, "--host"},
	} {
		err := Run(t.Context(), append(append([]string(nil), base...), tc.args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("deploy %q: %v, want an error saying %q", tc.args, err, tc.says)
		}
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("bad input reached the controller %d times", n)
	}
}

func TestDeployToLocalController(t *testing.T) {
	rt := &noRuntime{}
	ctl, addr, c := startController(t, server.Config{Runtime: rt, User: "alice", GatewayURL: "http://127.0.0.1:7778"})
	if _, err := c.CreateEnvironment(t.Context(), "staging", ""); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := Run(t.Context(), []string{"deploy", "--host", addr, "--key-file", ctl.KeyFile(),
		"--app", "my-app", "--env", "staging",
		"--min-concurrency", "1", "--max-concurrency", "3", "--keep-alive", "20", "--max-multiplexing", "2",
		"--concurrency-buffer", "1", "--scaling-delay", "5", "--startup-timeout", "30", "--request-timeout", "60",
		"--auth", "public", "--strategy", "rolling",
		"--", "sh", "-c", "echo $PORT", "a b"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, out.String())
	}

	revs, err := c.ListRevisions(t.Context(), "staging", "my-app")
	if err != nil || len(revs) != 1 {
		t.Fatalf("revisions after deploy: %v, %v", revs, err)
	}
	rev := revs[0].ID
	for _, want := range []string{
		"[builder] Registered revision " + string(rev),
		"revision: " + string(rev) + "\n",
		"endpoint: http://127.0.0.1:7778/alice/my-app--staging\n",
		"call it: curl http://127.0.0.1:7778/alice/my-app--staging\n", // public: no key
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	apps, err := c.ListApps(t.Context(), "staging")
	if err != nil || len(apps) != 1 {
		t.Fatalf("apps: %v, %v", apps, err)
	}
	a := apps[0]
	s := a.Scaling
	if a.Revision != rev || a.AuthMode != client.AuthPublic || s.MinConcurrency != 1 || s.MaxConcurrency != 3 ||
		s.KeepAlive != 20 || s.MaxMultiplexing != 2 || *s.ConcurrencyBuffer != 1 || *s.ScalingDelay != 5 ||
		*s.StartupTimeout != 30 || *s.RequestTimeout != 60 {
		t.Errorf("app after deploy: %+v, scaling %+v", a, s)
	}

	d, err := rt.state().Deployment(t.Context(), server.AppRef{Env: "staging", App: "my-app"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `sh -c 'echo $PORT' 'a b'`; d.Revision.Entrypoint != want {
		t.Errorf("entrypoint %q, want %q", d.Revision.Entrypoint, want)
	}
	var meta struct{ Command []string }
	if err := json.Unmarshal(d.Revision.Metadata, &meta); err != nil ||
		!reflect.DeepEqual(meta.Command, []string{"sh", "-c", "echo $PORT", "a b"}) {
		t.Errorf("metadata %s: %v", d.Revision.Metadata, err)
	}
	if d.Revision.Strategy != int32(falpb.DeploymentStrategy_ROLLING) {
		t.Errorf("strategy %d", d.Revision.Strategy)
	}
}

func TestDeployWithARefusedKeySaysWhereItCameFrom(t *testing.T) {
	_, addr, _ := startController(t, server.Config{})
	keyFile := filepath.Join(t.TempDir(), "wrong.key")
	if err := os.WriteFile(keyFile, []byte("id:not-the-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := Run(t.Context(), []string{"deploy", "--host", addr, "--key-file", keyFile, "--app", "a", "--", "true"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not authorized") || !strings.Contains(err.Error(), keyFile) {
		t.Fatalf("deploy with a wrong key: %v", err)
	}
}

func TestDeployCredentials(t *testing.T) {
	home := t.TempDir()
	data := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", data)
	for _, v := range []string{"FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET", "FAL_PROFILE", "FAL_CONFIG_PATH"} {
		t.Setenv(v, "")
	}
	keyFile := filepath.Join(t.TempDir(), "k")
	if err := os.WriteFile(keyFile, []byte("file-id:file-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// Nothing anywhere, default host: the local controller's key is
	// expected, and its absence explained.
	if _, _, err := deployCredentials(deployArgs{}); err == nil || !strings.Contains(err.Error(), "faldash serve") {
		t.Errorf("no key at all: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(data, "faldash"), 0o700); err != nil {
		t.Fatal(err)
	}
	adminKey := filepath.Join(data, "faldash", server.AdminKeyFile)
	if err := os.WriteFile(adminKey, []byte("admin-id:admin-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		args   deployArgs
		falKey string
		id     string
		source string
	}{
		{"admin key for the default host", deployArgs{}, "", "admin-id", adminKey},
		{"key file first", deployArgs{keyFile: keyFile}, "env-id:env-secret", "file-id", "--key-file " + keyFile},
		{"FAL_KEY before the admin key", deployArgs{}, "env-id:env-secret", "env-id", "FAL_KEY"},
	} {
		t.Setenv("FAL_KEY", tc.falKey)
		c, source, err := deployCredentials(tc.args)
		if err != nil || c.KeyID != tc.id || source != tc.source {
			t.Errorf("%s: key %s from %q, %v; want %s from %q", tc.name, c, source, err, tc.id, tc.source)
		}
	}
	t.Setenv("FAL_KEY", "")
	if _, _, err := deployCredentials(deployArgs{host: "127.0.0.1:9", hostSet: true}); err == nil || !strings.Contains(err.Error(), "--key-file") {
		t.Errorf("explicit host without a key: %v", err)
	}
}

func TestCallHintNamesTheKeyNeverShowsIt(t *testing.T) {
	public, private := client.AuthPublic, client.AuthPrivate
	const url = "https://ctl.example:7778/alice/my-app"
	for _, tc := range []struct {
		auth    *client.AuthMode
		keyFile string
		want    string
	}{
		{&public, "/k/admin.key", "curl " + url},
		{&private, "", `curl -H "Authorization: Key $FAL_KEY" ` + url},
		{nil, "/data dir/admin.key", `curl -H "Authorization: Key $(cat '/data dir/admin.key')" ` + url},
	} {
		if got := callHint(url, tc.auth, tc.keyFile); got != tc.want {
			t.Errorf("callHint(%v, %q) = %q, want %q", tc.auth, tc.keyFile, got, tc.want)
		}
	}
}

// A deploy to a controller on this machine runs its runners in the
// directory it ran in, as the shell would have run the command there: a
// relative program is made absolute, the arguments stay as typed, and the
// directory is recorded in the revision's metadata and said.
func TestDeployRunsInItsDirectory(t *testing.T) {
	rt := &noRuntime{}
	ctl, addr, _ := startController(t, server.Config{Runtime: rt, GatewayURL: "http://127.0.0.1:7778"})
	dir := t.TempDir()
	t.Chdir(dir)
	var out bytes.Buffer
	err := Run(t.Context(), []string{"deploy", "--host", addr, "--key-file", ctl.KeyFile(), "--app", "my-app",
		"--", "./bin/serve", "serve.py", "--model", "small"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, out.String())
	}
	d, err := rt.state().Deployment(t.Context(), server.AppRef{Env: "main", App: "my-app"})
	if err != nil {
		t.Fatal(err)
	}
	wantArgv := []string{filepath.Join(dir, "bin/serve"), "serve.py", "--model", "small"}
	if argv, err := d.Revision.Command(); err != nil || !reflect.DeepEqual(argv, wantArgv) {
		t.Errorf("command %q, %v; want %q", argv, err, wantArgv)
	}
	if wd, err := d.Revision.WorkDir(); err != nil || wd != dir {
		t.Errorf("working directory %q, %v; want %q", wd, err, dir)
	}
	for _, want := range []string{"working directory: " + dir + "\n", "endpoint: http://127.0.0.1:7778/local/my-app\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	// A controller elsewhere cannot see this directory: the command goes
	// as given, to run in each runner's own.
	argv, wd, err := runnerCommand("ctl.example:7777", []string{"./serve", "x"})
	if err != nil || wd != "" || !reflect.DeepEqual(argv, []string{"./serve", "x"}) {
		t.Errorf("remote: %q in %q, %v", argv, wd, err)
	}
}

// With `serve --gateway off` the app is served nowhere: deploy says so
// rather than print a fal.run URL.
func TestDeployWithoutGatewaySaysSo(t *testing.T) {
	ctl, addr, _ := startController(t, server.Config{Runtime: &noRuntime{}})
	var out bytes.Buffer
	if err := Run(t.Context(), []string{"deploy", "--host", addr, "--key-file", ctl.KeyFile(), "--app", "my-app", "--", "true"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "endpoint: none") || strings.Contains(out.String(), "fal.run") || strings.Contains(out.String(), "curl") {
		t.Errorf("deploy to a controller without a gateway said:\n%s", out.String())
	}
}

// A deploy to an environment that does not exist says how to create it,
// and creates nothing.
func TestDeployToMissingEnvironmentSaysHowToCreateIt(t *testing.T) {
	ctl, addr, c := startController(t, server.Config{Runtime: &noRuntime{}})
	err := Run(t.Context(), []string{"deploy", "--host", addr, "--key-file", ctl.KeyFile(), "--app", "my-app", "--env", "staging", "--", "true"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `environment "staging" does not exist`) || !strings.Contains(err.Error(), "fal environments create staging") {
		t.Errorf("deploy to a missing environment: %v", err)
	}
	if envs, err := c.ListEnvironments(t.Context()); err != nil || len(envs) != 1 {
		t.Errorf("environments after: %v, %v", envs, err)
	}
}
