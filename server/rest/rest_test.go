package rest_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/runnertest"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/gateway"
	"github.com/faldash/faldash/server/rest"
	"github.com/faldash/faldash/server/supervisor"
)

type account struct {
	UserID     string `json:"user_id"`
	Nickname   string `json:"nickname"`
	FullName   string `json:"full_name"`
	IsPersonal bool   `json:"is_personal"`
	IsLocked   bool   `json:"is_locked"`
}

func TestAuthentication(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	viewer := s.readOnlyKey()
	id, secret, _ := strings.Cut(s.admin, ":")

	for _, tc := range []struct {
		name, auth string
		code       int
		says       string
	}{
		{"no header", "", http.StatusUnauthorized, "no credentials"},
		{"unknown scheme", "Basic " + s.admin, http.StatusUnauthorized, "malformed credentials"},
		{"no secret", "Key " + id, http.StatusUnauthorized, "malformed credentials"},
		{"wrong secret", "Key " + id + ":" + secret + "x", http.StatusUnauthorized, "invalid credentials"},
		{"unknown id", "Key nobody:" + secret, http.StatusUnauthorized, "invalid credentials"},
	} {
		r := s.call(http.MethodGet, "/users/current", tc.auth)
		r.detail(t, tc.code, tc.says)
		if r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tc.name)
		}
		if strings.Contains(string(r.body), secret) {
			t.Errorf("%s: the answer repeats the secret: %s", tc.name, r.body)
		}
	}
	for _, auth := range []string{"Key " + s.admin, "Bearer " + s.admin, "bearer " + s.admin, "Key " + viewer} {
		var me account
		s.call(http.MethodGet, "/users/current", auth).json(t, http.StatusOK, &me)
		if me.Nickname != server.DefaultUser {
			t.Errorf("%q: current user %+v", auth, me)
		}
	}
	// Unknown paths answer only an authenticated caller.
	s.call(http.MethodGet, "/no/such/path", "").detail(t, http.StatusUnauthorized, "no credentials")

	// The one account may be named; another may not.
	s.call(http.MethodGet, "/users/current", "Key "+s.admin, rest.UserIDHeader, server.DefaultUser).json(t, http.StatusOK, &account{})
	s.call(http.MethodGet, "/users/current", "Key "+s.admin, rest.UserIDHeader, "some-team").detail(t, http.StatusForbidden, `"some-team"`)
}

func TestUsers(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	want := account{UserID: "local", Nickname: "local", FullName: "local", IsPersonal: true}
	var me account
	s.asAdmin(http.MethodGet, "/users/current").json(t, http.StatusOK, &me)
	if me != want {
		t.Errorf("current user %+v, want %+v", me, want)
	}
	var teams []account
	s.asAdmin(http.MethodGet, "/users/teams").json(t, http.StatusOK, &teams)
	if !slices.Equal(teams, []account{want}) {
		t.Errorf("teams %+v, want the personal account only", teams)
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	s.asAdmin(http.MethodGet, "/nope").detail(t, http.StatusNotFound, "no such path: /nope")
	s.asAdmin(http.MethodGet, "/runners/a/b").detail(t, http.StatusNotFound, "no such path")
	r := s.asAdmin(http.MethodGet, "/logs/history?job_id=x")
	r.detail(t, http.StatusMethodNotAllowed, "POST")
	if r.header.Get("Allow") != http.MethodPost {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
	r = s.asAdmin(http.MethodPost, "/applications/local/app/queue")
	r.detail(t, http.StatusMethodNotAllowed, "use DELETE or GET")
	s.asAdmin(http.MethodGet, "/runners/no-such-runner").detail(t, http.StatusNotFound, "Runner no-such-runner not found")
	for _, path := range []string{"/logs/history?job_id=no-such-runner", "/logs/stream?job_id=no-such-runner"} {
		s.asAdmin(http.MethodPost, path).detail(t, http.StatusNotFound, "Runner no-such-runner not found")
	}
}

var stampFormat = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)

// The lines chatter writes for n.
func chatterLines(n int) (stdout, stderr []string) {
	for i := 1; i <= n; i++ {
		stdout = append(stdout, fmt.Sprintf("line %03d", i))
		if i%10 == 0 {
			stderr = append(stderr, fmt.Sprintf("warning at line %03d", i))
		}
	}
	return stdout, stderr
}

// byLevel keeps the messages of one level.
func byLevel(items []item, level string) []string {
	var out []string
	for _, it := range items {
		if it.Level == level {
			out = append(out, it.Message)
		}
	}
	return out
}

// chatty deploys a runner that wrote n lines and serves, and waits until
// every line is kept.
func (s *stack) chatty(n int) string {
	s.t.Helper()
	s.deploy("chatty", one(), "chatter", fmt.Sprint(n))
	id := s.idleRunner("chatty")
	out, errs := chatterLines(n)
	eventually(s.t, "every line kept", func() bool {
		p := s.history(url.Values{"job_id": {id}, "page_size": {"1000"}})
		return len(p.Items) == len(out)+len(errs)
	})
	return id
}

func TestLogHistoryPaging(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	id := s.chatty(25)
	wantOut, wantErr := chatterLines(25)

	whole := s.history(url.Values{"job_id": {id}})
	if whole.NextUntil != nil || len(whole.Items) != 27 {
		t.Fatalf("default page: %d items, next_until %v", len(whole.Items), whole.NextUntil)
	}
	for _, size := range []int{1, 4, 7, 27, 100} {
		items, pages := s.allLogs(id, size, nil)
		if !slices.Equal(messages(items), messages(whole.Items)) {
			t.Errorf("page size %d: %q\nwant %q", size, messages(items), messages(whole.Items))
		}
		if want := (27 + size - 1) / size; pages != want {
			t.Errorf("page size %d: %d pages, want %d", size, pages, want)
		}
	}
	if got := byLevel(whole.Items, "stdout"); !slices.Equal(got, wantOut) {
		t.Errorf("stdout lines %q, want %q", got, wantOut)
	}
	if got := byLevel(whole.Items, "stderr"); !slices.Equal(got, wantErr) {
		t.Errorf("stderr lines %q, want %q", got, wantErr)
	}
	var prev time.Time
	for _, it := range whole.Items {
		if !stampFormat.MatchString(it.Timestamp) || it.Source != "user" || it.JobID != id {
			t.Errorf("item %+v", it)
		}
		ts := stampOf(t, it.Timestamp)
		if !ts.After(prev) {
			t.Errorf("%q at %s, not after the line before it (%s)", it.Message, it.Timestamp, prev)
		}
		prev = ts
	}

	// A page is the newest lines in range, oldest first, and next_until
	// is its oldest line's time.
	p := s.history(url.Values{"job_id": {id}, "page_size": {"3"}})
	if got, want := messages(p.Items), messages(whole.Items[24:]); !slices.Equal(got, want) {
		t.Errorf("newest page %q, want %q", got, want)
	}
	if p.NextUntil == nil || *p.NextUntil != whole.Items[24].Timestamp {
		t.Errorf("next_until %v, want %s", p.NextUntil, whole.Items[24].Timestamp)
	}
}

func TestLogHistorySearchAndRange(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	id := s.chatty(25)
	whole := s.history(url.Values{"job_id": {id}})
	at := func(msg string) time.Time {
		for _, it := range whole.Items {
			if it.Message == msg {
				return stampOf(t, it.Timestamp)
			}
		}
		t.Fatalf("no line %q", msg)
		return time.Time{}
	}

	items, _ := s.allLogs(id, 2, url.Values{"search": {"LINE 01"}})
	if want := []string{"line 010", "warning at line 010", "line 011", "line 012", "line 013", "line 014", "line 015", "line 016", "line 017", "line 018", "line 019"}; !slices.Equal(sortedMessages(items), sortedStrings(want)) {
		t.Errorf("search: %q", messages(items))
	}

	// since is inclusive and until exclusive, in each form fal's CLI and
	// others send: Python's isoformat ("+00:00", a fraction or none) and
	// "Z".
	// inRange is what whole holds in [since, until).
	inRange := func(since, until time.Time) []string {
		var out []string
		for _, it := range whole.Items {
			ts := stampOf(t, it.Timestamp)
			if !ts.Before(since) && (until.IsZero() || ts.Before(until)) {
				out = append(out, it.Message)
			}
		}
		return out
	}
	since, until := at("line 005"), at("line 008")
	python := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000-07:00") }
	for _, tc := range []struct{ since, until string }{
		{since.Format(time.RFC3339Nano), until.Format(time.RFC3339Nano)},
		{python(since), python(until)},
		{strings.Replace(python(since), "+", " ", 1), python(until)}, // a "+" sent unescaped
	} {
		items, _ := s.allLogs(id, 2, url.Values{"since": {tc.since}, "until": {tc.until}})
		got := messages(items)
		if !slices.Equal(got, inRange(since, until)) || !slices.Equal(byLevel(items, "stdout"), []string{"line 005", "line 006", "line 007"}) {
			t.Errorf("since %s until %s: %q", tc.since, tc.until, got)
		}
	}
	// Whole seconds, as isoformat writes a time without microseconds.
	second := since.Truncate(time.Second)
	items, _ = s.allLogs(id, 1000, url.Values{"since": {second.Format("2006-01-02T15:04:05+00:00")}})
	if got, want := messages(items), inRange(second, time.Time{}); !slices.Equal(got, want) || len(got) < 27-5 {
		t.Errorf("since %s: %q, want %q", second, got, want)
	}
	items, _ = s.allLogs(id, 5, url.Values{"until": {python(since)}, "search": {"line 00"}})
	if got := messages(items); !slices.Equal(got, []string{"line 001", "line 002", "line 003", "line 004"}) {
		t.Errorf("until line 5: %q", got)
	}

	for _, tc := range []struct{ query, says string }{
		{"page_size=7", "job_id is required"},
		{"job_id=" + id + "&page_size=0", "page_size must be an integer from 1 to 1000"},
		{"job_id=" + id + "&page_size=1001", "page_size must be"},
		{"job_id=" + id + "&page_size=ten", "page_size must be"},
		{"job_id=" + id + "&since=yesterday", "since: \"yesterday\" is not an ISO-8601 time"},
		{"job_id=" + id + "&until=2026-13-01T00:00:00Z", "until:"},
		{"job_id=" + id + "&since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "until (2026-01-01T00:00:00Z) is before since"},
	} {
		s.asAdmin(http.MethodPost, "/logs/history?"+tc.query).detail(t, http.StatusBadRequest, tc.says)
	}
}

func sortedMessages(items []item) []string { return sortedStrings(messages(items)) }

func sortedStrings(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// A follow sends the kept lines from since, then live ones, and ends
// when the runner does.
func TestLogStreamFollowsUntilTheRunnerEnds(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	id := s.chatty(12)
	whole := s.history(url.Values{"job_id": {id}})
	since := whole.Items[10].Timestamp // line 010's warning or line 011

	st := s.stream(t.Context(), s.api, url.Values{"job_id": {id}, "since": {since}})
	for _, want := range whole.Items[10:] {
		if got := st.item(t); got != want {
			t.Errorf("kept line %+v, want %+v", got, want)
		}
	}
	// Live lines, written through the gateway while the stream is open.
	for _, say := range []string{"first live line", "second live line"} {
		resp, err := http.Get(s.ctl.GatewayURL() + "/local/chatty/?say=" + url.QueryEscape(say))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := st.item(t); got.Message != say || got.Level != "stdout" || got.JobID != id {
			t.Errorf("live line %+v, want %q", got, say)
		}
	}
	if err := s.cl.StopRunner(t.Context(), client.RunnerID(id), false); err != nil {
		t.Fatal(err)
	}
	if got := st.item(t); got.Message != "bye" {
		t.Errorf("last line %+v, want bye", got)
	}
	for {
		ev, err := st.next()
		if err == io.EOF {
			break
		}
		if err != nil || ev.comment == "" {
			t.Fatalf("after the runner ended: %+v, %v", ev, err)
		}
	}
}

// A follow with until ends there though the runner lives on, and one
// with a search sends only what matches.
func TestLogStreamUntilAndSearch(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	id := s.chatty(12)
	whole := s.history(url.Values{"job_id": {id}})

	st := s.stream(t.Context(), s.api, url.Values{"job_id": {id}, "until": {whole.Items[3].Timestamp}})
	var got []string
	for {
		ev, err := st.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.data != "" {
			got = append(got, ev.data)
		}
	}
	if len(got) != 3 {
		t.Errorf("until the 4th line: %d lines: %q", len(got), got)
	}

	st = s.stream(t.Context(), s.api, url.Values{"job_id": {id}, "search": {"WARNING"}})
	if it := st.item(t); it.Message != "warning at line 010" || it.Level != "stderr" {
		t.Errorf("search: %+v", it)
	}
}

// A silent stream sends comments, so proxies keep it open, and the
// server's shutdown ends it with an error event.
func TestLogStreamKeepaliveAndShutdown(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	id := s.chatty(1)
	srv := rest.New(rest.Options{
		Auth: s.ctl.Server(), User: server.DefaultUser, Runners: s.ctl.Supervisor(), Queues: s.ctl.Supervisor(),
		KeepaliveEvery: 10 * time.Millisecond,
	})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()

	st := s.stream(t.Context(), "http://"+lis.Addr().String(), url.Values{"job_id": {id}})
	if it := st.item(t); it.Message != "line 001" {
		t.Errorf("first line %+v", it)
	}
	ev, err := st.next()
	if err != nil || ev.comment != "keepalive" {
		t.Fatalf("after a silence: %+v, %v", ev, err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Errorf("serve after close: %v", err)
	}
	for {
		ev, err := st.next()
		if err != nil {
			t.Fatalf("the stream ended without an error event: %v", err)
		}
		if ev.name == "error" {
			if !strings.Contains(ev.data, "shutting down") {
				t.Errorf("error event %q", ev.data)
			}
			break
		}
	}
	if _, err := st.next(); err != io.EOF {
		t.Errorf("after the error event: %v", err)
	}
}

type runnerInfo struct {
	RunnerID  string  `json:"runner_id"`
	App       string  `json:"app"`
	State     string  `json:"state"`
	StartedAt *string `json:"started_at"`
	EndedAt   *string `json:"ended_at"`
}

func TestRunnerInfo(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	id := s.chatty(3)
	var info runnerInfo
	s.asAdmin(http.MethodGet, "/runners/"+id).json(t, http.StatusOK, &info)
	if info.RunnerID != id || info.App != "chatty" || info.State != "IDLE" || info.StartedAt == nil || info.EndedAt != nil {
		t.Fatalf("live runner %+v", info)
	}
	first := s.history(url.Values{"job_id": {id}}).Items[0]
	if !stampFormat.MatchString(*info.StartedAt) || stampOf(t, *info.StartedAt).After(stampOf(t, first.Timestamp)) {
		t.Errorf("started_at %s, first line at %s", *info.StartedAt, first.Timestamp)
	}

	if err := s.cl.KillRunner(t.Context(), client.RunnerID(id)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "ended_at", func() bool {
		s.asAdmin(http.MethodGet, "/runners/"+id).json(t, http.StatusOK, &info)
		return info.EndedAt != nil
	})
	if info.State != "TERMINATED" || !stampFormat.MatchString(*info.EndedAt) {
		t.Errorf("ended runner %+v", info)
	}
	// fal's CLI reads the logs up to ended_at, exclusive: every line is
	// before it.
	items, _ := s.allLogs(id, 1000, url.Values{"since": {*info.StartedAt}, "until": {*info.EndedAt}})
	all := s.history(url.Values{"job_id": {id}})
	if len(items) != len(all.Items) || len(items) < 3 {
		t.Errorf("%d lines between started_at and ended_at, %d in all", len(items), len(all.Items))
	}
}

type queue struct {
	Size   int            `json:"size"`
	ByUser map[string]int `json:"by_user"`
}

// Requests waiting for a runner's one slot are the app's queue; a flush
// answers them 503.
func TestQueue(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	viewer := s.readOnlyKey()
	spec := one()
	spec.MaxMultiplexing = scaling.Int(1)
	s.deploy("slow", spec, "sample-runner", "--grace", "1s", "--latency", "1h")
	s.idleRunner("slow")

	var q queue
	s.asAdmin(http.MethodGet, "/applications/local/slow/queue").json(t, http.StatusOK, &q)
	if q.Size != 0 || q.ByUser != nil {
		t.Errorf("idle queue %+v", q)
	}

	running, cancelRunning := s.hold("/local/slow", "local")
	defer cancelRunning()
	eventually(t, "the slot taken", func() bool {
		rs, err := s.cl.ListAppRunners(t.Context(), "", "slow", client.RunnerQuery{})
		return err == nil && len(rs) == 1 && rs[0].InFlight == 1
	})
	type held struct {
		ch     <-chan reply
		caller string
	}
	var waiting []held
	for _, caller := range []string{"local", gateway.AnonymousCaller, "local"} {
		ch, cancel := s.hold("/local/slow", caller)
		defer cancel()
		waiting = append(waiting, held{ch, caller})
	}
	eventually(t, "three requests queued", func() bool {
		s.call(http.MethodGet, "/applications/local/slow/queue?by_user=true", "Key "+viewer).json(t, http.StatusOK, &q)
		return q.Size == 3
	})
	if want := map[string]int{"local": 2, gateway.AnonymousCaller: 1}; fmt.Sprint(q.ByUser) != fmt.Sprint(want) {
		t.Errorf("by_user %v, want %v", q.ByUser, want)
	}

	s.asAdmin(http.MethodGet, "/applications/local/nope/queue").detail(t, http.StatusNotFound, `no app "nope"`)
	s.asAdmin(http.MethodGet, "/applications/local/slow--staging/queue").detail(t, http.StatusNotFound, "no app")
	s.asAdmin(http.MethodGet, "/applications/someone/slow/queue").detail(t, http.StatusNotFound, `no user "someone"`)
	s.asAdmin(http.MethodGet, "/applications/local/slow/queue?by_user=maybe").detail(t, http.StatusBadRequest, "by_user")
	s.call(http.MethodDelete, "/applications/local/slow/queue", "Key "+viewer).detail(t, http.StatusForbidden, "read-only")

	var flushed struct{ Flushed int }
	s.asAdmin(http.MethodDelete, "/applications/local/slow/queue?caller_user_id=local").json(t, http.StatusOK, &flushed)
	if flushed.Flushed != 2 {
		t.Errorf("flushed %d of local's requests, want 2", flushed.Flushed)
	}
	for _, h := range waiting {
		if h.caller != "local" {
			continue
		}
		r := <-h.ch
		if r.code != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "flush") {
			t.Errorf("a flushed request got %d %s", r.code, r.body)
		}
	}
	q = queue{}
	s.asAdmin(http.MethodGet, "/applications/local/slow/queue?by_user=1").json(t, http.StatusOK, &q)
	if q.Size != 1 || q.ByUser[gateway.AnonymousCaller] != 1 || len(q.ByUser) != 1 {
		t.Errorf("after flushing local's: %+v", q)
	}
	s.asAdmin(http.MethodDelete, "/applications/local/slow/queue").json(t, http.StatusOK, &flushed)
	if r := <-waiting[1].ch; flushed.Flushed != 1 || r.code != http.StatusServiceUnavailable {
		t.Errorf("flush all: %d flushed; the anonymous request got %d", flushed.Flushed, r.code)
	}
	q = queue{}
	s.asAdmin(http.MethodGet, "/applications/local/slow/queue").json(t, http.StatusOK, &q)
	if q.Size != 0 || q.ByUser != nil {
		t.Errorf("after the flush: %+v", q)
	}
	// The request a runner holds is not queued, and no flush touches it.
	select {
	case r := <-running:
		t.Errorf("the running request ended: %d %s", r.code, r.body)
	default:
	}
}

// An app of another environment is reached by its full alias.
func TestQueueOfAnotherEnvironment(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	if _, err := s.cl.CreateEnvironment(t.Context(), "staging", ""); err != nil {
		t.Fatal(err)
	}
	runnertest.Deploy(t, s.cl, client.DeployRequest{App: "calm", Env: "staging", Scaling: scaling.Spec{MinConcurrency: scaling.Int(0)}}, "sample-runner")
	var q queue
	s.asAdmin(http.MethodGet, "/applications/local/calm--staging/queue").json(t, http.StatusOK, &q)
	if q.Size != 0 {
		t.Errorf("queue %+v", q)
	}
	s.asAdmin(http.MethodGet, "/applications/local/calm/queue").detail(t, http.StatusNotFound, "no app")
}
