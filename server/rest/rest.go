// Package rest serves the part of fal's REST API that fal's CLI and
// faldash use beside the gRPC control plane: the current user and teams,
// runner info, runner logs (paged history and a live event stream) and
// app queues. fal cloud serves it at rest.alpha.fal.ai; a local controller
// serves it from its runner supervisor, so fal's own CLI and faldash read
// logs and queues the same way from both.
//
// Calls are authenticated like the gRPC API's, against the same keys:
// `Authorization: Key <id>:<secret>`, or `Bearer <id>:<secret>` (a local
// controller has no sign-in, so its bearer tokens are its keys). Errors
// are JSON `{"detail": "..."}`, as fal's are.
package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/gateway"
)

// Authenticator checks a key; *server.Controller is one.
type Authenticator interface {
	Authenticate(id, secret string) (server.Scope, bool)
}

// Options set up a Server. Auth, User, Runners and Queues are required.
type Options struct {
	Auth Authenticator
	// User is the one account's nickname (and user id).
	User    string
	Runners server.RunnerLogReader
	Queues  gateway.Queues
	// Logger gets a debug line per request; nil discards.
	Logger *slog.Logger
	// KeepaliveEvery is how long a log stream may stay silent before it
	// sends a comment, so that proxies keep it open; 0 means
	// DefaultKeepaliveEvery.
	KeepaliveEvery time.Duration
}

// DefaultKeepaliveEvery is Options.KeepaliveEvery's default.
const DefaultKeepaliveEvery = 15 * time.Second

// Bounds on what a client may send before its handler runs.
const (
	maxHeaderBytes    = 16 << 10
	readHeaderTimeout = 10 * time.Second
)

// maxCallerLen bounds a caller id in a query: the gateway keeps callers
// it names by at most this many bytes.
const maxCallerLen = 128

// UserIDHeader names the account a call acts as (a team); a local
// controller has one account.
const UserIDHeader = "X-Fal-User-Id"

// Server is the REST API on its own HTTP server.
type Server struct {
	http *http.Server
	// stop ends the requests in flight, log streams above all, which
	// would otherwise hold a graceful shutdown until it times out.
	stop context.CancelFunc
}

// New returns a Server; it serves nothing until Serve.
func New(opts Options) *Server {
	base, stop := context.WithCancel(context.Background())
	a := newAPI(opts, base)
	return &Server{
		http: &http.Server{
			Handler:           a,
			ReadHeaderTimeout: readHeaderTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			BaseContext:       func(net.Listener) context.Context { return base },
			ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelDebug),
		},
		stop: stop,
	}
}

// Serve answers requests on lis until Close; it returns nil then.
func (s *Server) Serve(lis net.Listener) error {
	if err := s.http.Serve(lis); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("rest api on %s: %w", lis.Addr(), err)
	}
	return nil
}

// Close ends the log streams (each gets an error event saying why),
// lets the other requests in flight finish until ctx ends, then cuts
// what is left.
func (s *Server) Close(ctx context.Context) error {
	s.stop()
	if err := s.http.Shutdown(ctx); err != nil {
		return s.http.Close()
	}
	return nil
}

// api is the handler. Every route authenticates first, so that a caller
// without a key learns nothing, not even which paths exist.
type api struct {
	auth      Authenticator
	user      string
	runners   server.RunnerLogReader
	queues    gateway.Queues
	log       *slog.Logger
	keepalive time.Duration
	closing   context.Context
	mux       *http.ServeMux
}

// endpoint answers one path; methods maps each allowed method to its
// handler, which gets the caller's key scope.
type endpoint map[string]func(w http.ResponseWriter, r *http.Request, scope server.Scope)

// newAPI builds the handler; closing ends when the server shuts down.
func newAPI(opts Options, closing context.Context) *api {
	a := &api{
		auth:      opts.Auth,
		user:      opts.User,
		runners:   opts.Runners,
		queues:    opts.Queues,
		log:       opts.Logger,
		keepalive: opts.KeepaliveEvery,
		closing:   closing,
		mux:       http.NewServeMux(),
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.keepalive <= 0 {
		a.keepalive = DefaultKeepaliveEvery
	}
	routes := map[string]endpoint{
		"/users/current":                   {http.MethodGet: a.currentUser},
		"/users/teams":                     {http.MethodGet: a.teams},
		"/runners/{id}":                    {http.MethodGet: a.runnerInfo},
		"/logs/history":                    {http.MethodPost: a.logHistory},
		"/logs/stream":                     {http.MethodPost: a.logStream},
		"/applications/{user}/{app}/queue": {http.MethodGet: a.queueSize, http.MethodDelete: a.flushQueue},
	}
	for pattern, e := range routes {
		a.mux.Handle(pattern, a.serve(e))
	}
	a.mux.Handle("/", a.serve(nil))
	return a
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	a.mux.ServeHTTP(sw, r)
	// The path only: a query may carry a search text, never a key, but
	// there is no need to log it.
	a.log.Debug("rest request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", time.Since(start))
}

// serve authenticates, then dispatches by method; a nil endpoint is an
// unknown path.
func (a *api) serve(e endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scope, ok := a.authenticate(w, r)
		if !ok {
			return
		}
		if e == nil {
			fail(w, http.StatusNotFound, "no such path: "+shown(r.URL.Path))
			return
		}
		// r.URL.Query() drops what does not parse, so a malformed
		// parameter would silently read as absent.
		if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
			fail(w, http.StatusBadRequest, "malformed query: "+quote(err.Error()))
			return
		}
		h := e[r.Method]
		if h == nil {
			allowed := slices.Sorted(maps.Keys(e))
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			fail(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s does not take %s; use %s", shown(r.URL.Path), shown(r.Method), strings.Join(allowed, " or ")))
			return
		}
		h(w, r, scope)
	})
}

// authenticate checks the Authorization header and the account the call
// acts as, answering 401 or 403 itself when they do not hold.
func (a *api) authenticate(w http.ResponseWriter, r *http.Request) (server.Scope, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		w.Header().Set("WWW-Authenticate", `Key realm="faldash"`)
		fail(w, http.StatusUnauthorized, "no credentials: send Authorization: Key <key_id>:<key_secret> (a local controller's admin key is in admin.key in its data directory)")
		return 0, false
	}
	id, secret, ok := gateway.ParseAuthorization(h)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Key realm="faldash"`)
		fail(w, http.StatusUnauthorized, "malformed credentials: want Authorization: Key <key_id>:<key_secret> or Bearer <key_id>:<key_secret>")
		return 0, false
	}
	scope, ok := a.auth.Authenticate(id, secret)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Key realm="faldash"`)
		fail(w, http.StatusUnauthorized, "invalid credentials: unknown key id or wrong key secret")
		return 0, false
	}
	if team := r.Header.Get(UserIDHeader); team != "" && team != a.user {
		fail(w, http.StatusForbidden, fmt.Sprintf("%s names account %s; this controller has one account, %q", UserIDHeader, quote(team), a.user))
		return 0, false
	}
	return scope, true
}

// account is fal's user shape, for /users/current and /users/teams.
type account struct {
	UserID     string `json:"user_id"`
	Nickname   string `json:"nickname"`
	FullName   string `json:"full_name"`
	IsPersonal bool   `json:"is_personal"`
	IsLocked   bool   `json:"is_locked"`
}

func (a *api) account() account {
	return account{UserID: a.user, Nickname: a.user, FullName: a.user, IsPersonal: true}
}

func (a *api) currentUser(w http.ResponseWriter, _ *http.Request, _ server.Scope) {
	writeJSON(w, http.StatusOK, a.account())
}

func (a *api) teams(w http.ResponseWriter, _ *http.Request, _ server.Scope) {
	writeJSON(w, http.StatusOK, []account{a.account()})
}

// runner is fal's /runners/{id} answer.
type runner struct {
	RunnerID  string `json:"runner_id"`
	App       string `json:"app"`
	State     string `json:"state"`
	StartedAt *stamp `json:"started_at"`
	EndedAt   *stamp `json:"ended_at"`
}

func (a *api) runnerInfo(w http.ResponseWriter, r *http.Request, _ server.Scope) {
	id := r.PathValue("id")
	if !server.ValidID(id) {
		fail(w, http.StatusBadRequest, "no runner has that id: "+server.IDRule)
		return
	}
	span, err := a.runners.RunnerSpan(id)
	if err != nil {
		a.runnerFail(w, id, err)
		return
	}
	writeJSON(w, http.StatusOK, runner{
		RunnerID:  span.ID,
		App:       span.Alias,
		State:     span.State.String(),
		StartedAt: stampOf(span.StartedAt),
		EndedAt:   stampOf(span.EndedAt),
	})
}

// runnerFail answers an error about runner id: fal's 404 for an unknown
// one, else a 500 that says what failed.
func (a *api) runnerFail(w http.ResponseWriter, id string, err error) {
	if errors.Is(err, server.ErrNoRunner) {
		fail(w, http.StatusNotFound, fmt.Sprintf("Runner %s not found", shown(id)))
		return
	}
	a.log.Warn("rest: runner", "runner", id, "error", err)
	fail(w, http.StatusInternalServerError, err.Error())
}

// queue is fal's answer for an app's queue.
type queue struct {
	Size   int            `json:"size"`
	ByUser map[string]int `json:"by_user,omitempty"`
}

// queueApp checks the path's user and returns its app (a full alias).
func (a *api) queueApp(w http.ResponseWriter, r *http.Request) (string, bool) {
	if user := r.PathValue("user"); user != a.user {
		fail(w, http.StatusNotFound, fmt.Sprintf("no user %s here: this controller's account is %q", quote(user), a.user))
		return "", false
	}
	return r.PathValue("app"), true
}

func (a *api) queueSize(w http.ResponseWriter, r *http.Request, _ server.Scope) {
	app, ok := a.queueApp(w, r)
	if !ok {
		return
	}
	byUser := false
	if v := r.URL.Query().Get("by_user"); v != "" {
		var err error
		if byUser, err = parseBool(v); err != nil {
			fail(w, http.StatusBadRequest, "by_user: "+err.Error())
			return
		}
	}
	st, err := a.queues.Queue(r.Context(), app)
	if err != nil {
		a.queueFail(w, app, err)
		return
	}
	out := queue{Size: st.Size}
	if byUser {
		out.ByUser = st.ByCaller
		if out.ByUser == nil {
			out.ByUser = map[string]int{}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *api) flushQueue(w http.ResponseWriter, r *http.Request, scope server.Scope) {
	app, ok := a.queueApp(w, r)
	if !ok {
		return
	}
	if scope != server.ScopeAdmin {
		fail(w, http.StatusForbidden, fmt.Sprintf("this key is %s and may not flush a queue", scope))
		return
	}
	caller := r.URL.Query().Get("caller_user_id")
	if len(caller) > maxCallerLen {
		fail(w, http.StatusBadRequest, fmt.Sprintf("caller_user_id is %d bytes, over the limit of %d", len(caller), maxCallerLen))
		return
	}
	n, err := a.queues.FlushQueue(r.Context(), app, caller)
	if err != nil {
		a.queueFail(w, app, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Flushed int `json:"flushed"`
	}{n})
}

func (a *api) queueFail(w http.ResponseWriter, app string, err error) {
	if errors.Is(err, gateway.ErrUnknownApp) {
		fail(w, http.StatusNotFound, fmt.Sprintf("no app %s for %s", quote(app), a.user))
		return
	}
	a.log.Warn("rest: queue", "app", app, "error", err)
	fail(w, http.StatusInternalServerError, err.Error())
}

// parseBool reads a query flag as fal's API (FastAPI) does.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%s is not a boolean; use true or false", quote(v))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// maxQuoted bounds what of a caller's input an error quotes back.
const maxQuoted = 64

// quote renders input from the caller for an error: Go-quoted, so control
// characters and bidi controls show as escapes and never reach a terminal
// or a log raw, and only up to maxQuoted bytes of it.
func quote(v string) string {
	if len(v) > maxQuoted {
		return fmt.Sprintf("%q… (%d bytes)", strings.ToValidUTF8(v[:maxQuoted], ""), len(v))
	}
	return fmt.Sprintf("%q", v)
}

// shown is v as it is when it is short and plainly safe (letters, digits
// and "/-_.:~", as paths and ids are), so fal's messages read as fal
// writes them; anything else is quoted.
func shown(v string) string {
	if v == "" || len(v) > maxQuoted || strings.ContainsFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/-_.:~", r))
	}) {
		return quote(v)
	}
	return v
}

// fail answers with fal's error shape.
func fail(w http.ResponseWriter, code int, detail string) {
	writeJSON(w, code, struct {
		Detail string `json:"detail"`
	}{detail})
}

// statusWriter records the status for the request log. Unwrap lets
// http.ResponseController reach the connection's Flush.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
