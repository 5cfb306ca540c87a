package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

func init() {
	Register(Section{Name: "rest-input", Quick: true, Run: probeRESTInput})
}

// restCase is one bad request to the REST API.
type restCase struct {
	name         string
	method, path string // path with its query
	// auth is the Authorization header: "" sends the admin key, "-" none.
	auth string
	// header is more header pairs.
	header []string
	want   []int
}

// probeRESTInput sends bad credentials, ids, times, sizes, paths and
// methods to every endpoint of the REST API.
func probeRESTInput(ctx context.Context, t *Target) (int, int, []string) {
	var tl Tally
	if t.REST == "" {
		tl.Note("skipped: the controller serves no REST API")
		return tl.Result()
	}
	const unknown = "00000000-0000-4000-8000-000000000000"
	long := strings.Repeat("z", 10<<10)
	esc := "\x1b[2J\u202e\u0085"
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	bad, notFound, unauthorized := []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, []int{http.StatusNotFound}, []int{http.StatusUnauthorized}
	var cases []restCase

	// Credentials, on an endpoint that needs nothing else.
	for what, auth := range sortedMap(map[string]string{
		"no Authorization":      "-",
		"an empty scheme":       " ",
		"Key alone":             "Key",
		"Key and a space":       "Key ",
		"Key without a colon":   "Key " + t.KeyID,
		"Key without an id":     "Key :" + t.KeySecret,
		"Key without a secret":  "Key " + t.KeyID + ":",
		"a wrong secret":        "Key " + t.KeyID + ":" + t.KeySecret + "x",
		"an unknown id":         "Key " + unknown + ":" + t.KeySecret,
		"swapped id and secret": "Key " + t.KeySecret + ":" + t.KeyID,
		"Basic":                 "Basic " + t.KeyID + ":" + t.KeySecret,
		"Token":                 "Token " + t.KeyID + ":" + t.KeySecret,
		"a bearer of nothing":   "Bearer",
		"a wrong bearer":        "Bearer " + t.KeyID + ":nope",
		"an 8 KiB secret":       "Key " + t.KeyID + ":" + strings.Repeat("s", 8<<10),
	}) {
		for _, ep := range []struct{ method, path string }{
			{http.MethodGet, "/users/current"},
			{http.MethodPost, "/logs/history?" + q("job_id", unknown)},
			{http.MethodDelete, "/applications/" + t.User + "/app/queue"},
		} {
			cases = append(cases, restCase{name: ep.method + " " + ep.path + " with " + what, method: ep.method, path: ep.path, auth: auth, want: unauthorized})
		}
	}
	cases = append(cases,
		restCase{name: "headers of 32 KiB", method: http.MethodGet, path: "/users/current", header: []string{"X-Pad", strings.Repeat("p", 32<<10)},
			want: []int{http.StatusRequestHeaderFieldsTooLarge}},
		restCase{name: "X-Fal-User-Id of another account", method: http.MethodGet, path: "/users/current", header: []string{"X-Fal-User-Id", "someone-else"},
			want: []int{http.StatusForbidden}},
		restCase{name: "X-Fal-User-Id with a bidi override", method: http.MethodGet, path: "/users/current", header: []string{"X-Fal-User-Id", "team\u202e"},
			want: []int{http.StatusForbidden}},
	)

	// Logs: job ids, times, sizes and search texts.
	for _, ep := range []string{"/logs/history", "/logs/stream"} {
		for what, query := range sortedMap(map[string]string{
			"no job_id":                   "",
			"an empty job_id":             q("job_id", ""),
			"a job_id with escapes":       q("job_id", esc),
			"a job_id of 10 KiB":          q("job_id", long),
			"a job_id that is a path":     q("job_id", "../../admin.key"),
			"since yesterday":             q("job_id", unknown, "since", "yesterday"),
			"since month 13":              q("job_id", unknown, "since", "2026-13-01T00:00:00Z"),
			"since as a Unix time":        q("job_id", unknown, "since", "1700000000"),
			"since with escapes":          q("job_id", unknown, "since", esc),
			"until of 10 KiB":             q("job_id", unknown, "until", long),
			"until before since":          q("job_id", unknown, "since", "2026-01-02T00:00:00Z", "until", "2026-01-01T00:00:00Z"),
			"a search of 10 KiB":          q("job_id", unknown, "search", long),
			"since with a bidi override":  q("job_id", unknown, "since", "2026-01-02T00:00:00\u202eZ"),
			"an until with a C1 control":  q("job_id", unknown, "until", "2026-01-02T00:00:00Z\u0085"),
			"since with a 40-digit year":  q("job_id", unknown, "since", strings.Repeat("9", 40)+"-01-01T00:00:00Z"),
			"an until of only a space":    q("job_id", unknown, "until", " "),
			"a job_id with a C1 control":  q("job_id", "r\u009b31m"),
			"a job_id with a NUL byte":    q("job_id", "r\x00"),
			"a job_id with a line break":  q("job_id", "r\nX-Injected: 1"),
			"a job_id of only a percent":  "job_id=%25",
			"a job_id escaped twice":      "job_id=%252e%252e%252f",
			"a job_id with a bad escape":  "job_id=%zz",
			"since with a bad escape":     "job_id=" + unknown + "&since=%zz",
			"two job_ids, the first good": q("job_id", unknown) + "&job_id=%1b",
		}) {
			want := bad
			if what == "two job_ids, the first good" {
				want = notFound
			}
			cases = append(cases, restCase{name: "POST " + ep + " with " + what, method: http.MethodPost, path: ep + "?" + query, want: want})
		}
		cases = append(cases, restCase{name: "POST " + ep + " of no runner", method: http.MethodPost, path: ep + "?" + q("job_id", unknown), want: notFound})
	}
	for _, size := range []string{"0", "-1", "1001", "abc", "1e3", "99999999999999999999", "0x10", " 5", esc} {
		cases = append(cases, restCase{name: "page_size " + size, method: http.MethodPost, path: "/logs/history?" + q("job_id", unknown, "page_size", size), want: bad})
	}

	// Runners.
	for _, id := range []string{esc, long, "a b", "%2e%2e", "id\u202e"} {
		cases = append(cases, restCase{name: "GET /runners/" + id, method: http.MethodGet, path: "/runners/" + url.PathEscape(id), want: []int{http.StatusBadRequest, http.StatusNotFound}})
	}
	cases = append(cases, restCase{name: "GET a runner that does not exist", method: http.MethodGet, path: "/runners/" + unknown, want: notFound})

	// Queues.
	app := "/applications/" + t.User + "/no-such-app/queue"
	cases = append(cases,
		restCase{name: "GET the queue of another user", method: http.MethodGet, path: "/applications/someone-else/app/queue", want: notFound},
		restCase{name: "GET the queue of a user with escapes", method: http.MethodGet, path: "/applications/" + url.PathEscape(esc) + "/app/queue", want: notFound},
		restCase{name: "GET the queue of an app with escapes", method: http.MethodGet, path: "/applications/" + t.User + "/" + url.PathEscape(esc) + "/queue", want: notFound},
		restCase{name: "GET the queue of an app of 10 KiB", method: http.MethodGet, path: "/applications/" + t.User + "/" + long + "/queue", want: notFound},
		restCase{name: "GET the queue of no app", method: http.MethodGet, path: app, want: notFound},
		restCase{name: "by_user=maybe", method: http.MethodGet, path: app + "?" + q("by_user", "maybe"), want: bad},
		restCase{name: "by_user with escapes", method: http.MethodGet, path: app + "?" + q("by_user", esc), want: bad},
		restCase{name: "DELETE with a caller_user_id of 10 KiB", method: http.MethodDelete, path: app + "?" + q("caller_user_id", long), want: bad},
		restCase{name: "DELETE the queue of no app", method: http.MethodDelete, path: app, want: notFound},
	)

	// Paths and methods.
	methodNotAllowed := []int{http.StatusMethodNotAllowed}
	cases = append(cases,
		restCase{name: "GET /logs/history", method: http.MethodGet, path: "/logs/history?" + q("job_id", unknown), want: methodNotAllowed},
		restCase{name: "POST /users/current", method: http.MethodPost, path: "/users/current", want: methodNotAllowed},
		restCase{name: "PUT a queue", method: http.MethodPut, path: app, want: methodNotAllowed},
		restCase{name: "PATCH /runners/id", method: http.MethodPatch, path: "/runners/" + unknown, want: methodNotAllowed},
		restCase{name: "an unknown path with escapes", method: http.MethodGet, path: "/" + url.PathEscape(esc), want: notFound},
		restCase{name: "an unknown path of 10 KiB", method: http.MethodGet, path: "/" + long, want: notFound},
		restCase{name: "a path that climbs", method: http.MethodGet, path: "/users/%2e%2e/%2e%2e/admin.key", want: notFound},
	)

	client := &http.Client{Timeout: callTimeout}
	for _, c := range cases {
		before, err := t.snapshot(ctx)
		if err != nil {
			tl.Check(Quote(c.name), false, "%v", err)
			continue
		}
		problem := t.restCall(ctx, client, c)
		if after, err := t.snapshot(ctx); err != nil {
			problem = strings.TrimPrefix(problem+"; "+err.Error(), "; ")
		} else if !bytes.Equal(before, after) {
			problem = strings.TrimPrefix(problem+"; the listings changed", "; ")
		}
		tl.Check(Quote(c.name), problem == "", "%s", problem)
	}
	return tl.Result()
}

// restCall sends c and says what is wrong with the answer, "" when
// nothing is.
func (t *Target) restCall(ctx context.Context, client *http.Client, c restCase) string {
	req, err := http.NewRequestWithContext(ctx, c.method, t.REST+c.path, nil)
	if err != nil {
		return err.Error()
	}
	switch c.auth {
	case "":
		req.Header.Set("Authorization", t.AuthHeader())
	case "-":
	default:
		req.Header.Set("Authorization", c.auth)
	}
	for i := 0; i+1 < len(c.header); i += 2 {
		req.Header.Set(c.header[i], c.header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err.Error()
	}
	var problems []string
	if resp.StatusCode < 300 {
		problems = append(problems, fmt.Sprintf("accepted (%d)", resp.StatusCode))
	} else if !slices.Contains(c.want, resp.StatusCode) {
		problems = append(problems, fmt.Sprintf("answered %d, want %v", resp.StatusCode, c.want))
	}
	// The detail as a client shows it: JSON-decoded when it is JSON.
	msg := string(body)
	var e struct {
		Detail string `json:"detail"`
	}
	if json.Unmarshal(body, &e) == nil && e.Detail != "" {
		msg = e.Detail
	}
	problems = append(problems, judgeEcho(strings.TrimSuffix(msg, "\n"))...)
	if strings.Contains(msg, t.KeySecret) {
		problems = append(problems, "the answer quotes the key's secret")
	}
	if len(problems) > 0 {
		return strings.Join(problems, "; ") + ": " + Quote(msg)
	}
	return ""
}
