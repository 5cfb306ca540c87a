package samplerunner

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faldash/faldash/internal/poll"
	"github.com/faldash/faldash/internal/syncbuf"
)

const (
	secretKey   = "key-id:super-secret-key-value"
	secretValue = "hunter2-staging-only"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// env is a runner environment as the controller builds it, with a secret.
func env(port int) func(string) string {
	vars := map[string]string{
		"PORT":              strconv.Itoa(port),
		"FAL_JOB_ID":        "runner-1",
		"FAL_APP_NAME":      "local/echo--staging",
		"FAL_APP_ID":        "rev-1",
		"FAL_USER_NICKNAME": "local",
		"FAL_RUNNER_STATE":  "SETUP",
		"FAL_KEY":           secretKey,
		"MY_SECRET":         secretValue,
	}
	return func(k string) string { return vars[k] }
}

// runner is one sample runner running in-process.
type runner struct {
	addr           string
	stop           context.CancelFunc
	done           chan int
	stdout, stderr *syncbuf.Buffer
}

// startRun starts Run with args and getenv and does not wait for it.
func startRun(t *testing.T, args []string, getenv func(string) string) *runner {
	t.Helper()
	return start(t, func(ctx context.Context, stdout, stderr io.Writer) int {
		return Run(ctx, args, getenv, stdout, stderr)
	})
}

func start(t *testing.T, fn func(ctx context.Context, stdout, stderr io.Writer) int) *runner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{stop: cancel, done: make(chan int, 1), stdout: &syncbuf.Buffer{}, stderr: &syncbuf.Buffer{}}
	go func() { r.done <- fn(ctx, r.stdout, r.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("runner did not exit after cleanup")
		}
	})
	return r
}

// waitReady polls until addr accepts TCP, failing if the runner exits.
func (r *runner) waitReady(t *testing.T, addr string) {
	t.Helper()
	r.addr = addr
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("runner not ready on %s: %v\nstdout:\n%s\nstderr:\n%s", addr, err, r.stdout, r.stderr)
		}
		select {
		case code := <-r.done:
			t.Fatalf("runner exited with %d before it was ready\nstderr:\n%s", code, r.stderr)
		case <-tick.C:
		}
	}
}

// eventually polls cond until it holds, failing after a deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	poll.Wait(t, 10*time.Second, 5*time.Millisecond, what, cond)
}

// exit stops the runner and returns its exit code.
func (r *runner) exit(t *testing.T) int {
	t.Helper()
	r.stop()
	return r.wait(t)
}

func (r *runner) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-r.done:
		r.done <- code // keep it for cleanup
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("runner did not exit")
		return -1
	}
}

func get(t *testing.T, url string) (int, reply) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	if strings.Contains(string(raw), "super-secret") || strings.Contains(string(raw), secretValue) {
		t.Errorf("response to %s holds a secret: %s", url, raw)
	}
	var body reply
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("GET %s: body %q is not JSON: %v", url, raw, err)
	}
	return resp.StatusCode, body
}

func TestServesAndExitsCleanly(t *testing.T) {
	port := freePort(t)
	r := startRun(t, []string{"--latency", "1ms", "--jitter", "1ms"}, env(port))
	r.waitReady(t, "127.0.0.1:"+strconv.Itoa(port))

	code, body := get(t, "http://"+r.addr+"/predict/now?x=1")
	if code != http.StatusOK {
		t.Fatalf("status %d, want 200", code)
	}
	want := reply{RunnerID: "runner-1", App: "local/echo--staging", Method: "GET", Path: "/predict/now"}
	body.LatencyMS = 0
	if body != want {
		t.Errorf("body %+v, want %+v", body, want)
	}
	resp, err := http.Get("http://" + r.addr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/health status %d, want 200", resp.StatusCode)
	}

	if code := r.exit(t); code != 0 {
		t.Fatalf("exit code %d, want 0\nstderr:\n%s", code, r.stderr)
	}
	stdout, stderr := r.stdout.String(), r.stderr.String()
	for _, want := range []string{"FAL_RUNNER_STATE=SETUP", "FAL_RUNNER_STATE=RUNNING", "FAL_KEY is set", "handle_exit", "teardown: done"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	for _, out := range []string{stdout, stderr} {
		if strings.Contains(out, "super-secret") || strings.Contains(out, secretValue) {
			t.Errorf("output holds a secret value:\n%s", out)
		}
	}
}

func TestFailRate(t *testing.T) {
	for _, tc := range []struct {
		rate string
		want int
	}{{"0", http.StatusOK}, {"1", http.StatusInternalServerError}} {
		t.Run(tc.rate, func(t *testing.T) {
			port := freePort(t)
			// The port comes from the flag here, as when run by hand.
			r := startRun(t, []string{"--fail-rate", tc.rate, "--port", strconv.Itoa(port)},
				func(string) string { return "" })
			r.waitReady(t, "127.0.0.1:"+strconv.Itoa(port))
			for i := range 20 {
				code, body := get(t, "http://"+r.addr+"/run")
				if code != tc.want {
					t.Fatalf("request %d: status %d, want %d", i, code, tc.want)
				}
				if (body.Error != "") != (tc.want != http.StatusOK) {
					t.Fatalf("request %d: error field %q with status %d", i, body.Error, code)
				}
			}
			if tc.want != http.StatusOK && !strings.Contains(r.stderr.String(), "simulated failure") {
				t.Errorf("failures not logged on stderr:\n%s", r.stderr)
			}
		})
	}
}

// held makes a config whose requests wait until release is closed, and
// reports each one that starts waiting on entered.
func held(t *testing.T, port int, grace time.Duration) (cfg config, entered chan struct{}, release chan struct{}) {
	t.Helper()
	cfg, err := parseConfig([]string{"--grace", grace.String()}, env(port), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	entered, release = make(chan struct{}, 8), make(chan struct{})
	cfg.wait = func(ctx context.Context, _ time.Duration) error {
		entered <- struct{}{}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return cfg, entered, release
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	port := freePort(t)
	cfg, entered, release := held(t, port, time.Minute)
	r := start(t, func(ctx context.Context, stdout, stderr io.Writer) int { return run(ctx, cfg, stdout, stderr) })
	r.waitReady(t, cfg.addr)

	type result struct {
		code int
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + cfg.addr + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		resp.Body.Close()
		got <- result{code: resp.StatusCode}
	}()
	<-entered
	r.stop()

	// Once the shutdown began, new connections are refused while the
	// request is still held.
	eventually(t, "connections refused after the shutdown signal", func() bool {
		c, err := net.DialTimeout("tcp", cfg.addr, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	select {
	case code := <-r.done:
		t.Fatalf("exited with %d while a request was in flight", code)
	default:
	}
	if !strings.Contains(r.stdout.String(), "handle_exit") {
		t.Errorf("no handle_exit before teardown:\n%s", r.stdout)
	}

	close(release)
	res := <-got
	if res.err != nil || res.code != http.StatusOK {
		t.Fatalf("in-flight request: status %d, err %v; want 200", res.code, res.err)
	}
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	if out := r.stdout.String(); !strings.Contains(out, "teardown: finishing the requests in flight (1)") || !strings.Contains(out, "teardown: done") {
		t.Errorf("teardown not logged:\n%s", out)
	}
}

func TestShutdownGiveUpAfterGrace(t *testing.T) {
	port := freePort(t)
	cfg, entered, release := held(t, port, 20*time.Millisecond)
	defer close(release)
	r := start(t, func(ctx context.Context, stdout, stderr io.Writer) int { return run(ctx, cfg, stdout, stderr) })
	r.waitReady(t, cfg.addr)

	go func() {
		if resp, err := http.Get("http://" + cfg.addr + "/stuck"); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	if code := r.exit(t); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	if !strings.Contains(r.stderr.String(), "grace period over, dropping the unfinished requests (1)") {
		t.Errorf("dropped request not reported:\n%s", r.stderr)
	}
}

func TestFailSetup(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), []string{"--fail-setup", "--setup-delay", "1ms"}, env(freePort(t)), &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if !strings.Contains(stdout.String(), "FAL_RUNNER_STATE=SETUP") {
		t.Errorf("setup not announced:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "setup failed") {
		t.Errorf("failure not explained:\n%s", stderr.String())
	}
}

func TestShutdownDuringSetup(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout bytes.Buffer
	code := Run(ctx, []string{"--setup-delay", "1h"}, env(freePort(t)), &stdout, io.Discard)
	if code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	if !strings.Contains(stdout.String(), "handle_exit") {
		t.Errorf("no handle_exit:\n%s", stdout.String())
	}
}

func TestBadArguments(t *testing.T) {
	noEnv := func(string) string { return "" }
	portEnv := func(v string) func(string) string {
		return func(k string) string {
			if k == "PORT" {
				return v
			}
			return ""
		}
	}
	for _, tc := range []struct {
		name   string
		args   []string
		getenv func(string) string
		want   string
	}{
		{"no port", nil, noEnv, "no port"},
		{"port not a number", nil, portEnv("http"), `PORT "http"`},
		{"port out of range", nil, portEnv("70000"), "no port"},
		{"fail rate above 1", []string{"--fail-rate", "1.5"}, portEnv("8000"), "--fail-rate"},
		{"negative latency", []string{"--latency", "-1s"}, portEnv("8000"), "--latency"},
		{"unknown flag", []string{"--nope"}, portEnv("8000"), "nope"},
		{"stray argument", []string{"extra"}, portEnv("8000"), "unexpected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := Run(context.Background(), tc.args, tc.getenv, io.Discard, &stderr); code != 2 {
				t.Fatalf("exit code %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.want)
			}
		})
	}
}

func TestLatencyJitterBounds(t *testing.T) {
	for range 1000 {
		if d := latency(100*time.Millisecond, 30*time.Millisecond); d < 70*time.Millisecond || d > 130*time.Millisecond {
			t.Fatalf("latency %v outside 100ms±30ms", d)
		}
		if d := latency(10*time.Millisecond, 50*time.Millisecond); d < 0 || d > 60*time.Millisecond {
			t.Fatalf("latency %v outside [0, 60ms]", d)
		}
	}
	if d := latency(5*time.Millisecond, 0); d != 5*time.Millisecond {
		t.Errorf("latency without jitter %v, want 5ms", d)
	}
}
