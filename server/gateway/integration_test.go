package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ctltest"
	"github.com/faldash/faldash/internal/runnertest"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server/gateway"
	"github.com/faldash/faldash/server/localctl"
	"github.com/faldash/faldash/server/supervisor"
)

// TestMain lets the test binary be the runners' program: the apps these
// tests deploy run `<test binary> sample-runner ...` or `<test binary>
// auth-runner`.
func TestMain(m *testing.M) {
	runnertest.Main(m, map[string]func([]string) int{"auth-runner": func([]string) int { return authRunner() }})
}

// stack is a real local controller (gRPC, supervisor, gateway) as
// localctl assembles it.
type stack struct {
	t   *testing.T
	c   *client.GRPC
	ctl *localctl.Controller
	gw  string
	// key is the admin key as an Authorization header.
	key string
}

func startStack(t *testing.T, cfg supervisor.Config) *stack {
	t.Helper()
	if cfg.DefaultGrace == 0 {
		cfg.DefaultGrace = 2 * time.Second
	}
	ctl, c := ctltest.Start(t, localctl.Options{Gateway: "127.0.0.1:0", REST: localctl.Off, Supervisor: cfg})
	id, secret := ctl.Server().AdminKey()
	return &stack{t: t, c: c, ctl: ctl, gw: ctl.GatewayURL(), key: "Key " + id + ":" + secret}
}

// deploy runs the sample runner as app in main with runnerArgs.
func (s *stack) deploy(app string, spec scaling.Spec, runnerArgs ...string) {
	s.t.Helper()
	s.deployAs(app, client.AuthPrivate, spec, append([]string{"sample-runner", "--grace", "1s"}, runnerArgs...)...)
}

// deployAs runs the test binary with args as app in main, with mode.
func (s *stack) deployAs(app string, mode client.AuthMode, spec scaling.Spec, args ...string) {
	s.t.Helper()
	runnertest.Deploy(s.t, s.c, client.DeployRequest{App: app, Scaling: spec, AuthMode: &mode}, args...)
}

// get sends GET path to the gateway with the admin key.
func (s *stack) get(path string) answer {
	s.t.Helper()
	req, err := http.NewRequestWithContext(s.t.Context(), http.MethodGet, s.gw+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", s.key)
	return do(s.t, req)
}

func (s *stack) runners(app string) []client.Runner {
	s.t.Helper()
	rs, err := s.c.ListAppRunners(s.t.Context(), "", app, client.RunnerQuery{IncludePending: true})
	if err != nil {
		s.t.Fatal(err)
	}
	return rs
}

// count counts app's runners in one of states.
func (s *stack) count(app string, states ...client.RunnerState) int {
	n := 0
	for _, r := range s.runners(app) {
		if slices.Contains(states, r.State) {
			n++
		}
	}
	return n
}

// hold sends a request with the admin key that the runner holds (its
// latency is long) until cancel is called; the returned channel gets its
// status code, or 0 when the request was cancelled.
func (s *stack) hold(path, requestID string) (codes <-chan int, cancel context.CancelFunc) {
	h := map[string]string{"Authorization": s.key}
	if requestID != "" {
		h[gateway.RequestIDHeader] = requestID
	}
	return s.holdWith(path, h)
}

// holdWith is hold with the headers given.
func (s *stack) holdWith(path string, header map[string]string) (codes <-chan int, cancel context.CancelFunc) {
	ctx, cancel := context.WithCancel(s.t.Context())
	ch := make(chan int, 1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.gw+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			ch <- 0
			return
		}
		resp.Body.Close()
		ch <- resp.StatusCode
	}()
	return ch, cancel
}

func TestGatewayToRealRunner(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	s.deploy("echo", scaling.Spec{MinConcurrency: scaling.Int(1), MaxConcurrency: scaling.Int(1)})

	a := s.get("/local/nope")
	a.detail(t, http.StatusNotFound, "no app nope for local")

	// A request may arrive before the runner is ready: it waits in the
	// queue, then reaches the runner with the rest of the path.
	a = s.get("/local/echo/predict/v1?steps=2")
	if a.code != http.StatusOK {
		t.Fatalf("status %d: %s", a.code, a.body)
	}
	var reply struct {
		RunnerID string `json:"runner_id"`
		App      string `json:"app"`
		Path     string `json:"path"`
	}
	if err := json.Unmarshal(a.body, &reply); err != nil {
		t.Fatal(err)
	}
	rs := s.runners("echo")
	if reply.Path != "/predict/v1" || reply.App != "local/echo" || len(rs) != 1 || reply.RunnerID != string(rs[0].ID) {
		t.Errorf("runner answered %+v; runners %+v", reply, rs)
	}
}

// Requests in flight make a runner RUNNING with their leases listed, and
// it is IDLE again once they end; what no slot can take waits, and past
// the queue limit is refused with 503.
func TestGatewayInFlightAndQueueLimit(t *testing.T) {
	s := startStack(t, supervisor.Config{QueueLimit: 1})
	s.deploy("slow", scaling.Spec{MinConcurrency: scaling.Int(1), MaxConcurrency: scaling.Int(1), MaxMultiplexing: scaling.Int(2)},
		"--latency", "1h")
	waitFor(t, "an idle runner", func() bool { return s.count("slow", client.StateIdle) == 1 })

	c1, cancel1 := s.hold("/local/slow", "req-1")
	defer cancel1()
	c2, cancel2 := s.hold("/local/slow", "req-2")
	defer cancel2()
	waitFor(t, "a RUNNING runner with both requests", func() bool {
		rs := s.runners("slow")
		if len(rs) != 1 || rs[0].State != client.StateRunning || rs[0].InFlight != 2 {
			return false
		}
		var ids []string
		for _, l := range rs[0].Leases() {
			ids = append(ids, l.RequestID)
		}
		slices.Sort(ids)
		return slices.Equal(ids, []string{"req-1", "req-2"})
	})

	// Both slots are taken and one request may wait: of three more, one
	// waits and two are refused.
	more := make(chan int, 3)
	var cancels []context.CancelFunc
	for i := range 3 {
		c, cancel := s.hold("/local/slow", fmt.Sprintf("extra-%d", i))
		cancels = append(cancels, cancel)
		go func() { more <- <-c }()
	}
	for range 2 {
		if code := <-more; code != http.StatusServiceUnavailable {
			t.Errorf("a request beyond the queue limit got %d, want 503", code)
		}
	}
	for _, cancel := range append(cancels, cancel1, cancel2) {
		cancel()
	}
	for i, c := range []<-chan int{c1, c2, more} {
		if code := <-c; code != 0 {
			t.Errorf("held request %d ended with %d, want cancelled", i+1, code)
		}
	}
	waitFor(t, "the runner idle again", func() bool {
		rs := s.runners("slow")
		return len(rs) == 1 && rs[0].State == client.StateIdle && rs[0].InFlight == 0 && len(rs[0].Leases()) == 0
	})
}

func TestGatewayRequestTimeoutWithRealRunner(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	s.deploy("stuck", scaling.Spec{MinConcurrency: scaling.Int(1), MaxConcurrency: scaling.Int(1), RequestTimeout: scaling.Int(1)},
		"--latency", "1h")
	waitFor(t, "an idle runner", func() bool { return s.count("stuck", client.StateIdle) == 1 })
	s.get("/local/stuck").detail(t, http.StatusGatewayTimeout, "request timeout")
	waitFor(t, "the slot back", func() bool {
		rs := s.runners("stuck")
		return len(rs) == 1 && rs[0].State == client.StateIdle && rs[0].InFlight == 0
	})
}

// Load scales an app up to its max, and once it ends the runners above
// the minimum go after keep-alive.
func TestGatewayLoadScalesUpThenDown(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	s.deploy("burst", scaling.Spec{MinConcurrency: scaling.Int(0), MaxConcurrency: scaling.Int(3), KeepAlive: scaling.Int(1)},
		"--latency", "1h")
	var cancels []context.CancelFunc
	var codes []<-chan int
	for i := range 5 {
		c, cancel := s.hold("/local/burst", fmt.Sprintf("load-%d", i))
		codes = append(codes, c)
		cancels = append(cancels, cancel)
	}
	waitFor(t, "three RUNNING runners", func() bool { return s.count("burst", client.StateRunning) == 3 })
	if n := len(s.runners("burst")); n != 3 {
		t.Errorf("%d runners for a max of 3", n)
	}
	for _, cancel := range cancels {
		cancel()
	}
	for _, c := range codes {
		<-c
	}
	waitFor(t, "every runner released after keep-alive", func() bool { return len(s.runners("burst")) == 0 })
}
