package rest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/faldash/faldash/server/rest"
	"github.com/faldash/faldash/server/supervisor"
)

// Bad parameters are refused with 400 (or 404 for what names nothing),
// and whatever of them an error quotes back is escaped and short.
func TestBadParametersAreRefusedAndNotEchoedRaw(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	long := strings.Repeat("z", 10000)
	esc := "\x1b[2J\u202e\u0085"
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	cases := []struct {
		method, path string
		code         int
		says         string
	}{
		{http.MethodPost, "/logs/history?" + q("job_id", esc), http.StatusBadRequest, "job_id names no runner"},
		{http.MethodPost, "/logs/history?" + q("job_id", long), http.StatusBadRequest, "job_id names no runner"},
		{http.MethodPost, "/logs/stream?" + q("job_id", "../../etc"), http.StatusBadRequest, "job_id names no runner"},
		{http.MethodPost, "/logs/history?" + q("job_id", "r1", "search", long), http.StatusBadRequest, "over the limit of 1024"},
		{http.MethodPost, "/logs/history?" + q("job_id", "r1", "since", esc), http.StatusBadRequest, `since: "\x1b`},
		{http.MethodPost, "/logs/history?" + q("job_id", "r1", "until", long), http.StatusBadRequest, "(10000 bytes)"},
		{http.MethodPost, "/logs/history?" + q("job_id", "r1", "page_size", esc), http.StatusBadRequest, "page_size"},
		{http.MethodPost, "/logs/history?" + q("job_id", "r1", "page_size", "1e3"), http.StatusBadRequest, "page_size"},
		{http.MethodGet, "/runners/" + url.PathEscape(esc), http.StatusBadRequest, "no runner has that id"},
		{http.MethodGet, "/runners/" + long, http.StatusBadRequest, "no runner has that id"},
		{http.MethodGet, "/applications/" + url.PathEscape(esc) + "/app/queue", http.StatusNotFound, `no user "\x1b`},
		{http.MethodGet, "/applications/local/" + url.PathEscape(esc) + "/queue", http.StatusNotFound, `no app "\x1b`},
		{http.MethodGet, "/applications/local/app/queue?" + q("by_user", esc), http.StatusBadRequest, "by_user"},
		{http.MethodDelete, "/applications/local/app/queue?" + q("caller_user_id", long), http.StatusBadRequest, "caller_user_id"},
		{http.MethodGet, "/" + url.PathEscape(esc), http.StatusNotFound, `no such path: "/\x1b`},
		{http.MethodPut, "/users/" + url.PathEscape(esc), http.StatusNotFound, "no such path"},
		// url.Values would drop these, and the parameter read as absent.
		{http.MethodPost, "/logs/history?job_id=r1&since=%zz", http.StatusBadRequest, "malformed query"},
		{http.MethodGet, "/applications/local/app/queue?by_user=%", http.StatusBadRequest, "malformed query"},
	}
	for _, c := range cases {
		r := s.asAdmin(c.method, c.path)
		var e struct{ Detail string }
		if err := json.Unmarshal(r.body, &e); err != nil || r.code != c.code {
			t.Errorf("%s %.80s: %d %s, want %d", c.method, c.path, r.code, r.body, c.code)
			continue
		}
		if !strings.Contains(e.Detail, c.says) {
			t.Errorf("%s %.80s: detail %q, want one saying %q", c.method, c.path, e.Detail, c.says)
		}
		if len(e.Detail) > 300 || strings.ContainsAny(e.Detail, "\x1b\u202e\u0085") {
			t.Errorf("%s %.80s: detail echoes the input: %q", c.method, c.path, e.Detail)
		}
	}
	r := s.call(http.MethodGet, "/users/current", "Key "+s.admin, rest.UserIDHeader, "team\u202e")
	r.detail(t, http.StatusForbidden, `"team\u202e"`)
}
