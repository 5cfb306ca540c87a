package cli

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ctltest"
	"github.com/faldash/faldash/internal/poll"
	"github.com/faldash/faldash/server/localctl"
	"github.com/faldash/faldash/server/supervisor"
)

func TestDashFlags(t *testing.T) {
	f, err := parseDashFlags([]string{"--env", "staging", "--refresh", "5s", "--readonly"}, io.Discard)
	if err != nil || f.env != "staging" || f.refresh != 5*time.Second || !f.readOnly {
		t.Fatalf("parsed %+v, %v", f, err)
	}
	bad := map[string][]string{
		"500ms":      {"--refresh", "100ms"},
		"--demo":     {"--demo", "--host", "127.0.0.1:1"},
		"unexpected": {"stray"},
		"invalid":    {"--refresh", "soon"},
	}
	for want, args := range bad {
		if _, err := parseDashFlags(args, io.Discard); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseDashFlags(%q) = %v, want an error saying %q", args, err, want)
		}
	}
}

func TestHostOptionsPreferTheLocalKeyOnLoopback(t *testing.T) {
	t.Setenv("FAL_REST_HOST", "")
	dir := t.TempDir()
	writeKey(t, dir+"/admin.key", "local-id:local-secret")
	writeKey(t, dir+"/other.key", "file-id:file-secret")
	cases := []struct {
		f    dashFlags
		want string
	}{
		{dashFlags{host: "127.0.0.1:7777", data: dir}, "local-id"},
		{dashFlags{host: "127.0.0.1:7777", data: dir, keyFile: dir + "/other.key"}, "file-id"},
	}
	for _, c := range cases {
		opts, viaCloud, err := hostOptions(c.f, cloudWith("cloud-id"))
		if err != nil || viaCloud || opts.Credentials.KeyID != c.want {
			t.Errorf("hostOptions(%+v) = %q, cloud %v, %v; want %s", c.f, opts.Credentials.KeyID, viaCloud, err, c.want)
		}
	}
	if _, viaCloud, err := hostOptions(dashFlags{host: "api.example.com:443", data: dir}, cloudWith("cloud-id")); err != nil || !viaCloud {
		t.Errorf("remote host: cloud %v, %v; want fal's own credentials", viaCloud, err)
	}
	if _, _, err := hostOptions(dashFlags{host: "api.example.com:443", data: dir}, cloudWith("")); err == nil {
		t.Error("a remote host with no key is accepted")
	}
	signedIn := client.CloudConfig{Found: true, SignedIn: true}
	if _, _, err := hostOptions(dashFlags{host: "127.0.0.1:9", data: t.TempDir()}, signedIn); err == nil || !strings.Contains(err.Error(), "--key-file") {
		t.Errorf("a signed-in user on a loopback host without its key: %v; want a hint at --key-file", err)
	}
}

// A dashboard pointed at the `faldash serve` that holds the data directory
// learns its REST API and gateway from the endpoints it announced there;
// FAL_REST_HOST names another's.
func TestHostOptionsFindTheControllersEndpoints(t *testing.T) {
	dir := t.TempDir()
	writeKey(t, dir+"/admin.key", "local-id:local-secret")
	e := `{"grpc": "127.0.0.1:7777", "rest": "http://127.0.0.1:7779", "gateway": "http://127.0.0.1:7778"}`
	if err := os.WriteFile(dir+"/endpoints.json", []byte(e), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAL_REST_HOST", "")
	opts, _, err := hostOptions(dashFlags{host: "localhost:7777", data: dir}, client.CloudConfig{})
	if err != nil || opts.RESTURL != "http://127.0.0.1:7779" || opts.GatewayURL != "http://127.0.0.1:7778" {
		t.Errorf("same controller: REST %q, gateway %q, %v", opts.RESTURL, opts.GatewayURL, err)
	}
	opts, _, _ = hostOptions(dashFlags{host: "127.0.0.1:9000", data: dir}, client.CloudConfig{})
	if opts.RESTURL != "" || opts.GatewayURL != "" {
		t.Errorf("another controller got this one's endpoints: REST %q, gateway %q", opts.RESTURL, opts.GatewayURL)
	}
	t.Setenv("FAL_REST_HOST", "127.0.0.1:9001")
	opts, _, _ = hostOptions(dashFlags{host: "127.0.0.1:9000", data: dir}, client.CloudConfig{})
	if opts.RESTURL != "http://127.0.0.1:9001" {
		t.Errorf("FAL_REST_HOST: REST %q", opts.RESTURL)
	}
}

func writeKey(t *testing.T, path, key string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func cloudWith(id string) client.CloudConfig {
	if id == "" {
		return client.CloudConfig{}
	}
	return client.CloudConfig{Found: true, Credentials: client.Credentials{KeyID: id, KeySecret: "s"}}
}

// isolateFal hides the user's fal credentials and data directory from a
// test, so the target is chosen as on a machine without them.
func isolateFal(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
	for _, v := range []string{"FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET", "FAL_PROFILE", "FAL_CONFIG_PATH",
		"FAL_HOME_DIR", "FAL_FORCE_AUTH_BY_USER", "FAL_REST_HOST", "FAL_GRPC_HOST", "FAL_HOST"} {
		t.Setenv(v, "")
	}
}

// A dashboard given --host to a `faldash serve` whose data directory it
// cannot read (another machine's, or --data elsewhere) learns the
// controller's gateway and account from its first answer: the apps' endpoints
// are the gateway's, or none with --gateway off, and the header says "as
// <user>".
func TestHostTargetLearnsGatewayAndUser(t *testing.T) {
	isolateFal(t)
	for _, gw := range []string{"127.0.0.1:0", localctl.Off} {
		t.Run("gateway "+gw, func(t *testing.T) {
			ctl := ctltest.StartController(t, localctl.Options{Gateway: gw, REST: localctl.Off,
				User: "alice", Supervisor: supervisor.Config{RunnerDir: t.TempDir()}})
			f := dashFlags{host: ctl.Addr(), keyFile: ctl.Server().KeyFile(), data: t.TempDir()}
			cl, closeTarget, err := target(t.Context(), f, nil, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			defer closeTarget()
			defer cl.Close()
			// The dashboard starts without asking; its first poll's answer
			// brings the announcement.
			if _, err := cl.ListEnvironments(t.Context()); err != nil {
				t.Fatal(err)
			}
			tg := cl.Target()
			if tg.User != "alice" {
				t.Errorf("the header would not say as alice: %+v", tg)
			}
			want := ctl.GatewayURL() + "/alice/my-app--staging"
			if gw == localctl.Off {
				want = ""
			}
			if got := tg.EndpointURL("my-app", "staging"); got != want || tg.NoGateway != (gw == localctl.Off) {
				t.Errorf("endpoint %q (no gateway: %v), want %q", got, tg.NoGateway, want)
			}
		})
	}
}

func TestStopNotice(t *testing.T) {
	var tty, plain strings.Builder
	for left := 3; left >= 0; left-- {
		stopNotice{w: &tty, tty: true}.report(left, 3)
	}
	if want := "stopping 3 runners…\r\x1b[Kstopping 3 runners… 2 left\r\x1b[Kstopping 3 runners… 1 left\r\x1b[Kstopping 3 runners… done\n"; tty.String() != want {
		t.Errorf("on a terminal %q, want %q", tty.String(), want)
	}
	for left := 1; left >= 0; left-- {
		stopNotice{w: &plain}.report(left, 1)
	}
	if want := "stopping 1 runner…\nstopped 1 runner\n"; plain.String() != want {
		t.Errorf("elsewhere %q, want %q", plain.String(), want)
	}
}

// Closing the demo the dashboard ran says how stopping its runners goes,
// on the dashboard's stderr, once the dashboard has left the terminal.
func TestDemoTargetSaysItStopsRunners(t *testing.T) {
	isolateFal(t)
	// Stop reports from the goroutine that closes: this one.
	var stderr strings.Builder
	cl, closeTarget, err := target(t.Context(), dashFlags{demo: true}, nil, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if tg := cl.Target(); tg.User == "" && tg.Account == "" {
		t.Errorf("the demo's header would not say as whom: %+v", tg)
	}
	running := func() bool {
		rs, _ := cl.ListRunners(t.Context(), client.RunnerQuery{IncludePending: true})
		return slices.ContainsFunc(rs, func(r client.Runner) bool {
			return r.State == client.StateSetup || r.State == client.StateIdle || r.State == client.StateRunning
		})
	}
	poll.Wait(t, 30*time.Second, 20*time.Millisecond, "a demo runner to start", running)
	if stderr.String() != "" {
		t.Errorf("said %q before closing", stderr.String())
	}
	cl.Close()
	closeTarget()
	m := regexp.MustCompile(`^stopping (\d+) runners?…\nstopped (\d+) runners?\n$`).FindStringSubmatch(stderr.String())
	if m == nil || m[1] != m[2] || m[1] == "0" {
		t.Errorf("closing the demo said %q", stderr.String())
	}
}
