package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/poll"
	"github.com/faldash/faldash/server/gateway"
)

// fakeRouter leases slots on fixed runners, round robin, and records
// every lease and how often it was released.
type fakeRouter struct {
	mu   sync.Mutex
	apps map[string][]string // alias → runner addresses
	// modes are the apps' auth modes; an app not listed is public, so
	// that tests of routing need no key.
	modes     map[string]falpb.ApplicationAuthMode
	timeout   time.Duration
	queueFull map[string]bool
	// queue, when set, makes Acquire wait for ctx's end, as a request
	// waiting for a free runner does.
	queue  bool
	queued chan struct{}
	next   int
	leases []*leaseRecord
}

type leaseRecord struct {
	info     gateway.RequestInfo
	alias    string
	runner   string
	released atomic.Int32
}

func newRouter() *fakeRouter {
	return &fakeRouter{apps: map[string][]string{}, modes: map[string]falpb.ApplicationAuthMode{},
		queueFull: map[string]bool{}, queued: make(chan struct{}, 1)}
}

func (f *fakeRouter) AuthMode(_ context.Context, alias string) (falpb.ApplicationAuthMode, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.apps[alias]; !ok {
		return 0, fmt.Errorf("auth mode of %s: %w", alias, gateway.ErrUnknownApp)
	}
	if m, ok := f.modes[alias]; ok {
		return m, nil
	}
	return falpb.ApplicationAuthMode_PUBLIC, nil
}

func (f *fakeRouter) Acquire(ctx context.Context, alias string, info gateway.RequestInfo) (*gateway.Lease, error) {
	f.mu.Lock()
	addrs, ok := f.apps[alias]
	full, queue := f.queueFull[alias], f.queue
	f.mu.Unlock()
	switch {
	case !ok:
		return nil, fmt.Errorf("acquire %s: %w", alias, gateway.ErrUnknownApp)
	case full:
		return nil, fmt.Errorf("acquire %s: %w", alias, gateway.ErrQueueFull)
	case queue:
		f.queued <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	addr := addrs[f.next%len(addrs)]
	f.next++
	rec := &leaseRecord{info: info, alias: alias, runner: addr}
	f.leases = append(f.leases, rec)
	return &gateway.Lease{
		RunnerID:       "runner-" + addr,
		Addr:           addr,
		RequestTimeout: f.timeout,
		Release:        func() { rec.released.Add(1) },
	}, nil
}

func (f *fakeRouter) records() []*leaseRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*leaseRecord(nil), f.leases...)
}

// waitReleased waits until every lease handed out so far was released,
// and fails if any was released more than once.
func (f *fakeRouter) waitReleased(t *testing.T, want int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d leases released", want), func() bool {
		recs := f.records()
		if len(recs) != want {
			return false
		}
		for _, r := range recs {
			if r.released.Load() != 1 {
				return false
			}
		}
		return true
	})
	for _, r := range f.records() {
		if n := r.released.Load(); n != 1 {
			t.Errorf("lease of %s released %d times", r.info.RequestID, n)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	poll.Wait(t, 10*time.Second, 5*time.Millisecond, what, cond)
}

// echo is what the echo runner answers: what it was asked.
type echo struct {
	Runner    string `json:"runner"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	RawPath   string `json:"raw_path"`
	Query     string `json:"query"`
	Host      string `json:"host"`
	RequestID string `json:"request_id"`
	Caller    string `json:"caller"`
	Forwarded string `json:"forwarded"`
	// Authorization is the header as the runner got it: always empty.
	Authorization string `json:"authorization"`
	Body          string `json:"body"`
}

func echoRunner(t *testing.T, name string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		// The gateway's request id must win over a runner's.
		w.Header().Set(gateway.RequestIDHeader, "from-runner")
		json.NewEncoder(w).Encode(echo{
			Runner: name, Method: r.Method, Path: r.URL.Path, RawPath: r.URL.RawPath, Query: r.URL.RawQuery,
			Host: r.Host, RequestID: r.Header.Get(gateway.RequestIDHeader), Caller: r.Header.Get(gateway.CallerIDHeader),
			Forwarded: r.Header.Get("X-Forwarded-For"), Authorization: r.Header.Get("Authorization"), Body: string(body),
		})
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// hangRunner holds every request until the gateway cancels it, and says
// when a request arrived and when it was cancelled.
func hangRunner(t *testing.T) (addr string, arrived, cancelled chan struct{}) {
	t.Helper()
	arrived, cancelled = make(chan struct{}, 16), make(chan struct{}, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
		cancelled <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), arrived, cancelled
}

func startGateway(t *testing.T, r gateway.Router, opts gateway.Options) string {
	t.Helper()
	srv := httptest.NewServer(gateway.New(r, "local", opts))
	t.Cleanup(srv.Close)
	return srv.URL
}

type answer struct {
	code   int
	header http.Header
	body   []byte
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, body}
}

func get(t *testing.T, url string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func (a answer) echo(t *testing.T) echo {
	t.Helper()
	if a.code != http.StatusOK {
		t.Fatalf("status %d: %s", a.code, a.body)
	}
	var e echo
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Fatalf("answer %q: %v", a.body, err)
	}
	return e
}

// detail checks a gateway error: its status and that its JSON detail
// says each of says.
func (a answer) detail(t *testing.T, code int, says ...string) {
	t.Helper()
	if a.code != code {
		t.Fatalf("status %d, want %d: %s", a.code, code, a.body)
	}
	var body struct{ Detail string }
	if err := json.Unmarshal(a.body, &body); err != nil || body.Detail == "" {
		t.Fatalf("error body %q is not {\"detail\": ...}: %v", a.body, err)
	}
	for _, s := range says {
		if !strings.Contains(body.Detail, s) {
			t.Errorf("detail %q does not say %q", body.Detail, s)
		}
	}
}

func TestRoutesToTheAliasWithTheRestOfThePath(t *testing.T) {
	r := newRouter()
	r.apps["my-app"] = []string{echoRunner(t, "main")}
	r.apps["my-app--staging"] = []string{echoRunner(t, "staging")}
	gw := startGateway(t, r, gateway.Options{})

	for _, tc := range []struct {
		url, runner, path, rawPath, query string
	}{
		{"/local/my-app", "main", "/", "", ""},
		{"/local/my-app/", "main", "/", "", ""},
		{"/local/my-app/predict/v1?steps=4&x=%20y", "main", "/predict/v1", "", "steps=4&x=%20y"},
		{"/local/my-app--staging/a%2Fb/c", "staging", "/a/b/c", "/a%2Fb/c", ""},
		{"/local/my-app--staging?q=1", "staging", "/", "", "q=1"},
	} {
		e := get(t, gw+tc.url).echo(t)
		if e.Runner != tc.runner || e.Path != tc.path || e.RawPath != tc.rawPath || e.Query != tc.query {
			t.Errorf("%s reached %s at path %q (raw %q) query %q; want %s, %q (raw %q), %q",
				tc.url, e.Runner, e.Path, e.RawPath, e.Query, tc.runner, tc.path, tc.rawPath, tc.query)
		}
		if e.Forwarded == "" {
			t.Errorf("%s: no X-Forwarded-For", tc.url)
		}
	}
	r.waitReleased(t, 5)
	for _, l := range r.records() {
		if l.info.RequestID == "" || l.info.CallerUserID != gateway.AnonymousCaller {
			t.Errorf("lease info %+v", l.info)
		}
	}
}

func TestRequestIDAndCaller(t *testing.T) {
	r := newRouter()
	r.apps["my-app"] = []string{echoRunner(t, "main")}
	gw := startGateway(t, r, gateway.Options{Keys: fakeKeys{"id-1:secret-1": "local"}})

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, gw+"/local/my-app/run", strings.NewReader(`{"prompt":"hi"}`))
	req.Header.Set(gateway.RequestIDHeader, "req-42")
	req.Header.Set("Authorization", "Key id-1:secret-1")
	a := do(t, req)
	e := a.echo(t)
	if e.RequestID != "req-42" || e.Caller != "local" || e.Method != http.MethodPost || e.Body != `{"prompt":"hi"}` {
		t.Errorf("runner saw %+v", e)
	}
	if got := a.header.Values(gateway.RequestIDHeader); len(got) != 1 || got[0] != "req-42" {
		t.Errorf("response request ids %q, want just req-42", got)
	}

	a = get(t, gw+"/local/my-app")
	generated := a.header.Get(gateway.RequestIDHeader)
	if e := a.echo(t); generated == "" || e.RequestID != generated {
		t.Errorf("generated request id %q, runner saw %q", generated, e.RequestID)
	}

	// An id a person could not read in a runner listing is replaced.
	req, _ = http.NewRequestWithContext(t.Context(), http.MethodGet, gw+"/local/my-app", nil)
	req.Header.Set(gateway.RequestIDHeader, strings.Repeat("x", 500))
	e = do(t, req).echo(t)
	if len(e.RequestID) > 128 || e.Caller != gateway.AnonymousCaller {
		t.Errorf("runner saw request id %q, caller %q", e.RequestID, e.Caller)
	}

	r.waitReleased(t, 3)
	recs := r.records()
	if recs[0].info != (gateway.RequestInfo{RequestID: "req-42", CallerUserID: "local"}) || recs[1].info.RequestID != generated {
		t.Errorf("lease infos %+v, %+v", recs[0].info, recs[1].info)
	}
}

func TestNotFound(t *testing.T) {
	r := newRouter()
	r.apps["my-app"] = []string{echoRunner(t, "main")}
	gw := startGateway(t, r, gateway.Options{})

	get(t, gw+"/local/nope/x").detail(t, http.StatusNotFound, "no app nope for local")
	get(t, gw+"/bob/my-app").detail(t, http.StatusNotFound, `"bob"`, `"local"`)
	get(t, gw+"/").detail(t, http.StatusNotFound, "/local/<app>")
	get(t, gw+"/local").detail(t, http.StatusNotFound, "/local/<app>")
	get(t, gw+"/local/").detail(t, http.StatusNotFound, "/local/<app>")
	if n := len(r.records()); n != 0 {
		t.Errorf("%d leases for requests that name no app", n)
	}
}

func TestQueueFullIs503WithRetryAfter(t *testing.T) {
	r := newRouter()
	r.apps["busy"] = []string{echoRunner(t, "main")}
	r.queueFull["busy"] = true
	gw := startGateway(t, r, gateway.Options{RetryAfter: 3 * time.Second})
	a := get(t, gw+"/local/busy")
	a.detail(t, http.StatusServiceUnavailable, "busy", "too many requests waiting")
	if got := a.header.Get("Retry-After"); got != "3" {
		t.Errorf("Retry-After %q", got)
	}
}

func TestRequestTimeoutIs504AndCancelsUpstream(t *testing.T) {
	addr, arrived, cancelled := hangRunner(t)
	r := newRouter()
	r.apps["slow"] = []string{addr}
	r.timeout = 50 * time.Millisecond
	gw := startGateway(t, r, gateway.Options{})

	get(t, gw+"/local/slow").detail(t, http.StatusGatewayTimeout, "slow", "request timeout")
	<-arrived
	<-cancelled
	r.waitReleased(t, 1)
}

func TestUnreachableRunnerIs502(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := lis.Addr().String()
	lis.Close()
	r := newRouter()
	r.apps["gone"] = []string{dead}
	gw := startGateway(t, r, gateway.Options{})
	get(t, gw+"/local/gone").detail(t, http.StatusBadGateway, "runner-"+dead, "gone")
	r.waitReleased(t, 1)
}

func TestBodyTooLarge(t *testing.T) {
	r := newRouter()
	r.apps["my-app"] = []string{echoRunner(t, "main")}
	gw := startGateway(t, r, gateway.Options{MaxBodyBytes: 8})

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, gw+"/local/my-app", strings.NewReader("0123456789"))
	do(t, req).detail(t, http.StatusRequestEntityTooLarge, "8 bytes")
	if n := len(r.records()); n != 0 {
		t.Errorf("an oversized body with a Content-Length took %d leases", n)
	}

	// Without a Content-Length the bound is found while forwarding.
	req, _ = http.NewRequestWithContext(t.Context(), http.MethodPost, gw+"/local/my-app", io.MultiReader(strings.NewReader("0123456789"), bytes.NewReader(nil)))
	req.ContentLength = -1
	do(t, req).detail(t, http.StatusRequestEntityTooLarge, "8 bytes")
	r.waitReleased(t, 1)
}

func TestClientDisconnectReleasesOnceAndCancelsUpstream(t *testing.T) {
	addr, arrived, cancelled := hangRunner(t)
	r := newRouter()
	r.apps["slow"] = []string{addr}
	gw := startGateway(t, r, gateway.Options{})

	cancel, done := getCancellable(t, gw+"/local/slow")
	<-arrived
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: %v", err)
	}
	<-cancelled
	r.waitReleased(t, 1)
}

// getCancellable sends a GET to url in the background: cancel abandons
// it, and done says how it ended.
func getCancellable(t *testing.T, url string) (cancel context.CancelFunc, done <-chan error) {
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	ended := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		ended <- err
	}()
	return cancel, ended
}

func TestCallerLeavingTheQueueTakesNoLease(t *testing.T) {
	r := newRouter()
	r.apps["queued"] = []string{echoRunner(t, "main")}
	r.queue = true
	gw := startGateway(t, r, gateway.Options{})

	cancel, done := getCancellable(t, gw+"/local/queued")
	<-r.queued
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("request cancelled in the queue: %v", err)
	}
	if n := len(r.records()); n != 0 {
		t.Errorf("%d leases", n)
	}
}

func TestConcurrentRequests(t *testing.T) {
	r := newRouter()
	r.apps["my-app"] = []string{echoRunner(t, "a"), echoRunner(t, "b"), echoRunner(t, "c")}
	gw := startGateway(t, r, gateway.Options{})

	const n = 60
	var wg sync.WaitGroup
	runners := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, fmt.Sprintf("%s/local/my-app/item/%d", gw, i), nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var e echo
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Path != fmt.Sprintf("/item/%d", i) {
				t.Errorf("request %d: %+v, %v", i, e, err)
			}
			runners <- e.Runner
		})
	}
	wg.Wait()
	close(runners)
	seen := map[string]int{}
	for name := range runners {
		seen[name]++
	}
	if len(seen) != 3 {
		t.Errorf("requests reached %v, want all three runners", seen)
	}
	r.waitReleased(t, n)
}

// A caller that leaves midway through a streamed answer ends the proxy
// with http.ErrAbortHandler; the lease still comes back once.
func TestCallerLeavingMidResponseReleasesOnce(t *testing.T) {
	cancelled := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "first chunk\n")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
		cancelled <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	r := newRouter()
	r.apps["stream"] = []string{srv.Listener.Addr().String()}
	gw := startGateway(t, r, gateway.Options{})

	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, gw+"/local/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len("first chunk\n"))
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first chunk\n" {
		t.Fatalf("first chunk %q, %v", buf, err)
	}
	cancel()
	resp.Body.Close()
	<-cancelled
	r.waitReleased(t, 1)
}
