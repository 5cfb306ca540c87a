package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
)

// The README's deploy example on a fresh controller: a command named
// relative to the directory deploy runs in reaches its runners there, in
// main (which exists from the start), and the endpoint deploy prints
// answers.
func TestDeployAsTheReadmeSays(t *testing.T) {
	ctl := startServe(t)
	dir := filepath.Dir(exe)
	cmd := exec.Command(exe, "deploy", "--host", ctl.addr, "--key-file", ctl.keyFile, "--app", "my-app",
		"--min-concurrency", "1", "--max-concurrency", "4", "--keep-alive", "30",
		"--", "./faldash", "sample-runner", "--setup-delay", "100ms")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("faldash deploy: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "working directory: "+dir+"\n") {
		t.Errorf("deploy did not say where its runners start:\n%s", out)
	}
	m := regexp.MustCompile(`endpoint: (http://127\.0\.0\.1:\d+/local/my-app)\n`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("deploy printed no gateway endpoint:\n%s", out)
	}
	key, err := os.ReadFile(ctl.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the endpoint to answer", func() bool {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, string(m[1]), nil)
		req.Header.Set("Authorization", "Key "+strings.TrimSpace(string(key)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// A dashboard attached with --host learns from the controller where its
// apps are served, and as whom: its endpoints are the gateway's, or "no
// gateway" with --gateway off, never fal.run's.
func TestDashboardShowsTheControllersGateway(t *testing.T) {
	for _, tc := range []struct {
		name, flag, want string
	}{
		{"gateway", "127.0.0.1:0", `/local/e2e-app`},
		{"off", "off", `no gateway`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctl := startServe(t, "--gateway", tc.flag)
			ctl.deploy(t, "main", "e2e-app")
			tm := startTUI(t, "--host", ctl.addr, "--key-file", ctl.keyFile, "--env", "main")
			tm.waitText(0, 20*time.Second, `as local`)
			tm.waitText(0, 20*time.Second, tc.want)
			if strings.Contains(tm.text(), "fal.run") {
				t.Errorf("the dashboard shows a fal.run URL:\n%s", tm.text())
			}
			tm.quit()
		})
	}
}

// Quitting the demo says how stopping its runners goes, once the
// dashboard has left the terminal, rather than leave it blank.
func TestQuittingTheDemoSaysItStopsRunners(t *testing.T) {
	tm, data, ends := demoTUI(t)
	creds, err := client.ReadKeyFile(filepath.Join(data, "admin.key"))
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.Dial(client.DialOptions{Addr: ends.GRPC, Credentials: creds, Kind: client.TargetLocal})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	waitFor(t, 30*time.Second, "a demo runner with a process", func() bool {
		rs, _ := cl.ListRunners(t.Context(), client.RunnerQuery{})
		return slices.ContainsFunc(rs, func(r client.Runner) bool {
			return r.State == client.StateSetup || r.State == client.StateIdle || r.State == client.StateRunning
		})
	})
	tm.quit()
	tm.mu.Lock()
	raw := tm.raw.String()
	tm.mu.Unlock()
	_, after, _ := strings.Cut(raw, "\x1b[?1049l")
	if !regexp.MustCompile(`stopping \d+ runners?…(.|\n)*stopping \d+ runners?… done`).MatchString(after) {
		t.Errorf("after leaving the terminal the demo said %q", after)
	}
}
