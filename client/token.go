package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/faldash/faldash/internal/atomicfile"
)

// DefaultAuthURL is where fal refreshes sign-in tokens (FALDASH_AUTH_URL
// moves it, for tests).
const DefaultAuthURL = "https://auth.fal.ai"

// What `fal auth login` leaves behind, and how fal refreshes it
// (fal/auth/local.py and auth0.py).
const (
	tokenFile     = "auth0_token"
	tokenLockFile = ".portalock"
	authClientID  = "TwXR51Vz8JbY8GUUMy6EyuVR0fTO7N4N"
	// fal counts an access token as expired this long before its exp, so
	// a call never starts with a token about to lapse.
	tokenExpiryMargin = 30 * time.Minute
	// fal waits this long for the lock before giving up.
	tokenLockTimeout = 20 * time.Second
	tokenLockPoll    = 50 * time.Millisecond
)

// TokenAuth authenticates as the user signed in with `fal auth login`. It
// keeps the access token in memory while it is valid and otherwise takes
// whatever is in the token file, refreshing it there when it has lapsed,
// so it shares the file with fal's CLI without either clobbering the
// other's tokens.
type TokenAuth struct {
	path, lockPath, authURL string
	http                    *http.Client
	now                     func() time.Time
	// lockBusy, when set, hears each attempt that finds the lock file held
	// by someone else (tests wait on it).
	lockBusy func()

	// turn lets one goroutine at a time read or refresh the file, so many
	// calls at once refresh once.
	turn chan struct{}

	mu     sync.Mutex
	access string
	exp    time.Time // zero: the token has no exp claim, so it never lapses
}

var _ Authenticator = (*TokenAuth)(nil)

// NewTokenAuth reads the token from home's auth0_token (home being fal's
// directory, ~/.fal or FAL_HOME_DIR) and refreshes it through authURL
// with hc (nil: a client with a 30 s timeout).
func NewTokenAuth(home, authURL string, hc *http.Client) *TokenAuth {
	return &TokenAuth{
		path:     filepath.Join(home, tokenFile),
		lockPath: filepath.Join(home, tokenLockFile),
		authURL:  strings.TrimSuffix(authURL, "/"),
		http:     httpClient(hc),
		now:      time.Now,
		turn:     make(chan struct{}, 1),
	}
}

// TokenAuth is the signed-in user's Authenticator for this configuration.
func (c CloudConfig) TokenAuth(hc *http.Client) *TokenAuth {
	return NewTokenAuth(c.Home, c.AuthURL, hc)
}

func httpClient(hc *http.Client) *http.Client {
	if hc != nil {
		return hc
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// GRPCMetadata carries the token as fal's SDK does (gRPC access-token
// credentials). A failure is UNAUTHENTICATED, so it is not retried.
func (a *TokenAuth) GRPCMetadata(ctx context.Context) (map[string]string, error) {
	tok, err := a.Token(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, status.FromContextError(ctx.Err()).Err()
		}
		return nil, status.Error(codes.Unauthenticated, err.Error())
	}
	return map[string]string{"authorization": "Bearer " + tok}, nil
}

// HTTPHeader is the REST form of the same token.
func (a *TokenAuth) HTTPHeader(ctx context.Context) (http.Header, error) {
	tok, err := a.Token(ctx)
	if err != nil {
		return nil, err
	}
	return http.Header{"Authorization": {"Bearer " + tok}}, nil
}

// signInError is a token that cannot be had without signing in again.
type signInError struct{ reason string }

func (e *signInError) Error() string {
	return "fal sign-in: " + e.reason + "; run `fal auth login` to sign in again"
}

// Token returns a valid access token: the one in memory while it is good,
// else the file's (fal's CLI may have refreshed it), else a refreshed one,
// written back to the file. A failed refresh changes nothing.
func (a *TokenAuth) Token(ctx context.Context) (string, error) {
	if tok, ok := a.cached(); ok {
		return tok, nil
	}
	select {
	case a.turn <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-a.turn }()
	if tok, ok := a.cached(); ok { // refreshed while this call waited its turn
		return tok, nil
	}

	unlock, err := lockFile(ctx, a.lockPath, a.lockBusy)
	if err != nil {
		return "", err
	}
	defer unlock()
	// Read under the lock: fal's CLI may have just refreshed the file.
	refresh, access, err := readTokenFile(a.path)
	if err != nil {
		return "", err
	}
	if refresh == "" {
		return "", &signInError{reason: "no sign-in token in " + a.path}
	}
	if exp, ok := tokenExpiry(access); ok && a.fresh(exp) {
		a.keep(access, exp)
		return access, nil
	}
	newRefresh, newAccess, err := a.refresh(ctx, refresh)
	if err != nil {
		return "", err
	}
	exp, _ := tokenExpiry(newAccess)
	// The old refresh token may be spent already (fal rotates them), so the
	// new access token is kept even if the file cannot be written.
	a.keep(newAccess, exp)
	if err := writeTokenFile(a.path, newRefresh, newAccess); err != nil {
		return "", fmt.Errorf("fal sign-in: the refreshed token could not be saved: %w", err)
	}
	return newAccess, nil
}

func (a *TokenAuth) cached() (string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.access, a.access != "" && a.fresh(a.exp)
}

func (a *TokenAuth) keep(access string, exp time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.access, a.exp = access, exp
}

// fresh applies fal's margin (verify_access_token_expiration: expired when
// exp <= now + 30 min).
func (a *TokenAuth) fresh(exp time.Time) bool {
	return exp.IsZero() || exp.After(a.now().Add(tokenExpiryMargin))
}

// tokenExpiry reads a JWT's exp claim without checking its signature, as
// fal does. ok is false for anything that is not a JWT with a numeric (or
// absent) exp, which fal treats as expired; a zero time means no exp.
func tokenExpiry(jwt string) (exp time.Time, ok bool) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *float64 `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return time.Time{}, false
	}
	if claims.Exp == nil {
		return time.Time{}, true
	}
	sec := int64(*claims.Exp)
	return time.Unix(sec, int64((*claims.Exp-float64(sec))*1e9)), true
}

// hasRefreshToken reports whether path holds a sign-in: a file whose first
// line is a refresh token. A missing file is no sign-in.
func hasRefreshToken(path string) (bool, error) {
	refresh, _, err := readTokenFile(path)
	return refresh != "", err
}

// readTokenFile returns the file's first two lines (refresh token, access
// token); a missing file has neither.
func readTokenFile(path string) (refresh, access string, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("read fal sign-in token: %w", err)
	}
	lines := strings.Split(string(data), "\n")
	line := func(i int) string {
		if i >= len(lines) {
			return ""
		}
		return strings.TrimSpace(lines[i])
	}
	return line(0), line(1), nil
}

// writeTokenFile writes the two lines as fal does ("\n".join, no final
// newline). It goes through a temporary file and a rename so a failed
// write leaves the old tokens whole; the file keeps its permissions, and
// a new one is the owner's alone.
func writeTokenFile(path, refresh, access string) error {
	mode := fs.FileMode(0o600)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	return atomicfile.Write(path, []byte(refresh+"\n"+access), mode)
}

// refresh trades the refresh token for a new access token (and, with
// rotation on, a new refresh token; without one the old stays).
func (a *TokenAuth) refresh(ctx context.Context, refreshToken string) (newRefresh, access string, err error) {
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {authClientID},
		"refresh_token": {refreshToken},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.authURL+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", "", &signInError{reason: "the token could not be refreshed: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", "", ctx.Err()
		}
		return "", "", &signInError{reason: "the token could not be refreshed: " + err.Error()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", "", &signInError{reason: "the token could not be refreshed: reading the answer: " + err.Error()}
	}
	var ans struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		Error        string `json:"error"`
		Description  string `json:"error_description"`
	}
	jsonErr := json.Unmarshal(body, &ans)
	switch {
	case resp.StatusCode != http.StatusOK:
		reason := resp.Status
		if ans.Description != "" {
			reason += ": " + ans.Description
		} else if ans.Error != "" {
			reason += ": " + ans.Error
		}
		return "", "", &signInError{reason: fmt.Sprintf("%s refused to refresh the token (%s)", a.authURL, reason)}
	case jsonErr != nil || ans.AccessToken == "":
		return "", "", &signInError{reason: fmt.Sprintf("%s answered the token refresh without an access token", a.authURL)}
	}
	if ans.RefreshToken == "" {
		ans.RefreshToken = refreshToken
	}
	return ans.RefreshToken, ans.AccessToken, nil
}
