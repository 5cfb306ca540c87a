package client

// fal's REST API: what fal serves over HTTP beside its gRPC control plane
// (the current user, runner info, queue sizes, and runner logs in
// rest_logs.go). The local controller serves the same surface.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/faldash/faldash/internal/names"
)

// Bounds on what one REST answer may hold, so a runaway server cannot
// exhaust memory.
const (
	maxRESTBody  = 64 << 20 // a page of log history is the largest answer
	maxErrorBody = 64 << 10 // an error's {"detail"}
	maxDetailLen = 300      // what of a detail goes into an error message
)

// restState is a client's REST side: one HTTP client, so that polls reuse
// their connections, and the account's nickname once it is known. The zero
// value is ready for use.
type restState struct {
	once sync.Once
	hc   *http.Client
	// roots are DialOptions.RootCAs; nil means the system's.
	roots *x509.CertPool

	mu   sync.Mutex
	user string
}

// http builds the HTTP client on first use. It has no overall timeout,
// since a log stream lasts as long as its context; unary calls bound
// themselves with the call timeout.
func (r *restState) http() *http.Client {
	r.once.Do(func() {
		dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
		r.hc = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         dialer.DialContext,
			TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: r.roots},
			TLSHandshakeTimeout: 10 * time.Second,
			ForceAttemptHTTP2:   true,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     90 * time.Second,
		}}
	})
	return r.hc
}

func (r *restState) nickname() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.user
}

func (r *restState) setNickname(n string) {
	r.mu.Lock()
	r.user = n
	r.mu.Unlock()
}

// restRequest builds a call of fal's REST API: the base URL joined with
// path's segments (each escaped, so an id cannot step out of its place),
// the query, and the Authenticator's headers of this moment, so a token
// refreshed mid-session is used at once.
func (g *GRPC) restRequest(ctx context.Context, op, method string, path []string, query url.Values, accept string) (*http.Request, error) {
	base := g.target.RESTURL
	if base == "" {
		return nil, &Error{Kind: Unsupported, Op: op,
			Msg: "no address of fal's REST API is known for this controller; set FAL_REST_HOST"}
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &Error{Kind: Invalid, Op: op, Msg: "the REST API address is not an http:// or https:// URL"}
	}
	raw := strings.TrimSuffix(u.EscapedPath(), "/")
	plain := strings.TrimSuffix(u.Path, "/")
	for _, seg := range path {
		raw += "/" + url.PathEscape(seg)
		plain += "/" + seg
	}
	u.Path, u.RawPath, u.RawQuery, u.Fragment = plain, raw, query.Encode(), ""
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, &Error{Kind: Invalid, Op: op, Msg: "cannot build the request", Err: err}
	}
	if g.auth != nil {
		h, err := g.auth.HTTPHeader(ctx)
		if err != nil {
			return nil, credentialsError(op, err)
		}
		for k, vs := range h {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
	}
	req.Header.Set("User-Agent", "faldash")
	req.Header.Set("Accept", accept)
	return req, nil
}

// credentialsError reports an Authenticator that could not produce the
// credentials (a token refresh that failed, say). Its own *Error already
// says what to do; anything else gets an operation around it.
func credentialsError(op string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Kind: Unauthenticated, Op: op, Msg: "no credentials: " + err.Error(), Err: err}
}

// restSend sends req and returns the response to a 2xx answer; anything
// else becomes an *Error for op, its body closed. ctx is the caller's, to
// tell their cancelling from a timeout of the call.
func (g *GRPC) restSend(ctx context.Context, op string, req *http.Request) (*http.Response, error) {
	resp, err := g.rest.http().Do(req)
	if err != nil {
		return nil, restTransportError(ctx, op, req.URL.Host, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, restStatusError(op, req.URL.Host, resp)
}

// restTransportError reports a call that got no (complete) answer. When
// the caller's own context ended the call, its error joins the chain so
// errors.Is(err, context.Canceled) holds.
func restTransportError(ctx context.Context, op, addr string, err error) *Error {
	e := &Error{Kind: Unavailable, Op: op, Addr: addr, Err: err}
	var ue *url.Error
	if errors.As(err, &ue) {
		// The cause without the URL: enough to tell a refused connection
		// from a failed TLS handshake.
		err = ue.Err
	}
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		e.Msg = err.Error()
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		e.Err = errors.Join(e.Err, ctxErr)
		if errors.Is(ctxErr, context.Canceled) {
			e.Kind, e.Addr, e.Msg = Other, "", ""
		}
	}
	return e
}

// restStatusError turns a non-2xx answer into an *Error, with fal's
// {"detail"} as the reason.
func restStatusError(op, addr string, resp *http.Response) *Error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	detail := restDetail(body)
	e := &Error{Kind: kindOfStatus(resp.StatusCode), Op: op, Msg: detail}
	switch {
	case e.Kind == Unavailable:
		e.Addr = addr
		e.Msg = "it answered " + resp.Status
		if detail != "" {
			e.Msg += ": " + detail
		}
	case e.Kind == Other && detail != "":
		e.Msg = resp.Status + ": " + detail
	case detail == "":
		e.Msg = resp.Status
	}
	return e
}

func kindOfStatus(code int) ErrorKind {
	switch {
	case code == http.StatusBadRequest, code == http.StatusUnprocessableEntity:
		return Invalid
	case code == http.StatusUnauthorized:
		return Unauthenticated
	case code == http.StatusForbidden:
		return PermissionDenied
	case code == http.StatusNotFound:
		return NotFound
	case code >= 500:
		return Unavailable
	}
	return Other
}

// restDetail reads fal's error body, {"detail": "..."}; FastAPI's
// validation errors carry a list of {"msg"} instead. The text is cut to one
// short line: it ends up in a status bar.
func restDetail(body []byte) string {
	var v struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &v) != nil || len(v.Detail) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(v.Detail, &s) != nil {
		var items []struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(v.Detail, &items) != nil {
			return ""
		}
		msgs := make([]string, 0, len(items))
		for _, it := range items {
			if it.Msg != "" {
				msgs = append(msgs, it.Msg)
			}
		}
		s = strings.Join(msgs, "; ")
	}
	return clipDetail(s)
}

func clipDetail(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r < 0x20 || r == 0x7f
	}), " ")
	if len(s) <= maxDetailLen {
		return s
	}
	cut := maxDetailLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// restJSON makes one call that only reads, with the call timeout, and
// decodes its JSON answer into out. It is not retried here (see retry.go):
// the poller asks for the queue size again, the log reader resumes on its
// own, and the rest are one-shot reads whose caller says they failed.
func (g *GRPC) restJSON(ctx context.Context, op, method string, path []string, query url.Values, out any) error {
	actx, cancel := context.WithTimeout(ctx, g.callTimeout)
	defer cancel()
	req, err := g.restRequest(actx, op, method, path, query, "application/json")
	if err != nil {
		return err
	}
	resp, err := g.restSend(ctx, op, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRESTBody+1))
	if err != nil {
		return restTransportError(ctx, op, req.URL.Host, err)
	}
	if len(body) > maxRESTBody {
		return &Error{Kind: Other, Op: op, Msg: fmt.Sprintf("the REST API's answer is larger than %d MiB", maxRESTBody>>20)}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &Error{Kind: Other, Op: op, Msg: "the REST API's answer is not the JSON expected: " + err.Error(), Err: err}
	}
	return nil
}

// sleepCtx waits d, or less if ctx ends first; it reports whether the wait
// ran its course.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// checkRunnerID refuses an id that cannot name a runner in a URL path.
func checkRunnerID(id RunnerID) error {
	switch id {
	case "":
		return errors.New("no runner id given")
	case ".", "..":
		return fmt.Errorf("%q is not a runner id", string(id))
	}
	return nil
}

func (g *GRPC) CurrentUser(ctx context.Context) (User, error) {
	const op = "look up the current user"
	var resp struct {
		Nickname   string `json:"nickname"`
		UserID     string `json:"user_id"`
		FullName   string `json:"full_name"`
		IsPersonal bool   `json:"is_personal"`
	}
	if err := g.restJSON(ctx, op, http.MethodGet, []string{"users", "current"}, nil, &resp); err != nil {
		return User{}, err
	}
	u := User{Nickname: resp.Nickname, UserID: falUserID(resp.UserID), FullName: resp.FullName, IsPersonal: resp.IsPersonal}
	if u.Nickname != "" {
		g.rest.setNickname(u.Nickname)
	}
	return u, nil
}

// falUserID keeps the part of an identity-provider id after its "|"
// (`github|123` → `123`), as fal's deploy does; an id without one stands.
func falUserID(id string) string {
	if _, after, ok := strings.Cut(id, "|"); ok && after != "" {
		return after
	}
	return id
}

func (g *GRPC) RunnerInfo(ctx context.Context, id RunnerID) (RunnerInfo, error) {
	op := fmt.Sprintf("look up runner %q", id)
	if err := checkRunnerID(id); err != nil {
		return RunnerInfo{}, invalid(op, err)
	}
	var resp struct {
		StartedAt *string `json:"started_at"`
		EndedAt   *string `json:"ended_at"`
	}
	if err := g.restJSON(ctx, op, http.MethodGet, []string{"runners", string(id)}, nil, &resp); err != nil {
		return RunnerInfo{}, err
	}
	info := RunnerInfo{ID: id}
	for _, f := range []struct {
		name string
		in   *string
		out  *time.Time
	}{{"started_at", resp.StartedAt, &info.StartedAt}, {"ended_at", resp.EndedAt, &info.EndedAt}} {
		if f.in == nil || *f.in == "" {
			continue
		}
		t, err := parseRESTTime(*f.in)
		if err != nil {
			return RunnerInfo{}, &Error{Kind: Other, Op: op, Msg: fmt.Sprintf("the REST API's %s is not an ISO-8601 time", f.name), Err: err}
		}
		*f.out = t
	}
	return info, nil
}

func (g *GRPC) QueueSize(ctx context.Context, env, app string) (QueueSize, error) {
	op := appOp("read the queue of", app, env)
	if app == "" {
		return QueueSize{}, invalid(op, errors.New("no app name given"))
	}
	user, err := g.accountNickname(ctx, op)
	if err != nil {
		return QueueSize{}, err
	}
	var resp struct {
		Size      *int           `json:"size"`
		QueueSize *int           `json:"queue_size"` // an older name fal's CLI still reads
		ByUser    map[string]int `json:"by_user"`
	}
	path := []string{"applications", user, names.Alias(app, env), "queue"}
	if err := g.restJSON(ctx, op, http.MethodGet, path, nil, &resp); err != nil {
		return QueueSize{}, err
	}
	q := QueueSize{ByUser: resp.ByUser}
	switch {
	case resp.Size != nil:
		q.Size = *resp.Size
	case resp.QueueSize != nil:
		q.Size = *resp.QueueSize
	default:
		return QueueSize{}, noAnswer(op, "size")
	}
	return q, nil
}

// accountNickname is the <user> of the account's URLs: the target's (as
// dialled or announced, or /users/current's once asked), else fal's
// /users/current, asked now.
func (g *GRPC) accountNickname(ctx context.Context, op string) (string, error) {
	if n := g.Target().User; n != "" {
		return n, nil
	}
	u, err := g.CurrentUser(ctx)
	if err != nil {
		return "", err
	}
	if u.Nickname == "" {
		return "", noAnswer(op, "nickname of the account (from /users/current)")
	}
	return u.Nickname, nil
}

// restTimeLayout is how faldash sends times: UTC to the microsecond, as
// fal's own CLI sends them (Python's isoformat), since fal's server may not
// take finer fractions.
const restTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// parseRESTTime reads an ISO-8601 time as fal writes them: with a zone
// offset or Z, or without one meaning UTC (as fal's CLI reads them).
func parseRESTTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		var err2 error
		if t, err2 = time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC); err2 != nil {
			return time.Time{}, err
		}
	}
	return t.UTC(), nil
}
