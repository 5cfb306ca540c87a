package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// tokenNow is the fake clock of the token tests.
var tokenNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// makeJWT builds an unsigned-looking JWT whose payload carries exp (none
// when exp is zero) and sub, to tell tokens apart.
func makeJWT(t testing.TB, sub string, exp time.Time) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	claims := map[string]any{"sub": sub}
	if !exp.IsZero() {
		claims["exp"] = exp.Unix()
	}
	return enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(claims) + ".c2lnbmF0dXJl"
}

// authServer stands in for fal's auth endpoint. Each POST /oauth/token is
// counted and checked, then answered by answer.
type authServer struct {
	*httptest.Server
	posts  atomic.Int32
	mu     sync.Mutex
	forms  []url.Values
	answer func(w http.ResponseWriter, form url.Values)
}

func newAuthServer(t *testing.T, answer func(w http.ResponseWriter, form url.Values)) *authServer {
	a := &authServer{answer: answer}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/oauth/token" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.posts.Add(1)
		a.mu.Lock()
		a.forms = append(a.forms, r.PostForm)
		a.mu.Unlock()
		a.answer(w, r.PostForm)
	}))
	t.Cleanup(a.Close)
	return a
}

// grant answers a refresh with access and, when not "", a rotated refresh
// token.
func grant(access, refresh string) func(http.ResponseWriter, url.Values) {
	return func(w http.ResponseWriter, _ url.Values) {
		ans := map[string]string{"access_token": access, "id_token": "x", "token_type": "Bearer"}
		if refresh != "" {
			ans["refresh_token"] = refresh
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(ans)
	}
}

// writeTokens writes a token file as fal does.
func writeTokens(t testing.TB, home string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(home, tokenFile), []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readTokens(t testing.TB, home string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(home, tokenFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantTokenFile wants the token file in home to hold exactly want.
func wantTokenFile(t testing.TB, home, want string) {
	t.Helper()
	if got := readTokens(t, home); got != want {
		t.Errorf("token file = %q, want %q", got, want)
	}
}

// testTokenAuth is a TokenAuth on home and srv with a clock the test moves.
func testTokenAuth(home, authURL string) (*TokenAuth, *atomic.Int64) {
	var now atomic.Int64
	now.Store(tokenNow.UnixNano())
	a := NewTokenAuth(home, authURL, nil)
	a.now = func() time.Time { return time.Unix(0, now.Load()) }
	return a, &now
}

func TestTokenStillValidIsUsedWithoutRefresh(t *testing.T) {
	srv := newAuthServer(t, grant("never", ""))
	home := t.TempDir()
	access := makeJWT(t, "a1", tokenNow.Add(31*time.Minute))
	writeTokens(t, home, "r1", access)
	a, _ := testTokenAuth(home, srv.URL)

	md, err := a.GRPCMetadata(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(md) != 1 || md["authorization"] != "Bearer "+access {
		t.Errorf("metadata = %v", md)
	}
	h, err := a.HTTPHeader(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || h.Get("Authorization") != "Bearer "+access {
		t.Errorf("header = %v", h)
	}
	if n := srv.posts.Load(); n != 0 {
		t.Errorf("%d refreshes of a valid token", n)
	}
	wantTokenFile(t, home, "r1\n"+access)
}

func TestExpiredTokenRefreshesOnceAndIsWrittenBack(t *testing.T) {
	fresh := makeJWT(t, "a2", tokenNow.Add(24*time.Hour))
	for _, tt := range []struct {
		name, rotated, wantFile string
	}{
		{"rotated refresh token replaces the old", "r2", "r2\n" + fresh},
		{"no refresh token in the answer keeps the old", "", "r1\n" + fresh},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t, grant(fresh, tt.rotated))
			home := t.TempDir()
			// 29 minutes left: inside fal's 30-minute margin, so expired.
			writeTokens(t, home, "r1", makeJWT(t, "a1", tokenNow.Add(29*time.Minute)))
			if err := os.Chmod(filepath.Join(home, tokenFile), 0o640); err != nil {
				t.Fatal(err)
			}
			a, _ := testTokenAuth(home, srv.URL)

			for range 3 {
				tok, err := a.Token(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if tok != fresh {
					t.Fatalf("token = %q, want the refreshed one", tok)
				}
			}
			if n := srv.posts.Load(); n != 1 {
				t.Errorf("%d refresh calls, want 1", n)
			}
			want := url.Values{"grant_type": {"refresh_token"}, "client_id": {"TwXR51Vz8JbY8GUUMy6EyuVR0fTO7N4N"}, "refresh_token": {"r1"}}
			if got := srv.forms[0]; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("refresh form = %v, want %v", got, want)
			}
			wantTokenFile(t, home, tt.wantFile)
			fi, err := os.Stat(filepath.Join(home, tokenFile))
			if err != nil || fi.Mode().Perm() != 0o640 {
				t.Errorf("file mode = %v, %v; want it kept at 0640", fi.Mode(), err)
			}
			if leftovers, _ := filepath.Glob(filepath.Join(home, tokenFile+".*")); len(leftovers) != 0 {
				t.Errorf("temporary files left: %v", leftovers)
			}
		})
	}
}

func TestTokenWithoutAccessLineOrGarbageRefreshes(t *testing.T) {
	fresh := makeJWT(t, "a2", tokenNow.Add(time.Hour))
	for name, lines := range map[string][]string{
		"refresh token only (just after fal auth login)": {"r1"},
		"access token not a JWT":                         {"r1", "garbage"},
		"exp not a number":                               {"r1", "e30." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":"soon"}`)) + ".x"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newAuthServer(t, grant(fresh, ""))
			home := t.TempDir()
			writeTokens(t, home, lines...)
			a, _ := testTokenAuth(home, srv.URL)
			if tok, err := a.Token(t.Context()); err != nil || tok != fresh {
				t.Fatalf("Token = %q, %v", tok, err)
			}
			wantTokenFile(t, home, "r1\n"+fresh)
		})
	}
}

func TestTokenWithoutExpNeverLapses(t *testing.T) {
	srv := newAuthServer(t, grant("never", ""))
	home := t.TempDir()
	access := makeJWT(t, "a1", time.Time{})
	writeTokens(t, home, "r1", access)
	a, now := testTokenAuth(home, srv.URL)
	now.Add(int64(1000 * time.Hour))
	if tok, err := a.Token(t.Context()); err != nil || tok != access {
		t.Fatalf("Token = %q, %v", tok, err)
	}
	if n := srv.posts.Load(); n != 0 {
		t.Errorf("%d refreshes", n)
	}
}

func TestRefreshFailureChangesNothing(t *testing.T) {
	stale := makeJWT(t, "a1", tokenNow.Add(-time.Hour))
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name   string
		answer func(http.ResponseWriter, url.Values)
		url    string // overrides the server's
		want   []string
	}{
		{
			name: "refused with an error description",
			answer: func(w http.ResponseWriter, _ url.Values) {
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, `{"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}`)
			},
			want: []string{"403", "Unknown or invalid refresh token."},
		},
		{
			name: "refused with only an error code",
			answer: func(w http.ResponseWriter, _ url.Values) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"error":"invalid_request"}`)
			},
			want: []string{"400", "invalid_request"},
		},
		{
			name: "refused without JSON",
			answer: func(w http.ResponseWriter, _ url.Values) {
				http.Error(w, "upstream down", http.StatusBadGateway)
			},
			want: []string{"502"},
		},
		{
			name:   "200 without an access token",
			answer: grant("", "r2"),
			want:   []string{"without an access token"},
		},
		{
			name: "auth endpoint unreachable",
			url:  closed.URL,
			want: []string{"could not be refreshed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer := tt.answer
			if answer == nil {
				answer = grant("unused", "")
			}
			srv := newAuthServer(t, answer)
			authURL := srv.URL
			if tt.url != "" {
				authURL = tt.url
			}
			home := t.TempDir()
			writeTokens(t, home, "secret-refresh-r1", stale)
			before, _ := os.Stat(filepath.Join(home, tokenFile))
			a, _ := testTokenAuth(home, authURL)

			for range 2 { // a failure is not cached: each call tries again
				_, err := a.Token(t.Context())
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range append(tt.want, "run `fal auth login`") {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
				if strings.Contains(err.Error(), "secret-refresh-r1") || strings.Contains(err.Error(), stale) {
					t.Errorf("error %q shows a token", err)
				}
			}
			wantTokenFile(t, home, "secret-refresh-r1\n"+stale)
			after, err := os.Stat(filepath.Join(home, tokenFile))
			if err != nil || !os.SameFile(before, after) || after.Mode() != before.Mode() {
				t.Errorf("file replaced or its mode changed")
			}
			_, err = a.GRPCMetadata(t.Context())
			if status.Code(err) != codes.Unauthenticated || !strings.Contains(err.Error(), "fal auth login") {
				t.Errorf("gRPC metadata error = %v, want UNAUTHENTICATED saying to sign in", err)
			}
		})
	}
}

func TestNotSignedInSaysToSignIn(t *testing.T) {
	srv := newAuthServer(t, grant("unused", ""))
	for name, home := range map[string]string{"no file": t.TempDir(), "empty file": t.TempDir()} {
		if name == "empty file" {
			writeTokens(t, home, "")
		}
		a, _ := testTokenAuth(home, srv.URL)
		if _, err := a.Token(t.Context()); err == nil || !strings.Contains(err.Error(), "fal auth login") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := srv.posts.Load(); n != 0 {
		t.Errorf("%d refreshes without a refresh token", n)
	}
}

func TestConcurrentCallsRefreshOnce(t *testing.T) {
	fresh := makeJWT(t, "a2", tokenNow.Add(24*time.Hour))
	release := make(chan struct{})
	srv := newAuthServer(t, func(w http.ResponseWriter, f url.Values) {
		<-release // hold the first refresh until every caller has started
		grant(fresh, "r2")(w, f)
	})
	home := t.TempDir()
	writeTokens(t, home, "r1", makeJWT(t, "a1", tokenNow.Add(-time.Minute)))
	a, _ := testTokenAuth(home, srv.URL)

	const callers = 32
	var started, done sync.WaitGroup
	started.Add(callers)
	errs := make(chan error, callers)
	for range callers {
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			md, err := a.GRPCMetadata(context.Background())
			if err == nil && md["authorization"] != "Bearer "+fresh {
				err = fmt.Errorf("metadata %v", md)
			}
			errs <- err
		}()
	}
	started.Wait()
	close(release)
	done.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := srv.posts.Load(); n != 1 {
		t.Errorf("%d refresh calls from %d concurrent callers, want 1", n, callers)
	}
	wantTokenFile(t, home, "r2\n"+fresh)
}

func TestTokenRefreshedElsewhereIsPickedUp(t *testing.T) {
	srv := newAuthServer(t, grant("never", ""))
	home := t.TempDir()
	first := makeJWT(t, "a1", tokenNow.Add(time.Hour))
	writeTokens(t, home, "r1", first)
	a, now := testTokenAuth(home, srv.URL)
	if tok, err := a.Token(t.Context()); err != nil || tok != first {
		t.Fatalf("Token = %q, %v", tok, err)
	}

	// fal's CLI refreshes the file; while the token in memory is good it
	// is used as it is, without reading the file.
	second := makeJWT(t, "a2", tokenNow.Add(3*time.Hour))
	writeTokens(t, home, "r2", second)
	if tok, _ := a.Token(t.Context()); tok != first {
		t.Errorf("token in memory not used")
	}
	// Once the one in memory nears its exp, the file's newer one is taken.
	now.Store(tokenNow.Add(40 * time.Minute).UnixNano())
	if tok, err := a.Token(t.Context()); err != nil || tok != second {
		t.Errorf("Token = %q, %v; want the file's newer token", tok, err)
	}
	if n := srv.posts.Load(); n != 0 {
		t.Errorf("%d refreshes", n)
	}
}

func TestResolvedConfigHonoursFalHomeAndAuthURL(t *testing.T) {
	fresh := makeJWT(t, "a2", tokenNow.Add(time.Hour))
	srv := newAuthServer(t, grant(fresh, "r2"))
	falHome := t.TempDir()
	writeTokens(t, falHome, "r1")
	cfg, err := ResolveCloud(envOf(map[string]string{
		"FAL_HOME_DIR":     falHome,
		"FALDASH_AUTH_URL": srv.URL + "/",
	}), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.TokenAuth(srv.Client())
	a.now = func() time.Time { return tokenNow }
	if tok, err := a.Token(t.Context()); err != nil || tok != fresh {
		t.Fatalf("Token = %q, %v", tok, err)
	}
	if srv.posts.Load() != 1 || readTokens(t, falHome) != "r2\n"+fresh {
		t.Errorf("%d refreshes; file %q", srv.posts.Load(), readTokens(t, falHome))
	}
	if _, err := os.Stat(filepath.Join(falHome, tokenLockFile)); err != nil {
		t.Errorf("lock file not in FAL_HOME_DIR: %v", err)
	}
}

func TestTokenExpiry(t *testing.T) {
	exp := time.Unix(1_800_000_000, 500_000_000)
	payload := func(s string) string {
		return "e30." + base64.RawURLEncoding.EncodeToString([]byte(s)) + ".sig"
	}
	tests := []struct {
		jwt  string
		exp  time.Time
		isOK bool
	}{
		{payload(`{"exp":1800000000.5}`), exp, true},
		{payload(`{"sub":"x"}`), time.Time{}, true},
		{"e30." + base64.URLEncoding.EncodeToString([]byte(`{"exp":1800000000.5}`)) + ".sig", exp, true}, // padded
		{payload(`{"exp":"1800000000"}`), time.Time{}, false},
		{payload(`[1]`), time.Time{}, false},
		{"a.b", time.Time{}, false},
		{"a.!!!.c", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := tokenExpiry(tt.jwt)
		if ok != tt.isOK || !got.Equal(tt.exp) {
			t.Errorf("tokenExpiry(%q) = %v, %v; want %v, %v", tt.jwt, got, ok, tt.exp, tt.isOK)
		}
	}
}
