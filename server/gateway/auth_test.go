package gateway_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/server/gateway"
)

// fakeKeys maps "id:secret" to the key's account.
type fakeKeys map[string]string

func (k fakeKeys) KeyOwner(id, secret string) (string, bool) {
	a, ok := k[id+":"+secret]
	return a, ok
}

func TestParseAuthorization(t *testing.T) {
	for _, tc := range []struct {
		h, id, secret string
		ok            bool
	}{
		{"Key abc:def", "abc", "def", true},
		{"key abc:def", "abc", "def", true},
		{"Bearer abc:def", "abc", "def", true},
		{"  Key   abc:de:f  ", "abc", "de:f", true},
		{"Key abc", "", "", false},
		{"Key :def", "", "", false},
		{"Key abc:", "", "", false},
		{"Basic abc:def", "", "", false},
		{"abc:def", "", "", false},
		{"", "", "", false},
	} {
		id, secret, ok := gateway.ParseAuthorization(tc.h)
		if ok != tc.ok || (ok && (id != tc.id || secret != tc.secret)) {
			t.Errorf("ParseAuthorization(%q) = %q, %q, %v; want %q, %q, %v", tc.h, id, secret, ok, tc.id, tc.secret, tc.ok)
		}
	}
}

// authCase is one caller of the auth matrix: the headers it sends.
type authCase struct {
	name   string
	header map[string]string
	// account is who the gateway should take the caller for ("" for
	// nobody); refusal is what a 401 says when the app needs a key.
	account string
	refusal string
}

var authCallers = []authCase{
	{name: "no key", refusal: "send Authorization: Key"},
	{name: "malformed", header: map[string]string{"Authorization": "Key nocolon"}, refusal: "malformed credentials"},
	{name: "wrong secret", header: map[string]string{"Authorization": "Key owner-id:wrong"}, refusal: "invalid credentials"},
	{name: "unknown key", header: map[string]string{"Authorization": "Key nobody:secret"}, refusal: "invalid credentials"},
	{name: "owner key", header: map[string]string{"Authorization": "Key owner-id:owner-secret"}, account: "local"},
	{name: "owner bearer", header: map[string]string{"Authorization": "Bearer owner-id:owner-secret"}, account: "local"},
	{name: "other account's key", header: map[string]string{"Authorization": "Key other-id:other-secret"}, account: "someone-else", refusal: "private to local"},
	// A caller who names an identity in the header runners read gets
	// none: identity comes from the key alone.
	{name: "caller id header", header: map[string]string{gateway.CallerIDHeader: "local"}, refusal: "send Authorization: Key"},
	{name: "caller id header with another's key", header: map[string]string{gateway.CallerIDHeader: "local", "Authorization": "Key other-id:other-secret"}, account: "someone-else", refusal: "private to local"},
}

// TestAuthModes is fal's rule for each auth mode and caller: a public app
// answers anyone, a shared one any valid key, a private one only keys of
// its owner; everything else is a 401 with a JSON detail, takes no lease,
// and reaches no runner.
func TestAuthModes(t *testing.T) {
	r := newRouter()
	modes := map[string]falpb.ApplicationAuthMode{
		"private": falpb.ApplicationAuthMode_PRIVATE,
		"shared":  falpb.ApplicationAuthMode_SHARED,
		"public":  falpb.ApplicationAuthMode_PUBLIC,
		// A mode this gateway does not know is treated as private.
		"future": falpb.ApplicationAuthMode(7),
	}
	for alias, m := range modes {
		r.apps[alias] = []string{echoRunner(t, alias)}
		r.modes[alias] = m
	}
	gw := startGateway(t, r, gateway.Options{Keys: fakeKeys{"owner-id:owner-secret": "local", "other-id:other-secret": "someone-else"}})

	leases := 0
	for _, alias := range []string{"private", "shared", "public", "future"} {
		mode := modes[alias]
		for _, c := range authCallers {
			var admitted bool
			switch mode {
			case falpb.ApplicationAuthMode_PUBLIC:
				admitted = true
			case falpb.ApplicationAuthMode_SHARED:
				admitted = c.account != ""
			default:
				admitted = c.account == "local"
			}
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, gw+"/local/"+alias+"/x", nil)
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			a := do(t, req)
			what := fmt.Sprintf("%s app, %s", alias, c.name)
			if !admitted {
				if a.code != http.StatusUnauthorized || !strings.Contains(string(a.body), c.refusal) || a.header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s: %d %s, want 401 saying %q with WWW-Authenticate", what, a.code, a.body, c.refusal)
				}
				a.detail(t, http.StatusUnauthorized)
				continue
			}
			leases++
			e := a.echo(t)
			want := c.account
			if want == "" {
				// Only a public app takes a caller without a valid key.
				want = gateway.AnonymousCaller
			}
			if e.Caller != want || e.Authorization != "" {
				t.Errorf("%s: runner saw caller %q and Authorization %q; want caller %q and no key", what, e.Caller, e.Authorization, want)
			}
		}
	}
	r.waitReleased(t, leases)
	for _, l := range r.records() {
		if l.info.CallerUserID == "" {
			t.Errorf("lease %+v names no caller", l.info)
		}
	}
}

// Without Keys no key is valid, so only public apps answer.
func TestNoKeysServesOnlyPublicApps(t *testing.T) {
	r := newRouter()
	r.apps["private"] = []string{echoRunner(t, "private")}
	r.modes["private"] = falpb.ApplicationAuthMode_PRIVATE
	r.apps["public"] = []string{echoRunner(t, "public")}
	gw := startGateway(t, r, gateway.Options{})

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, gw+"/local/private", nil)
	req.Header.Set("Authorization", "Key a:b")
	do(t, req).detail(t, http.StatusUnauthorized, "invalid credentials")
	if e := get(t, gw+"/local/public").echo(t); e.Caller != gateway.AnonymousCaller {
		t.Errorf("public app saw caller %q", e.Caller)
	}
	r.waitReleased(t, 1)
}

// An unknown app is 404 whoever asks.
func TestUnknownAppIs404WithoutAKey(t *testing.T) {
	r := newRouter()
	gw := startGateway(t, r, gateway.Options{Keys: fakeKeys{}})
	get(t, gw+"/local/nope").detail(t, http.StatusNotFound, "no app nope")
}
