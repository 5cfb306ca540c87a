package rest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ctltest"
	"github.com/faldash/faldash/internal/poll"
	"github.com/faldash/faldash/internal/runnertest"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/gateway"
	"github.com/faldash/faldash/server/localctl"
	"github.com/faldash/faldash/server/supervisor"
)

// TestMain lets the test binary be the runners' program.
func TestMain(m *testing.M) {
	runnertest.Main(m, map[string]func([]string) int{"chatter": chatter})
}

// chatter is a runner that writes "line 001" to "line N" on stdout and a
// warning on stderr every tenth line, then serves on PORT, writing each
// request's ?say= text as a line, and says "bye" on SIGTERM.
func chatter(args []string) int {
	n, err := strconv.Atoi(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for i := 1; i <= n; i++ {
		fmt.Printf("line %03d\n", i)
		if i%10 == 0 {
			fmt.Fprintf(os.Stderr, "warning at line %03d\n", i)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if say := r.URL.Query().Get("say"); say != "" {
			fmt.Println(say)
		}
	}))
	<-ctx.Done()
	fmt.Println("bye")
	return 0
}

// stack is a real local controller (gRPC, supervisor, gateway and REST
// API on loopback ports, as localctl assembles them) with a client.
type stack struct {
	t     *testing.T
	ctl   *localctl.Controller
	cl    *client.GRPC
	admin string // "id:secret"
	api   string // the REST API's base URL
}

func startStack(t *testing.T, cfg supervisor.Config) *stack {
	t.Helper()
	if cfg.DefaultGrace == 0 {
		cfg.DefaultGrace = time.Second
	}
	if cfg.Interval == 0 {
		cfg.Interval = 50 * time.Millisecond
	}
	c, cl := ctltest.Start(t, localctl.Options{Gateway: "127.0.0.1:0", REST: "127.0.0.1:0", Supervisor: cfg})
	id, secret := c.Server().AdminKey()
	return &stack{t: t, ctl: c, cl: cl, admin: id + ":" + secret, api: c.RESTURL()}
}

// readOnlyKey adds a key like the one runners get and returns it.
func (s *stack) readOnlyKey() string {
	s.t.Helper()
	k := server.Key{ID: "viewer", Secret: "viewer-secret-0123456789", Scope: server.ScopeReadOnly}
	if err := s.ctl.Server().Keys().Add(k); err != nil {
		s.t.Fatal(err)
	}
	return k.ID + ":" + k.Secret
}

// deploy runs argv (after the test binary) as app in main with spec.
func (s *stack) deploy(app string, spec scaling.Spec, args ...string) {
	s.t.Helper()
	// Public, so that a request through the gateway may come without a
	// key, as gateway.AnonymousCaller: a second caller beside the
	// controller's one account.
	public := client.AuthPublic
	runnertest.Deploy(s.t, s.cl, client.DeployRequest{App: app, Scaling: spec, AuthMode: &public}, args...)
}

// idleRunner waits for app's one IDLE runner and returns its id.
func (s *stack) idleRunner(app string) string {
	s.t.Helper()
	return string(ctltest.SoleIdleRunner(s.t, s.cl, app))
}

// one is min = max = 1 runner.
func one() scaling.Spec {
	return scaling.Spec{MinConcurrency: scaling.Int(1), MaxConcurrency: scaling.Int(1)}
}

// reply is an HTTP answer, read in full.
type reply struct {
	code   int
	header http.Header
	body   []byte
}

// call sends method path (with its query) to the REST API with
// `Authorization: auth` ("" sends none) and extra header pairs.
func (s *stack) call(method, path, auth string, header ...string) reply {
	s.t.Helper()
	req, err := http.NewRequestWithContext(s.t.Context(), method, s.api+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return reply{code: resp.StatusCode, header: resp.Header, body: body}
}

// asAdmin calls as the admin key, in fal's Key form.
func (s *stack) asAdmin(method, path string) reply {
	s.t.Helper()
	return s.call(method, path, "Key "+s.admin)
}

// json decodes the body into v after checking the status.
func (r reply) json(t *testing.T, code int, v any) {
	t.Helper()
	if r.code != code {
		t.Fatalf("status %d, want %d: %s", r.code, code, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// detail checks an error answer: its status and that its detail says
// what it should.
func (r reply) detail(t *testing.T, code int, says string) {
	t.Helper()
	var e struct {
		Detail *string `json:"detail"`
	}
	r.json(t, code, &e)
	if e.Detail == nil || !strings.Contains(*e.Detail, says) {
		t.Errorf("detail %s, want one saying %q", r.body, says)
	}
}

// item is a log item as the API sends it.
type item struct {
	Timestamp string `json:"timestamp"`
	Level     string `json:"level"`
	Message   string `json:"message"`
	Source    string `json:"source"`
	JobID     string `json:"job_id"`
}

type page struct {
	Items     []item  `json:"items"`
	NextUntil *string `json:"next_until"`
}

// history fetches one page of /logs/history with params.
func (s *stack) history(params url.Values) page {
	s.t.Helper()
	var p page
	s.asAdmin(http.MethodPost, "/logs/history?"+params.Encode()).json(s.t, http.StatusOK, &p)
	return p
}

// allLogs pages through runner id's logs in range as fal's CLI does,
// newest page first, and returns them oldest first.
func (s *stack) allLogs(id string, pageSize int, params url.Values) (items []item, pages int) {
	s.t.Helper()
	var newestFirst [][]item
	q := url.Values{"job_id": {id}, "page_size": {strconv.Itoa(pageSize)}}
	for k, v := range params {
		q[k] = v
	}
	for {
		p := s.history(q)
		newestFirst = append(newestFirst, p.Items)
		if p.NextUntil == nil {
			break
		}
		if len(newestFirst) > 1000 {
			s.t.Fatal("paging does not end")
		}
		q.Set("until", *p.NextUntil)
	}
	for i := len(newestFirst) - 1; i >= 0; i-- {
		items = append(items, newestFirst[i]...)
	}
	return items, len(newestFirst)
}

func messages(items []item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Message
	}
	return out
}

// stampOf parses a timestamp of the API.
func stampOf(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// sse reads server-sent events.
type sse struct {
	resp *http.Response
	r    *bufio.Reader
}

// event is one event, or a comment.
type event struct {
	name, data, comment string
}

// stream opens /logs/stream with params.
func (s *stack) stream(ctx context.Context, base string, params url.Values) *sse {
	s.t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/logs/stream?"+params.Encode(), nil)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.admin)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(resp.Body)
		s.t.Fatalf("stream: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return &sse{resp: resp, r: bufio.NewReader(resp.Body)}
}

// next returns the next event or comment; io.EOF when the stream ended.
func (e *sse) next() (event, error) {
	var ev event
	for {
		line, err := e.r.ReadString('\n')
		if err != nil {
			if err == io.EOF && line == "" && ev == (event{}) {
				return ev, io.EOF
			}
			return ev, fmt.Errorf("stream cut mid-event (%q): %w", line, err)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if ev != (event{}) {
				return ev, nil
			}
		case strings.HasPrefix(line, ":"):
			ev.comment = strings.TrimSpace(line[1:])
		case strings.HasPrefix(line, "event: "):
			ev.name = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[len("data: "):]
		default:
			return ev, fmt.Errorf("unexpected line %q", line)
		}
	}
}

// item reads events until a data event and decodes it, skipping
// comments.
func (e *sse) item(t *testing.T) item {
	t.Helper()
	for {
		ev, err := e.next()
		if err != nil {
			t.Fatal(err)
		}
		if ev.comment != "" {
			continue
		}
		if ev.name != "" {
			t.Fatalf("event %q: %s", ev.name, ev.data)
		}
		var it item
		if err := json.Unmarshal([]byte(ev.data), &it); err != nil {
			t.Fatalf("decode %q: %v", ev.data, err)
		}
		return it
	}
}

const waitLimit = 30 * time.Second

// eventually polls cond until it holds, failing the test at waitLimit.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	poll.Wait(t, waitLimit, 20*time.Millisecond, what, cond)
}

// hold sends a request through the gateway that stays until cancel is
// called; the channel gets its status and body (status 0 when cancelled).
// The gateway names the caller by its key: with the admin key for
// server.DefaultUser, with none for gateway.AnonymousCaller.
func (s *stack) hold(path, caller string) (<-chan reply, context.CancelFunc) {
	ctx, cancel := context.WithCancel(s.t.Context())
	ch := make(chan reply, 1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.ctl.GatewayURL()+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if caller != gateway.AnonymousCaller {
		req.Header.Set("Authorization", "Key "+s.admin)
	}
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			ch <- reply{}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		ch <- reply{code: resp.StatusCode, body: b}
	}()
	return ch, cancel
}
