package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Headers the gateway reads and sets.
const (
	// RequestIDHeader carries the request's id: the caller's if it sent
	// one, else a fresh one. The runner receives it and the response
	// echoes it; it is the request_id of the runner's lease.
	RequestIDHeader = "X-Fal-Request-Id"
	// CallerIDHeader tells the runner who called: the account of the
	// request's key, or AnonymousCaller. It is the caller_user_id of the
	// runner's lease. The gateway sets it; a caller's own is dropped.
	CallerIDHeader = "X-Fal-Caller-Id"
)

// AnonymousCaller is the caller of a request without a valid key (which
// only a public app answers).
const AnonymousCaller = "anonymous"

// Defaults for the zero Options.
const (
	DefaultMaxBodyBytes = 64 << 20
	DefaultRetryAfter   = time.Second
	// dialTimeout bounds connecting to a runner: runners are on loopback,
	// so a connection that takes longer is not coming.
	dialTimeout = 5 * time.Second
)

// Options tune a gateway; the zero value is ready to use.
type Options struct {
	// Logger gets a debug line per request and a warning per upstream
	// failure; nil discards.
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body; 0 means DefaultMaxBodyBytes and
	// a negative value no bound. A larger body is answered 413.
	MaxBodyBytes int64
	// RetryAfter is what a 503 (queue full) tells the caller to wait; 0
	// means DefaultRetryAfter.
	RetryAfter time.Duration
	// Transport carries requests to runners; nil means a transport for
	// loopback that ignores proxy settings from the environment.
	Transport http.RoundTripper
	// Keys checks the keys requests carry; nil accepts none, so only
	// public apps answer.
	Keys Keys
}

// gateway is the http.Handler New returns.
type gateway struct {
	router     Router
	user       string
	log        *slog.Logger
	maxBody    int64
	retryAfter time.Duration
	transport  http.RoundTripper
	keys       Keys
}

// New returns a gateway for user's apps: `/<user>/<alias>[/path]` goes to
// a runner of alias leased from r, with path (default "/") and the query
// as the runner sees them, once the request's key passes the app's auth
// mode (see Keys).
func New(r Router, user string, opts Options) http.Handler {
	g := &gateway{
		router:     r,
		user:       user,
		log:        opts.Logger,
		maxBody:    opts.MaxBodyBytes,
		retryAfter: opts.RetryAfter,
		transport:  opts.Transport,
		keys:       opts.Keys,
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.maxBody == 0 {
		g.maxBody = DefaultMaxBodyBytes
	}
	if g.retryAfter <= 0 {
		g.retryAfter = DefaultRetryAfter
	}
	if g.transport == nil {
		g.transport = &http.Transport{
			// An HTTP_PROXY meant for the internet must not capture
			// requests to runners on loopback.
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: dialTimeout}).DialContext,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     90 * time.Second,
		}
	}
	return g
}

// maxIDLen bounds the ids a caller may choose; they end up in every
// runner listing while the request is in flight.
const maxIDLen = 128

// validHeaderID reports whether a caller's request id is one to keep: present, short, and printable ASCII without spaces.
func validHeaderID(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// route is a request's destination, parsed from its path.
type route struct {
	user, alias string
	// path and rawPath are what the runner gets (rawPath keeps escapes
	// such as %2F that path cannot tell from a slash).
	path, rawPath string
}

// parseRoute splits `/<user>/<alias>[/rest]`. ok is false when the path
// names no alias.
func parseRoute(u *url.URL) (route, bool) {
	esc := strings.TrimPrefix(u.EscapedPath(), "/")
	user, esc, _ := strings.Cut(esc, "/")
	alias, rest, hasRest := strings.Cut(esc, "/")
	var r route
	var err error
	if r.user, err = url.PathUnescape(user); err != nil {
		return r, false
	}
	if r.alias, err = url.PathUnescape(alias); err != nil || r.user == "" || r.alias == "" {
		return r, false
	}
	rest = "/" + rest
	if !hasRest {
		rest = "/"
	}
	if r.path, err = url.PathUnescape(rest); err != nil {
		return r, false
	}
	if rest != (&url.URL{Path: r.path}).EscapedPath() {
		r.rawPath = rest
	}
	return r, true
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	start := time.Now()
	id := req.Header.Get(RequestIDHeader)
	if !validHeaderID(id) {
		id = uuid.NewString()
	}
	w.Header().Set(RequestIDHeader, id)

	rt, ok := parseRoute(req.URL)
	switch {
	case !ok:
		g.fail(w, http.StatusNotFound, fmt.Sprintf("no app in path %q: this gateway serves /%s/<app>[/path]", req.URL.Path, g.user))
		return
	case rt.user != g.user:
		g.fail(w, http.StatusNotFound, fmt.Sprintf("no user %q here: this gateway serves the apps of %q, at /%s/<app>", rt.user, g.user, g.user))
		return
	}
	if g.maxBody > 0 {
		if req.ContentLength > g.maxBody {
			g.fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", g.maxBody))
			return
		}
		req.Body = http.MaxBytesReader(w, req.Body, g.maxBody)
	}
	lease, caller, err := g.admitAndLease(req, rt.alias, id)
	var denied *deniedError
	switch {
	case errors.As(err, &denied):
		g.log.Debug("gateway request refused", "alias", rt.alias, "request_id", id, "why", denied.why)
		w.Header().Set("WWW-Authenticate", `Key realm="faldash"`)
		g.fail(w, http.StatusUnauthorized, denied.why)
		return
	case errors.Is(err, ErrUnknownApp):
		g.fail(w, http.StatusNotFound, fmt.Sprintf("no app %s for %s", rt.alias, g.user))
		return
	case errors.Is(err, ErrQueueFull):
		w.Header().Set("Retry-After", strconv.Itoa(int((g.retryAfter+time.Second-1)/time.Second)))
		g.fail(w, http.StatusServiceUnavailable, fmt.Sprintf("app %s has too many requests waiting; retry later", rt.alias))
		return
	case errors.Is(err, ErrStopping):
		g.fail(w, http.StatusServiceUnavailable, fmt.Sprintf("app %s: the controller is stopping", rt.alias))
		return
	case errors.Is(err, ErrFlushed):
		g.fail(w, http.StatusServiceUnavailable, fmt.Sprintf("app %s: the request was dropped from the queue by a flush before a runner took it", rt.alias))
		return
	case err != nil && req.Context().Err() != nil:
		// The caller left while the request was queued; nobody reads an
		// answer.
		g.log.Debug("gateway request abandoned while queued", "alias", rt.alias, "request_id", id)
		return
	case err != nil:
		g.log.Warn("gateway could not lease a runner", "alias", rt.alias, "request_id", id, "error", err)
		g.fail(w, http.StatusInternalServerError, fmt.Sprintf("app %s: %v", rt.alias, err))
		return
	}
	// Deferred, and nowhere else, so the slot comes back exactly once
	// however the request ends, including the proxy's
	// panic(http.ErrAbortHandler) when the caller leaves midway through
	// the response.
	defer lease.Release()

	g.proxy(w, req, rt, lease, id, caller, start)
}

// admitAndLease checks the caller against alias's auth mode, then leases
// a slot for the request; the check comes first so that a refused
// request is never demand. caller is who the runner is told called.
func (g *gateway) admitAndLease(req *http.Request, alias, id string) (l *Lease, caller string, err error) {
	mode, err := g.router.AuthMode(req.Context(), alias)
	if err != nil {
		return nil, "", err
	}
	who := g.identify(req)
	if why := g.admit(alias, mode, who); why != "" {
		return nil, "", &deniedError{why}
	}
	caller = who.id()
	l, err = g.router.Acquire(req.Context(), alias, RequestInfo{RequestID: id, CallerUserID: caller})
	return l, caller, err
}

// proxy forwards req to the leased runner, bounded by the app's
// request_timeout.
func (g *gateway) proxy(w http.ResponseWriter, req *http.Request, rt route, lease *Lease, id, caller string, start time.Time) {
	ctx := req.Context()
	if lease.RequestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lease.RequestTimeout)
		defer cancel()
	}
	logAttrs := []any{"alias", rt.alias, "runner", lease.RunnerID, "request_id", id}
	rp := &httputil.ReverseProxy{
		Transport: g.transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host = lease.Addr
			pr.Out.URL.Path = rt.path
			pr.Out.URL.RawPath = rt.rawPath
			pr.Out.Host = ""
			pr.SetXForwarded()
			// The caller's key is for the gateway: the app's code gets
			// who called, never their credentials.
			pr.Out.Header.Del("Authorization")
			pr.Out.Header.Set(RequestIDHeader, id)
			pr.Out.Header.Set(CallerIDHeader, caller)
		},
		ModifyResponse: func(resp *http.Response) error {
			// w already carries the id; the runner's copy would repeat it
			// (or contradict it).
			resp.Header.Del(RequestIDHeader)
			g.log.Debug("gateway request", append(logAttrs, "status", resp.StatusCode, "duration", time.Since(start))...)
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			var tooLarge *http.MaxBytesError
			switch {
			case req.Context().Err() != nil:
				g.log.Debug("gateway request abandoned by the caller", logAttrs...)
			case errors.Is(ctx.Err(), context.DeadlineExceeded):
				g.log.Debug("gateway request timed out", logAttrs...)
				g.fail(w, http.StatusGatewayTimeout, fmt.Sprintf("app %s did not answer within its request timeout of %s", rt.alias, lease.RequestTimeout))
			case errors.As(err, &tooLarge):
				g.fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", tooLarge.Limit))
			default:
				g.log.Warn("gateway could not reach runner", append(logAttrs, "addr", lease.Addr, "error", err)...)
				g.fail(w, http.StatusBadGateway, fmt.Sprintf("runner %s of app %s could not be reached", lease.RunnerID, rt.alias))
			}
		},
		ErrorLog: slog.NewLogLogger(g.log.Handler(), slog.LevelDebug),
	}
	if lease.Addr == "" {
		rp.ErrorHandler(w, req, errors.New("the lease has no address"))
		return
	}
	rp.ServeHTTP(w, req.WithContext(ctx))
}

// fail answers with a JSON error body in the shape fal's API uses.
func (g *gateway) fail(w http.ResponseWriter, code int, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		Detail string `json:"detail"`
	}{detail})
}
