package client

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"
)

// restServer stands in for fal's REST API: /users/teams for a bearer
// token, /users/current for a key. It records each request's headers.
type restServer struct {
	*httptest.Server
	bearer, key string // the Authorization each endpoint accepts
	teams       []map[string]any
	current     map[string]any

	mu      sync.Mutex
	headers map[string]http.Header // by path
}

func newRESTServer(t *testing.T, bearer, key string) *restServer {
	s := &restServer{
		bearer: "Bearer " + bearer, key: "Key " + key,
		headers: map[string]http.Header{},
		teams: []map[string]any{
			{"nickname": "zeta", "user_id": "u-zeta", "full_name": "Zeta Co", "is_personal": false, "lock_reason": nil},
			{"nickname": "me", "user_id": "github|42", "full_name": "Me Myself", "is_personal": true, "lock_reason": nil},
			{"nickname": "Acme", "user_id": "u-acme", "full_name": "Acme Inc", "is_personal": false},
			{"nickname": "old", "user_id": "u-old", "full_name": "Old Team", "is_personal": false,
				"lock_reason": "This account has been archived. Please contact support@fal.ai."},
			{"nickname": "frozen", "user_id": "u-frozen", "full_name": "Frozen", "is_personal": false, "lock_reason": "Unpaid invoices"},
		},
		current: map[string]any{"nickname": "keyowner", "user_id": "u-key", "full_name": "Key Owner", "is_personal": true, "is_locked": false},
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.headers[r.URL.Path] = r.Header.Clone()
		s.mu.Unlock()
		var want string
		var body any
		switch r.URL.Path {
		case "/users/teams":
			want, body = s.bearer, s.teams
		case "/users/current":
			want, body = s.key, s.current
		default:
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != want {
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]string{"detail": "Not authenticated"})
			return
		}
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *restServer) header(path string) http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.headers[path]
}

// cloudFixture is a home with fal's config and a signed-in user's token,
// fal's REST API and auth endpoint stood in by test servers.
type cloudFixture struct {
	home   string
	access string
	rest   *restServer
	auth   *authServer
	env    map[string]string
}

func newCloudFixture(t *testing.T, configTOML string) *cloudFixture {
	t.Helper()
	f := &cloudFixture{home: t.TempDir()}
	// exp is far ahead of the real clock: Connect runs on time.Now.
	f.access = makeJWT(t, "me", time.Now().Add(48*time.Hour))
	writeFile(t, filepath.Join(f.home, ".fal", "auth0_token"), "r1\n"+f.access)
	writeFile(t, filepath.Join(f.home, ".fal", "config.toml"), configTOML+"\n[p]\nkey = \"pid:psecret\"\n")
	f.rest = newRESTServer(t, f.access, "kid:ksecret")
	f.auth = newAuthServer(t, grant("never", ""))
	f.env = map[string]string{"FAL_REST_HOST": strings.TrimPrefix(f.rest.URL, "http://"), "FALDASH_AUTH_URL": f.auth.URL}
	return f
}

func (f *cloudFixture) resolve(t *testing.T, extra map[string]string) CloudConfig {
	t.Helper()
	env := map[string]string{}
	for k, v := range f.env {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := ResolveCloud(envOf(env), f.home)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// callMetadata makes one real gRPC call with s's credentials and returns
// the metadata the controller received.
func callMetadata(t *testing.T, s Session) metadata.MD {
	t.Helper()
	fake := newFake()
	g := dialFake(t, fake, DialOptions{Auth: s.Auth})
	if _, err := g.ListEnvironments(t.Context()); err != nil {
		t.Fatal(err)
	}
	return fake.lastMD()
}

// credentialMD keeps the metadata entries that carry credentials.
func credentialMD(md metadata.MD) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"authorization", "auth-key", "auth-key-id", "fal-user-id"} {
		if v := md.Get(k); len(v) > 0 {
			out[k] = strings.Join(v, ",")
		}
	}
	return out
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestKeyPrecedenceOnTheWire(t *testing.T) {
	f := newCloudFixture(t, "[__internal__]\nprofile = \"p\"")
	tests := []struct {
		name string
		env  map[string]string
		want map[string]string
	}{
		{
			name: "FAL_KEY over the profile and the pair",
			env:  map[string]string{"FAL_KEY": "kid:ksecret", "FAL_KEY_ID": "xid", "FAL_KEY_SECRET": "xsecret"},
			want: map[string]string{"auth-key-id": "kid", "auth-key": "ksecret"},
		},
		{
			name: "the profile's key over the pair",
			env:  map[string]string{"FAL_KEY_ID": "xid", "FAL_KEY_SECRET": "xsecret"},
			want: map[string]string{"auth-key-id": "pid", "auth-key": "psecret"},
		},
		{
			name: "the pair without FAL_KEY or a profile",
			env:  map[string]string{"FAL_PROFILE": "none", "FAL_KEY_ID": "xid", "FAL_KEY_SECRET": "xsecret"},
			want: map[string]string{"auth-key-id": "xid", "auth-key": "xsecret"},
		},
		{
			name: "no key: the signed-in user's token",
			env:  map[string]string{"FAL_PROFILE": "none"},
			want: map[string]string{"authorization": "Bearer " + f.access},
		},
		{
			name: "FAL_FORCE_AUTH_BY_USER=1: the token, whatever keys there are",
			env:  map[string]string{"FAL_FORCE_AUTH_BY_USER": "1", "FAL_KEY": "kid:ksecret", "FAL_KEY_ID": "xid", "FAL_KEY_SECRET": "xsecret"},
			want: map[string]string{"authorization": "Bearer " + f.access},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := f.resolve(t, tt.env).Connect(t.Context(), "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := credentialMD(callMetadata(t, s)); !sameMap(got, tt.want) {
				t.Errorf("credentials sent = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConnectSignedInAsPersonalAccount(t *testing.T) {
	f := newCloudFixture(t, "")
	s, err := f.resolve(t, nil).Connect(t.Context(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := User{Nickname: "me", UserID: "github|42", FullName: "Me Myself", IsPersonal: true}
	if s.Account != want || s.AccountErr != nil || s.Warning != "" {
		t.Errorf("session = %+v", s)
	}
	if got := f.rest.header("/users/teams").Get("Authorization"); got != "Bearer "+f.access {
		t.Errorf("/users/teams sent Authorization %q", got)
	}
	if got := credentialMD(callMetadata(t, s)); !sameMap(got, map[string]string{"authorization": "Bearer " + f.access}) {
		t.Errorf("personal account sent %v", got)
	}
	h, err := s.Auth.HTTPHeader(t.Context())
	if err != nil || h.Get("Authorization") != "Bearer "+f.access || h.Get("X-Fal-User-Id") != "" {
		t.Errorf("REST header = %v, %v", h, err)
	}
}

func TestConnectAsTeam(t *testing.T) {
	f := newCloudFixture(t, "[__internal__]\nteam = \"zeta\"")
	tests := []struct {
		name, flag, wantNick, wantID string
	}{
		{"saved team", "", "zeta", "u-zeta"},
		{"--team beats the saved one, case-insensitively", "ACME", "Acme", "u-acme"},
		{"--team naming the personal account sends no team id", "Me", "me", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := f.resolve(t, nil).Connect(t.Context(), tt.flag, nil)
			if err != nil {
				t.Fatal(err)
			}
			if s.Account.Nickname != tt.wantNick || s.Warning != "" {
				t.Errorf("session = %+v", s)
			}
			want := map[string]string{"authorization": "Bearer " + f.access}
			if tt.wantID != "" {
				want["fal-user-id"] = tt.wantID
			}
			if got := credentialMD(callMetadata(t, s)); !sameMap(got, want) {
				t.Errorf("gRPC credentials = %v, want %v", got, want)
			}
			h, err := s.Auth.HTTPHeader(t.Context())
			if err != nil || h.Get("Authorization") != "Bearer "+f.access || h.Get("X-Fal-User-Id") != tt.wantID {
				t.Errorf("REST header = %v, %v", h, err)
			}
		})
	}
}

func TestConnectUnknownTeamListsTheKnownOnes(t *testing.T) {
	f := newCloudFixture(t, "")
	for _, team := range []string{"nosuch", "old"} { // an archived team is not offered
		_, err := f.resolve(t, nil).Connect(t.Context(), team, nil)
		if err == nil {
			t.Fatalf("team %q: no error", team)
		}
		if want := `team "` + team + `" not found; the signed-in user can act as: me, Acme, frozen, zeta`; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q, want %q", err, want)
		}
	}
}

func TestConnectWithKeyIgnoresTeam(t *testing.T) {
	f := newCloudFixture(t, "[__internal__]\nteam = \"zeta\"")
	cfg := f.resolve(t, map[string]string{"FAL_KEY": "kid:ksecret"})

	s, err := cfg.Connect(t.Context(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Account.Nickname != "keyowner" || s.AccountErr != nil {
		t.Errorf("account = %+v, %v", s.Account, s.AccountErr)
	}
	if want := `Ignoring team "zeta" because a key is used (FAL_KEY). The key belongs to Key Owner: keyowner - u-key.`; s.Warning != want {
		t.Errorf("warning = %q, want %q", s.Warning, want)
	}
	if got := f.rest.header("/users/current").Get("Authorization"); got != "Key kid:ksecret" {
		t.Errorf("/users/current sent Authorization %q", got)
	}
	if got := credentialMD(callMetadata(t, s)); !sameMap(got, map[string]string{"auth-key-id": "kid", "auth-key": "ksecret"}) {
		t.Errorf("key call sent %v", got)
	}
	h, err := s.Auth.HTTPHeader(t.Context())
	if err != nil || h.Get("X-Fal-User-Id") != "" || h.Get("Authorization") != "Key kid:ksecret" {
		t.Errorf("REST header = %v, %v", h, err)
	}

	s, err = cfg.Connect(t.Context(), "KeyOwner", nil)
	if err != nil || s.Warning != "" {
		t.Errorf("the key's own account as team: %q, %v", s.Warning, err)
	}
	if n := f.auth.posts.Load(); n != 0 {
		t.Errorf("%d token refreshes with a key", n)
	}
}

func TestConnectWithKeyWhenRESTIsUnreachable(t *testing.T) {
	f := newCloudFixture(t, "")
	f.rest.Close()
	s, err := f.resolve(t, map[string]string{"FAL_KEY": "kid:ksecret"}).Connect(t.Context(), "acme", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.AccountErr == nil || s.Account.Nickname != "" || s.Auth == nil {
		t.Errorf("session = %+v", s)
	}
	if !strings.Contains(s.Warning, `Ignoring team "acme"`) {
		t.Errorf("warning = %q", s.Warning)
	}
	if strings.Contains(s.AccountErr.Error(), "ksecret") || strings.Contains(s.Warning, "ksecret") {
		t.Errorf("secret shown: %v / %q", s.AccountErr, s.Warning)
	}
}

func TestConnectSignedInFailures(t *testing.T) {
	t.Run("teams unreachable without a team: no account, no error", func(t *testing.T) {
		f := newCloudFixture(t, "")
		f.rest.Close()
		s, err := f.resolve(t, nil).Connect(t.Context(), "", nil)
		if err != nil || s.AccountErr == nil || s.Auth == nil {
			t.Errorf("session = %+v, %v", s, err)
		}
	})
	t.Run("teams unreachable with a team: an error", func(t *testing.T) {
		f := newCloudFixture(t, "")
		f.rest.Close()
		if _, err := f.resolve(t, nil).Connect(t.Context(), "acme", nil); err == nil || !strings.Contains(err.Error(), `team "acme"`) {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("teams refuse the token: the detail is shown", func(t *testing.T) {
		f := newCloudFixture(t, "")
		f.env["FAL_REST_HOST"] = strings.TrimPrefix(newRESTServer(t, "other", "kid:ksecret").URL, "http://")
		_, err := f.resolve(t, nil).Connect(t.Context(), "acme", nil)
		if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "Not authenticated") {
			t.Errorf("error = %v", err)
		}
		if strings.Contains(err.Error(), f.access) {
			t.Errorf("error shows the token: %v", err)
		}
	})
	t.Run("a token that cannot be refreshed: an error saying to sign in", func(t *testing.T) {
		f := newCloudFixture(t, "")
		writeFile(t, filepath.Join(f.home, ".fal", "auth0_token"), "r1\n"+makeJWT(t, "me", time.Now().Add(-time.Hour)))
		f.env["FALDASH_AUTH_URL"] = newAuthServer(t, func(w http.ResponseWriter, _ url.Values) {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}`))
		}).URL
		_, err := f.resolve(t, nil).Connect(t.Context(), "", nil)
		if err == nil || !strings.Contains(err.Error(), "fal auth login") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("nothing at all", func(t *testing.T) {
		cfg, err := ResolveCloud(envOf(nil), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cfg.Connect(t.Context(), "", nil); !errors.Is(err, ErrNoCredentials) {
			t.Errorf("error = %v", err)
		}
	})
}
