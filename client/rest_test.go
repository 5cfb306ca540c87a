package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rotatingAuth hands out a new bearer token on every call, as a session whose
// token is refreshed would, acting as a team.
type rotatingAuth struct {
	n   atomic.Int32
	err error
}

func (a *rotatingAuth) GRPCMetadata(context.Context) (map[string]string, error) { return nil, a.err }

func (a *rotatingAuth) HTTPHeader(context.Context) (http.Header, error) {
	if a.err != nil {
		return nil, a.err
	}
	return http.Header{
		"Authorization": {fmt.Sprintf("Bearer token-%d", a.n.Add(1))},
		"X-Fal-User-Id": {"team-42"},
	}, nil
}

// falREST is an in-test stand-in for fal's REST API that records the
// requests it gets.
type falREST struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newFalREST(t testing.TB, h http.HandlerFunc) *falREST {
	s := &falREST{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Clone(context.Background()))
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *falREST) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.reqs...)
}

// dialREST makes a client whose REST API is url, with a fast retry policy.
func dialREST(t testing.TB, url string, opts DialOptions) *GRPC {
	t.Helper()
	opts.Addr, opts.RESTURL = "127.0.0.1:1", url
	if opts.Auth == nil && opts.Credentials.IsZero() {
		opts.Credentials = testCreds
	}
	return dialFast(t, opts)
}

func wantErrKind(t *testing.T, err error, kind error, says ...string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("want %v, got %v", kind, err)
	}
	for _, s := range says {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
}

func TestRESTHeadersAreAskedForEveryCall(t *testing.T) {
	srv := newFalREST(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"nickname":"acme","user_id":"auth0|u-1","full_name":"Acme Inc","is_personal":false}`)
	})
	auth := &rotatingAuth{}
	g := dialREST(t, srv.URL, DialOptions{Auth: auth})
	for range 2 {
		if _, err := g.CurrentUser(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	reqs := srv.requests()
	for i, r := range reqs {
		if got, want := r.Header.Get("Authorization"), fmt.Sprintf("Bearer token-%d", i+1); got != want {
			t.Errorf("call %d: Authorization %q, want %q", i, got, want)
		}
		if r.Header.Get("X-Fal-User-Id") != "team-42" || r.Header.Get("User-Agent") != "faldash" ||
			r.Header.Get("Accept") != "application/json" || r.Method != http.MethodGet || r.URL.Path != "/users/current" {
			t.Errorf("call %d: %s %s with %v", i, r.Method, r.URL, r.Header)
		}
	}
}

func TestRESTKeyHeader(t *testing.T) {
	srv := newFalREST(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"nickname":"me"}`) })
	g := dialREST(t, srv.URL, DialOptions{Credentials: testCreds})
	if _, err := g.CurrentUser(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := srv.requests()[0].Header.Get("Authorization"); got != "Key key-id-1:key-secret-1" {
		t.Fatalf("Authorization %q", got)
	}
}

func TestCurrentUser(t *testing.T) {
	for _, tc := range []struct{ body, wantID string }{
		{`{"nickname":"ann","user_id":"github|12345","full_name":"Ann B","is_personal":true}`, "12345"},
		{`{"nickname":"ann","user_id":"plain-id","full_name":"Ann B","is_personal":true}`, "plain-id"},
	} {
		srv := newFalREST(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, tc.body) })
		u, err := dialREST(t, srv.URL, DialOptions{}).CurrentUser(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if want := (User{Nickname: "ann", UserID: tc.wantID, FullName: "Ann B", IsPersonal: true}); u != want {
			t.Errorf("user %+v, want %+v", u, want)
		}
	}
}

// A client dialled without the account's nickname learns it from
// /users/current, so endpoint URLs name the real user; one given at Dial
// stands.
func TestTargetLearnsTheNickname(t *testing.T) {
	srv := newFalREST(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"nickname":"ann","user_id":"1","full_name":"Ann","is_personal":true}`)
	})
	g := dialREST(t, srv.URL, DialOptions{})
	if u := g.Target().User; u != "" {
		t.Fatalf("user %q before asking", u)
	}
	if _, err := g.CurrentUser(t.Context()); err != nil {
		t.Fatal(err)
	}
	if u := g.Target().User; u != "ann" {
		t.Errorf("user %q after /users/current, want ann", u)
	}
	if u := dialREST(t, srv.URL, DialOptions{User: "bob"}).Target().User; u != "bob" {
		t.Errorf("user %q, want the one given at Dial", u)
	}
}

func TestRunnerInfo(t *testing.T) {
	srv := newFalREST(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.EscapedPath() {
		case "/runners/alive":
			io.WriteString(w, `{"started_at":"2026-05-06T07:08:09.123456+02:00","ended_at":null}`)
		case "/runners/ended":
			io.WriteString(w, `{"started_at":"2026-05-06T05:08:09Z","ended_at":"2026-05-06T05:09:10.5"}`)
		case "/runners/a%2Fb":
			io.WriteString(w, `{}`)
		case "/runners/bad":
			io.WriteString(w, `{"started_at":"yesterday"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"detail":"Runner not found"}`)
		}
	})
	g := dialREST(t, srv.URL, DialOptions{})
	start := time.Date(2026, 5, 6, 5, 8, 9, 123456000, time.UTC)
	for id, want := range map[RunnerID]RunnerInfo{
		"alive": {ID: "alive", StartedAt: start},
		"ended": {ID: "ended", StartedAt: start.Truncate(time.Second), EndedAt: time.Date(2026, 5, 6, 5, 9, 10, 5e8, time.UTC)},
		"a/b":   {ID: "a/b"},
	} {
		got, err := g.RunnerInfo(t.Context(), id)
		if err != nil || got != want || got.StartedAt.Location() != time.UTC {
			t.Errorf("runner %s: %+v, %v; want %+v", id, got, err, want)
		}
	}
	_, err := g.RunnerInfo(t.Context(), "gone")
	wantErrKind(t, err, ErrNotFound, `runner "gone"`, "Runner not found")
	_, err = g.RunnerInfo(t.Context(), "bad")
	wantErrKind(t, err, errOther, "started_at")

	before := len(srv.requests())
	for _, id := range []RunnerID{"", ".."} {
		_, err = g.RunnerInfo(t.Context(), id)
		wantErrKind(t, err, ErrInvalid)
	}
	if len(srv.requests()) != before {
		t.Fatal("an invalid runner id was sent")
	}
}

// errOther matches errors of kind Other, which has no exported sentinel.
var errOther error = kindSentinel(Other)

func TestQueueSize(t *testing.T) {
	var userCalls atomic.Int32
	srv := newFalREST(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/users/current":
			userCalls.Add(1)
			io.WriteString(w, `{"nickname":"acme"}`)
		case "/applications/acme/my-app--staging/queue":
			io.WriteString(w, `{"size":3,"by_user":{"u1":2,"u2":1}}`)
		case "/applications/acme/old-app/queue", "/applications/local/old-app/queue":
			io.WriteString(w, `{"queue_size":5}`)
		case "/applications/acme/broken/queue":
			io.WriteString(w, `{}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"detail":"Application not found"}`)
		}
	})
	g := dialREST(t, srv.URL, DialOptions{})
	q, err := g.QueueSize(t.Context(), "staging", "my-app")
	if err != nil || q.Size != 3 || q.ByUser["u1"] != 2 || q.ByUser["u2"] != 1 {
		t.Fatalf("queue %+v, %v", q, err)
	}
	if q, err = g.QueueSize(t.Context(), "", "old-app"); err != nil || q.Size != 5 || q.ByUser != nil {
		t.Fatalf("queue of old-app %+v, %v", q, err)
	}
	if n := userCalls.Load(); n != 1 {
		t.Errorf("/users/current asked %d times, want once", n)
	}
	_, err = g.QueueSize(t.Context(), "main", "broken")
	wantErrKind(t, err, errOther, "size")
	_, err = g.QueueSize(t.Context(), "main", "nope")
	wantErrKind(t, err, ErrNotFound, `app "nope" in main`, "Application not found")
	_, err = g.QueueSize(t.Context(), "main", "")
	wantErrKind(t, err, ErrInvalid)

	local := dialREST(t, srv.URL, DialOptions{User: "local"})
	if q, err := local.QueueSize(t.Context(), "main", "old-app"); err != nil || q.Size != 5 {
		t.Fatalf("queue with the target's user: %+v, %v", q, err)
	}
	if n := userCalls.Load(); n != 1 {
		t.Errorf("the target's user known, /users/current was asked anyway")
	}
}

func TestRESTErrors(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		kind   error
		says   []string
		tries  int
	}{
		{401, `{"detail":"Invalid credentials"}`, ErrUnauthenticated, []string{"Invalid credentials"}, 1},
		{403, `{"detail":"Not your team"}`, ErrPermissionDenied, []string{"Not your team"}, 1},
		{404, `{"detail":"User not found"}`, ErrNotFound, []string{"User not found"}, 1},
		{400, `{"detail":"bad\nrequest"}`, ErrInvalid, []string{"bad request"}, 1},
		{422, `{"detail":[{"loc":["query","since"],"msg":"invalid datetime"},{"msg":"field required"}]}`, ErrInvalid, []string{"invalid datetime; field required"}, 1},
		{500, `{"detail":"database down"}`, ErrUnavailable, []string{"500 Internal Server Error", "database down", "127.0.0.1"}, 1},
		{503, `<html>busy</html>`, ErrUnavailable, []string{"503 Service Unavailable"}, 1},
		{418, `{"detail":"short and stout"}`, errOther, []string{"418 I'm a teapot: short and stout"}, 1},
		{409, ``, errOther, []string{"409 Conflict"}, 1},
	} {
		srv := newFalREST(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			io.WriteString(w, tc.body)
		})
		_, err := dialREST(t, srv.URL, DialOptions{}).CurrentUser(t.Context())
		wantErrKind(t, err, tc.kind, append(tc.says, "look up the current user")...)
		if strings.Contains(err.Error(), testCreds.KeySecret) {
			t.Errorf("error %q holds the key's secret", err)
		}
		if n := len(srv.requests()); n != tc.tries {
			t.Errorf("%d: %d tries, want %d", tc.status, n, tc.tries)
		}
	}
}

func TestRESTErrorDetailIsClipped(t *testing.T) {
	srv := newFalREST(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"detail":%q}`, strings.Repeat("é", 1000))
	})
	_, err := dialREST(t, srv.URL, DialOptions{}).CurrentUser(t.Context())
	wantErrKind(t, err, ErrInvalid, "…")
	if len(err.Error()) > maxDetailLen+100 {
		t.Fatalf("error of %d bytes", len(err.Error()))
	}
}

func TestRESTWithoutAddressIsUnsupported(t *testing.T) {
	g, err := Dial(DialOptions{Addr: "127.0.0.1:1", Credentials: testCreds})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ctx := t.Context()
	_, e1 := g.CurrentUser(ctx)
	_, e2 := g.RunnerInfo(ctx, "r")
	_, e3 := g.QueueSize(ctx, "", "app")
	_, e4 := g.RunnerLogs(ctx, "r", LogQuery{})
	for _, err := range []error{e1, e2, e3, e4} {
		wantErrKind(t, err, ErrUnsupported, "FAL_REST_HOST")
	}
}

func TestRESTBadAddress(t *testing.T) {
	for _, u := range []string{"rest.alpha.fal.ai", "ftp://host/", "http://", "http://a b/"} {
		_, err := dialREST(t, u, DialOptions{}).CurrentUser(t.Context())
		wantErrKind(t, err, ErrInvalid, "http")
	}
}

func TestRESTCredentialsFailure(t *testing.T) {
	srv := newFalREST(t, func(w http.ResponseWriter, r *http.Request) {})
	refusal := &Error{Kind: Unauthenticated, Op: "refresh the fal token", Msg: "run fal auth login"}
	g := dialREST(t, srv.URL, DialOptions{Auth: &rotatingAuth{err: refusal}})
	_, err := g.CurrentUser(t.Context())
	wantErrKind(t, err, ErrUnauthenticated, "run fal auth login")
	g = dialREST(t, srv.URL, DialOptions{Auth: &rotatingAuth{err: errors.New("token file unreadable")}})
	_, err = g.RunnerLogs(t.Context(), "r", LogQuery{})
	wantErrKind(t, err, ErrUnauthenticated, "token file unreadable", `logs of runner "r"`)
	if n := len(srv.requests()); n != 0 {
		t.Fatalf("%d requests went out without credentials", n)
	}
}

func TestRESTUnreachable(t *testing.T) {
	srv := newFalREST(t, func(w http.ResponseWriter, r *http.Request) {})
	url := srv.URL
	srv.Close()
	_, err := dialREST(t, url, DialOptions{}).CurrentUser(t.Context())
	wantErrKind(t, err, ErrUnavailable, strings.TrimPrefix(url, "http://"), "refused")
}

func TestRESTCallTimeoutAndCancel(t *testing.T) {
	srv := newFalREST(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	g := dialREST(t, srv.URL, DialOptions{CallTimeout: 50 * time.Millisecond})
	_, err := g.CurrentUser(t.Context())
	wantErrKind(t, err, ErrUnavailable, "in time")
	if n := len(srv.requests()); n != 1 {
		t.Errorf("a timed-out call was tried %d times", n)
	}

	arrived := make(chan struct{}, 1)
	srv = newFalREST(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	g = dialREST(t, srv.URL, DialOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-arrived
		cancel()
	}()
	_, err = g.CurrentUser(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("cancelled call: %v", err)
	}
}

func TestRESTAnswerIsBounded(t *testing.T) {
	srv := newFalREST(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"nickname":"`)
		chunk := strings.Repeat("x", 1<<20)
		for range maxRESTBody>>20 + 1 {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	})
	_, err := dialREST(t, srv.URL, DialOptions{}).CurrentUser(t.Context())
	wantErrKind(t, err, errOther, "larger than 64 MiB")
}
