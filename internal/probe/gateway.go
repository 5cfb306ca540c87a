package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/faldash/faldash/falpb"
)

func init() {
	Register(Section{Name: "gateway-auth", Quick: true, Run: probeGatewayAuth})
}

// gatewayTimeout bounds one request of the section.
const gatewayTimeout = 5 * time.Second

// gatewayAttempt is one way to call an app without a valid key.
type gatewayAttempt struct {
	name string
	// method and suffix (after /<user>/<alias>) default to GET and "/".
	method, suffix string
	// header is added to the request, in order (a name twice is two
	// headers).
	header [][2]string
}

// gatewayAttempts are the requests no private or shared app may answer:
// no key, wrong or mangled keys, the admin key's parts swapped or in a
// scheme fal does not take, a key in the URL, and identities claimed by
// header alone.
func (t *Target) gatewayAttempts() []gatewayAttempt {
	id, secret := t.KeyID, t.KeySecret
	auth := func(v string) [][2]string { return [][2]string{{"Authorization", v}} }
	return []gatewayAttempt{
		{name: "no key"},
		{name: "no key, POST with a body", method: http.MethodPost},
		{name: "no key, deeper path", suffix: "/predict/v1?steps=2"},
		{name: "empty Authorization", header: auth("")},
		{name: "scheme alone", header: auth("Key")},
		{name: "wrong secret", header: auth("Key " + id + ":wrong")},
		{name: "wrong secret, lower-case scheme", header: auth("key " + id + ":" + secret + "x")},
		{name: "wrong id", header: auth("Key nobody:" + secret)},
		{name: "id and secret swapped", header: auth("Key " + secret + ":" + id)},
		{name: "no colon", header: auth("Key " + id + secret)},
		{name: "no scheme", header: auth(id + ":" + secret)},
		{name: "Basic scheme", header: auth("Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret)))},
		{name: "unknown Bearer", header: auth("Bearer nobody:nothing")},
		{name: "secret with a space inside", header: auth("Key " + id + ":" + secret[:len(secret)/2] + " " + secret[len(secret)/2:])},
		{name: "16 KiB key", header: auth("Key " + id + ":" + strings.Repeat("s", 16<<10))},
		{name: "wrong key, then the right one", header: [][2]string{{"Authorization", "Key " + id + ":wrong"}, {"Authorization", "Key " + id + ":" + secret}}},
		{name: "key in the query", suffix: "/?fal_key=" + id + ":" + secret + "&key=" + id + ":" + secret},
		{name: "caller id header", header: [][2]string{{"X-Fal-Caller-Id", t.User}}},
		{name: "user id header", header: [][2]string{{"X-Fal-User-Id", t.User}}},
		{name: "forwarded-for loopback", header: [][2]string{{"X-Forwarded-For", "127.0.0.1"}, {"X-Real-Ip", "127.0.0.1"}}},
	}
}

// probeGatewayAuth calls a private and a shared app through the gateway
// without a valid key, every way gatewayAttempts knows, and counts each
// answer that is not fal's 401 with a JSON detail (which must not quote
// the key back); then checks that none of it started a runner.
func probeGatewayAuth(ctx context.Context, t *Target) (int, int, []string) {
	var tl Tally
	if t.Gateway == "" {
		tl.Note("skipped: no gateway (-gateway)")
		return tl.Result()
	}
	t.withFixture(ctx, &tl, "gateway", func(f *fixture) {
		shared := "shared--" + f.env
		cl := t.Client()
		actx, cancel := context.WithTimeout(t.Admin(ctx), callTimeout)
		_, err := register(actx, cl, &falpb.RegisterApplicationRequest{
			ApplicationName: proto.String("shared"), EnvironmentName: proto.String(f.env),
			AuthMode: falpb.ApplicationAuthMode_SHARED.Enum(),
			Code:     &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "exec sleep 1000"},
		})
		cancel()
		if err != nil {
			tl.Check("deploy a shared app", false, "%v", err)
			return
		}
		// The fixture's app is private, as every app is by default.
		apps := []struct{ mode, alias string }{{"private", f.alias}, {"shared", shared}}
		// A refusal is immediate; a request let in waits for a runner
		// that never serves, so a short bound keeps a broken gateway's
		// report quick.
		hc := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: gatewayTimeout}
		defer hc.CloseIdleConnections()
		for _, app := range apps {
			for _, a := range t.gatewayAttempts() {
				problem := t.gatewayRefuses(ctx, hc, app.alias, a)
				tl.Check(fmt.Sprintf("%s app, %s", app.mode, a.name), problem == "", "%s", problem)
			}
		}
		actx, cancel = context.WithTimeout(t.Admin(ctx), callTimeout)
		defer cancel()
		for _, app := range apps {
			rs, err := cl.ListAliasRunners(actx, &falpb.ListAliasRunnersRequest{Alias: app.alias, ListPending: proto.Bool(true), EnvironmentName: proto.String(f.env)})
			n := len(rs.GetRunners())
			tl.Check(app.mode+" app: no runner started for refused requests", err == nil && n == 0, "%d runners, %v", n, err)
		}
	})
	return tl.Result()
}

// gatewayRefuses sends a to alias and says what is wrong with the answer,
// or "" when it is a right refusal.
func (t *Target) gatewayRefuses(ctx context.Context, hc *http.Client, alias string, a gatewayAttempt) string {
	method, suffix := a.method, a.suffix
	if method == "" {
		method = http.MethodGet
	}
	if suffix == "" {
		suffix = "/"
	}
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(`{"prompt":"probe"}`)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.Gateway+"/"+t.User+"/"+alias+suffix, body)
	if err != nil {
		return err.Error()
	}
	for _, h := range a.header {
		req.Header.Add(h[0], h[1])
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Sprintf("no answer: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var detail struct{ Detail string }
	switch {
	case resp.StatusCode != http.StatusUnauthorized:
		return fmt.Sprintf("answered %s: %s", resp.Status, Quote(string(b)))
	case json.Unmarshal(b, &detail) != nil || detail.Detail == "":
		return fmt.Sprintf("401 without a JSON detail: %s", Quote(string(b)))
	case strings.Contains(string(b), t.KeySecret):
		return "the 401 quotes the key's secret back"
	case Unsafe(detail.Detail):
		return fmt.Sprintf("unsafe detail %s", Quote(detail.Detail))
	}
	return ""
}
