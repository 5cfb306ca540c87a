package apitest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ctltest"
	"github.com/faldash/faldash/internal/poll"
	"github.com/faldash/faldash/internal/runnertest"
	"github.com/faldash/faldash/internal/samplerunner"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/localctl"
	"github.com/faldash/faldash/server/supervisor"
)

// TestMain lets the test binary be the runners' program: `<test binary>
// log-runner N ARGS` writes N numbered lines (and a warning on stderr
// every tenth), then is the sample runner with ARGS, which logs every
// request it answers.
func TestMain(m *testing.M) {
	runnertest.Main(m, map[string]func([]string) int{"log-runner": logRunnerMain})
}

func logRunnerMain(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "log-runner N ARGS: no N")
		return 2
	}
	n, err := strconv.Atoi(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for i := 1; i <= n; i++ {
		fmt.Printf("line %05d\n", i)
		if i%10 == 0 {
			fmt.Fprintf(os.Stderr, "warning %05d\n", i)
		}
	}
	return samplerunner.Main(args[1:], os.Getenv, os.Stdout, os.Stderr)
}

// restStack is a real local controller as localctl assembles it (gRPC,
// supervisor, gateway and REST API on loopback ports) and faldash's client
// for it, which learns the account's nickname from /users/current.
type restStack struct {
	t   testing.TB
	ctl *localctl.Controller
	cl  *client.GRPC
	key client.Credentials
}

func startRESTStack(t testing.TB, cfg supervisor.Config) *restStack {
	t.Helper()
	cfg.DefaultGrace = time.Second
	cfg.Interval = 50 * time.Millisecond
	ctl := ctltest.StartController(t, localctl.Options{Gateway: "127.0.0.1:0", REST: "127.0.0.1:0", Supervisor: cfg})
	id, secret := ctl.Server().AdminKey()
	s := &restStack{t: t, ctl: ctl, key: client.Credentials{KeyID: id, KeySecret: secret}}
	s.cl = s.dial(ctl.RESTURL(), nil)
	return s
}

// dial is a client whose REST API is at restURL, with auth (nil: the
// admin key).
func (s *restStack) dial(restURL string, auth client.Authenticator) *client.GRPC {
	s.t.Helper()
	if auth == nil {
		auth = client.KeyAuth(s.key)
	}
	cl, err := client.Dial(client.DialOptions{Addr: s.ctl.Addr(), Auth: auth, Kind: client.TargetLocal,
		GatewayURL: s.ctl.GatewayURL(), RESTURL: restURL})
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { cl.Close() })
	return cl
}

// deploy runs `<test binary> args...` as app in main with one runner and
// returns the runner's id once it serves.
func (s *restStack) deploy(app string, spec client.ScaleSpec, args ...string) client.RunnerID {
	s.t.Helper()
	spec.MinConcurrency, spec.MaxConcurrency = scaling.Int(1), scaling.Int(1)
	runnertest.Deploy(s.t, s.cl, client.DeployRequest{App: app, Scaling: spec}, args...)
	return ctltest.SoleIdleRunner(s.t, s.cl, app)
}

// logRunner deploys a log-runner writing n lines and waits until the
// controller holds them all.
func (s *restStack) logRunner(app string, n int) client.RunnerID {
	s.t.Helper()
	id := s.deploy(app, client.ScaleSpec{}, "log-runner", strconv.Itoa(n), "--grace", "1s")
	last := fmt.Sprintf("line %05d", n)
	waitUntil(s.t, "the runner's lines", func() bool {
		lines, err := readLogs(s.t.Context(), s.cl, id, client.LogQuery{Search: last})
		return err == nil && len(lines) == 1
	})
	return id
}

// get calls app through the gateway, so its runner logs a line naming
// path.
func (s *restStack) get(app, path string) {
	s.t.Helper()
	req, err := http.NewRequestWithContext(s.t.Context(), http.MethodGet, s.ctl.GatewayURL()+"/"+server.DefaultUser+"/"+app+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(s.withKey(req))
	if err != nil {
		s.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body) //nolint:errcheck // only the status matters
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("GET %s through the gateway: %s", path, resp.Status)
	}
}

// withKey adds the admin key to a request for the gateway: the apps are
// private.
func (s *restStack) withKey(req *http.Request) *http.Request {
	req.Header.Set("Authorization", "Key "+s.key.KeyID+":"+s.key.KeySecret)
	return req
}

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	poll.Wait(t, 20*time.Second, 10*time.Millisecond, what, cond)
}

func readLogs(ctx context.Context, cl client.Client, id client.RunnerID, q client.LogQuery) ([]client.LogLine, error) {
	s, err := cl.RunnerLogs(ctx, id, q)
	if err != nil {
		return nil, err
	}
	var out []client.LogLine
	for {
		l, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, l)
	}
}

func messages(lines []client.LogLine) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Message
	}
	return out
}

// recvUntil receives lines until one says want, and returns them all.
func recvUntil(t *testing.T, s client.LogStream, want string) []client.LogLine {
	t.Helper()
	got, err := recvUntilErr(s, want)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func recvUntilErr(s client.LogStream, want string) ([]client.LogLine, error) {
	var got []client.LogLine
	for {
		l, err := s.Recv()
		if err != nil {
			return got, fmt.Errorf("waiting for %q after %q: %w", want, messages(got), err)
		}
		got = append(got, l)
		if strings.Contains(l.Message, want) {
			return got, nil
		}
	}
}

func TestRESTLogsHistory(t *testing.T) {
	s := startRESTStack(t, supervisor.Config{})
	const n = 1500 // two pages of 1000, with the runner's own lines and warnings
	id := s.logRunner("chatty", n)
	ctx := t.Context()

	all, err := readLogs(ctx, s.cl, id, client.LogQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var numbered, warnings []string
	for i, l := range all {
		if i > 0 && !l.Time.After(all[i-1].Time) || l.Time.Location() != time.UTC || l.Source != "user" {
			t.Fatalf("line %d %+v after %+v", i, l, all[max(i-1, 0)])
		}
		switch {
		case strings.HasPrefix(l.Message, "line "):
			numbered = append(numbered, l.Message)
			if l.Level != "stdout" {
				t.Errorf("%q has level %q", l.Message, l.Level)
			}
		case strings.HasPrefix(l.Message, "warning "):
			warnings = append(warnings, l.Message)
			if l.Level != "stderr" {
				t.Errorf("%q has level %q", l.Message, l.Level)
			}
		}
	}
	if len(numbered) != n || len(warnings) != n/10 || !slices.IsSorted(numbered) || !slices.IsSorted(warnings) ||
		numbered[0] != "line 00001" || numbered[n-1] != fmt.Sprintf("line %05d", n) {
		t.Fatalf("%d numbered lines (%q…), %d warnings; every line once and in order expected", len(numbered), numbered[:min(3, len(numbered))], len(warnings))
	}

	for _, tail := range []int{1, 10, 999, 1000, 1001, 1200} {
		got, err := readLogs(ctx, s.cl, id, client.LogQuery{Tail: tail})
		if err != nil || !slices.Equal(messages(got), messages(all[len(all)-tail:])) {
			t.Fatalf("tail %d: %d lines, %v; want the newest %d", tail, len(got), err, tail)
		}
	}

	got, err := readLogs(ctx, s.cl, id, client.LogQuery{Since: all[100].Time, Until: all[1300].Time})
	if err != nil || !slices.Equal(messages(got), messages(all[100:1300])) {
		t.Fatalf("range: %d lines, %v; want lines 100 to 1299", len(got), err)
	}
	got, err = readLogs(ctx, s.cl, id, client.LogQuery{Since: all[100].Time, Until: all[1300].Time, Tail: 5})
	if err != nil || !slices.Equal(messages(got), messages(all[1295:1300])) {
		t.Fatalf("tail of range: %q, %v", messages(got), err)
	}

	got, err = readLogs(ctx, s.cl, id, client.LogQuery{Search: "ARNING 011"})
	want := []string{"warning 01100", "warning 01110", "warning 01120", "warning 01130", "warning 01140",
		"warning 01150", "warning 01160", "warning 01170", "warning 01180", "warning 01190"}
	if err != nil || !slices.Equal(messages(got), want) {
		t.Fatalf("search: %q, %v", messages(got), err)
	}

	_, err = s.cl.RunnerLogs(ctx, "no-such-runner", client.LogQuery{})
	wantKind(t, err, client.ErrNotFound, "no-such-runner")
}

func TestRESTLogsFollow(t *testing.T) {
	s := startRESTStack(t, supervisor.Config{})
	proxy := startCutProxy(t, strings.TrimPrefix(s.ctl.RESTURL(), "http://"))
	cl := s.dial("http://"+proxy.addr(), nil)
	id := s.logRunner("follow-me", 20)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	all, err := readLogs(ctx, s.cl, id, client.LogQuery{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := cl.RunnerLogs(ctx, id, client.LogQuery{Tail: 5, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []client.LogLine
	for range 5 {
		l, err := st.Recv()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, l)
	}
	if !slices.Equal(messages(got), messages(all[len(all)-5:])) {
		t.Fatalf("tail %q, want %q", messages(got), messages(all[len(all)-5:]))
	}

	// Lines written later arrive; then the connection is cut, and the
	// REST API refuses connections for a while (as when it restarts):
	// the lines written meanwhile arrive too, each once.
	var want []string
	step := func(path string) {
		s.get("follow-me", path)
		want = append(want, path)
		got = append(got, recvUntil(t, st, path)...)
	}
	step("/first")
	step("/second")
	proxy.cut()
	step("/after-a-cut")
	proxy.refuse(true)
	proxy.cut()
	s.get("follow-me", "/while-away")
	want = append(want, "/while-away")
	type result struct {
		lines []client.LogLine
		err   error
	}
	away := make(chan result, 1)
	go func() {
		lines, err := recvUntilErr(st, "/while-away")
		away <- result{lines, err}
	}()
	waitUntil(t, "a refused connection", func() bool { return proxy.refused() > 0 })
	proxy.refuse(false)
	r := <-away
	if r.err != nil {
		t.Fatal(r.err)
	}
	got = append(got, r.lines...)
	step("/back")

	var requests []string
	for _, l := range got[5:] {
		if strings.HasPrefix(l.Message, "GET ") {
			requests = append(requests, strings.Fields(l.Message)[1])
		}
	}
	if fmt.Sprint(requests) != fmt.Sprint(quoteAll(want)) {
		t.Fatalf("requests logged %q, want each of %q once", requests, want)
	}
	if n := proxy.connections(); n < 3 {
		t.Fatalf("%d connections through the proxy; the follow did not reconnect", n)
	}
	for i := 1; i < len(got); i++ {
		if !got[i].Time.After(got[i-1].Time) {
			t.Fatalf("line %d (%q) is not after %q", i, got[i].Message, got[i-1].Message)
		}
	}

	// Once the runner has ended, the follow ends after its last lines.
	if err := s.cl.StopRunner(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for {
		l, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("after %q: %v", rest, err)
		}
		rest = append(rest, l.Message)
	}
	if len(rest) == 0 || !strings.Contains(rest[len(rest)-1], "teardown") {
		t.Fatalf("last lines %q; want the runner's teardown", rest)
	}
	info, err := s.cl.RunnerInfo(ctx, id)
	if err != nil || info.EndedAt.IsZero() || !info.EndedAt.After(info.StartedAt) {
		t.Fatalf("runner info after the end: %+v, %v", info, err)
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

func TestRESTLogsFollowEndsWithContext(t *testing.T) {
	s := startRESTStack(t, supervisor.Config{})
	id := s.logRunner("quiet", 3)
	ctx, cancel := context.WithCancel(t.Context())
	st, err := s.cl.RunnerLogs(ctx, id, client.LogQuery{Follow: true, Search: "nothing writes this"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := st.Recv()
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Recv after cancel: %v", err)
	}
}

func TestRESTRunnerInfoAndUser(t *testing.T) {
	s := startRESTStack(t, supervisor.Config{})
	before := time.Now()
	id := s.deploy("info", client.ScaleSpec{}, "log-runner", "0", "--grace", "1s")
	info, err := s.cl.RunnerInfo(t.Context(), id)
	if err != nil || info.ID != id || info.StartedAt.IsZero() || !info.EndedAt.IsZero() ||
		info.StartedAt.Before(before.Add(-time.Second)) || info.StartedAt.After(time.Now()) {
		t.Fatalf("runner info %+v, %v", info, err)
	}
	_, err = s.cl.RunnerInfo(t.Context(), "no-such-runner")
	wantKind(t, err, client.ErrNotFound, "no-such-runner")

	u, err := s.cl.CurrentUser(t.Context())
	if err != nil || u.Nickname != server.DefaultUser || u.UserID == "" || !u.IsPersonal {
		t.Fatalf("current user %+v, %v", u, err)
	}
}

// Requests held by a busy runner wait in the gateway's queue, and
// QueueSize reports them, under the nickname the client learns from
// /users/current.
func TestRESTQueueSizeUnderLoad(t *testing.T) {
	s := startRESTStack(t, supervisor.Config{})
	s.deploy("busy", client.ScaleSpec{MaxMultiplexing: scaling.Int(1)}, "log-runner", "0", "--latency", "1h", "--grace", "1s")
	ctx, cancel := context.WithCancel(t.Context())
	var held sync.WaitGroup
	for i := range 4 {
		held.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/%s/busy/%d", s.ctl.GatewayURL(), server.DefaultUser, i), nil)
			if resp, err := http.DefaultClient.Do(s.withKey(req)); err == nil {
				resp.Body.Close()
			}
		})
	}
	defer held.Wait()
	defer cancel()
	// One request runs; the other three wait.
	waitUntil(t, "three queued requests", func() bool {
		q, err := s.cl.QueueSize(t.Context(), "main", "busy")
		if err != nil {
			t.Fatal(err)
		}
		return q.Size == 3
	})
	cancel()
	waitUntil(t, "an empty queue", func() bool {
		q, err := s.cl.QueueSize(t.Context(), "", "busy")
		return err == nil && q.Size == 0
	})
	_, err := s.cl.QueueSize(t.Context(), "main", "no-app")
	wantKind(t, err, client.ErrNotFound, "no-app")
}

// headerAuth sends fixed REST headers.
type headerAuth http.Header

func (h headerAuth) GRPCMetadata(context.Context) (map[string]string, error) { return nil, nil }
func (h headerAuth) HTTPHeader(context.Context) (http.Header, error)         { return http.Header(h), nil }

func TestRESTAuthErrors(t *testing.T) {
	s := startRESTStack(t, supervisor.Config{})
	ctx := t.Context()
	key := s.key.KeyID + ":" + s.key.KeySecret

	bearer := s.dial(s.ctl.RESTURL(), headerAuth{"Authorization": {"Bearer " + key}})
	if u, err := bearer.CurrentUser(ctx); err != nil || u.Nickname != server.DefaultUser {
		t.Fatalf("with a bearer key: %+v, %v", u, err)
	}
	for _, h := range []http.Header{
		{},
		{"Authorization": {"Key " + s.key.KeyID + ":wrong-secret"}},
		{"Authorization": {"Key " + key[:len(key)-1]}},
	} {
		cl := s.dial(s.ctl.RESTURL(), headerAuth(h))
		_, err := cl.CurrentUser(ctx)
		wantKind(t, err, client.ErrUnauthenticated)
		if strings.Contains(err.Error(), s.key.KeySecret) {
			t.Fatalf("error %q holds the secret", err)
		}
		_, err = cl.RunnerLogs(ctx, "r", client.LogQuery{})
		wantKind(t, err, client.ErrUnauthenticated)
	}
	team := s.dial(s.ctl.RESTURL(), headerAuth{"Authorization": {"Key " + key}, "X-Fal-User-Id": {"someone-else"}})
	_, err := team.QueueSize(ctx, "main", "app")
	wantKind(t, err, client.ErrPermissionDenied, "someone-else")
}

// cutProxy forwards TCP connections to the REST API, and can cut them all
// or refuse new ones, as a network failure or a restarting server would.
type cutProxy struct {
	ln     net.Listener
	target string

	mu        sync.Mutex
	conns     map[net.Conn]bool
	refusing  bool
	accepted  int
	refusedN  int
	forwarded sync.WaitGroup
}

func startCutProxy(t *testing.T, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
		p.forwarded.Wait()
	})
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.refusing {
			p.refusedN++
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.accepted++
		p.mu.Unlock()
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		for _, pair := range [][2]net.Conn{{c, up}, {up, c}} {
			p.forwarded.Go(func() {
				io.Copy(pair[0], pair[1]) //nolint:errcheck // ends when either side closes
				pair[0].Close()
				pair[1].Close()
				p.mu.Lock()
				delete(p.conns, pair[0])
				delete(p.conns, pair[1])
				p.mu.Unlock()
			})
		}
	}
}

// cut closes every connection in flight.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

func (p *cutProxy) refuse(on bool) {
	p.mu.Lock()
	p.refusing = on
	p.mu.Unlock()
}

func (p *cutProxy) refused() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refusedN
}

func (p *cutProxy) connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// BenchmarkRESTLogsHistory10000 reads a runner's 10,000 lines (and its
// 1,000 warnings) from the real controller, in pages of 1,000.
func BenchmarkRESTLogsHistory10000(b *testing.B) {
	s := startRESTStack(b, supervisor.Config{LogLines: 20000})
	id := s.logRunner("bench", 10000)
	ctx := b.Context()
	for b.Loop() {
		lines, err := readLogs(ctx, s.cl, id, client.LogQuery{})
		if err != nil || len(lines) < 11000 {
			b.Fatalf("%d lines, %v", len(lines), err)
		}
	}
}
