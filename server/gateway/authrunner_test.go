package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server/gateway"
	"github.com/faldash/faldash/server/supervisor"
)

// seen is what authRunner answers on "/": what the gateway told it.
type seen struct {
	Caller        string `json:"caller"`
	Authorization string `json:"authorization"`
}

// authRunner is a runner that shows what the gateway passed on and acts
// with its own FAL_KEY, as an app that calls other fal endpoints does:
//
//	/               the caller it was told of, and any Authorization it got
//	/hold           stays until the caller leaves
//	/call?url=U     GETs U with the runner's key and answers what came back
//	/write          tries to create an environment on the controller (FAL_HOST)
func authRunner() int {
	key := os.Getenv("FAL_KEY")
	hc := &http.Client{Transport: &http.Transport{Proxy: nil}}
	mux := http.NewServeMux()
	mux.HandleFunc("/hold", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	mux.HandleFunc("/call", func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, r.URL.Query().Get("url"), nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req.Header.Set("Authorization", "Key "+key)
		resp, err := hc.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		creds, err := client.ParseKey(key)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		c, err := client.Dial(client.DialOptions{Addr: os.Getenv("FAL_HOST"), Credentials: creds, Kind: client.TargetLocal})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer c.Close()
		if _, err = c.CreateEnvironment(r.Context(), "made-by-a-runner", ""); err == nil {
			fmt.Fprint(w, "created")
			return
		}
		fmt.Fprint(w, client.KindOf(err))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(seen{Caller: r.Header.Get(gateway.CallerIDHeader), Authorization: r.Header.Get("Authorization")})
	})
	if err := http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return 1
}

// TestGatewayAuthWithRealRunners is fal's auth matrix through the real
// gateway to real runners: private, shared and public apps called with
// no key, a wrong key, a malformed one, a forged caller id, the admin key
// and a runner's own FAL_KEY.
func TestGatewayAuthWithRealRunners(t *testing.T) {
	s := startStack(t, supervisor.Config{})
	// No minimum: a runner starts only for a request that got through.
	idle := scaling.Spec{MinConcurrency: scaling.Int(0), MaxConcurrency: scaling.Int(1), KeepAlive: scaling.Int(300)}
	modes := map[string]client.AuthMode{"private": client.AuthPrivate, "shared": client.AuthShared, "public": client.AuthPublic}
	for app, mode := range modes {
		s.deployAs(app, mode, idle, "auth-runner")
	}
	s.deployAs("caller", client.AuthPrivate, idle, "auth-runner")

	send := func(app string, header map[string]string) answer {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.gw+"/local/"+app+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		return do(t, req)
	}
	strangers := []struct {
		name   string
		header map[string]string
		says   string
	}{
		{"no key", nil, "send Authorization: Key"},
		{"wrong key", map[string]string{"Authorization": "Key nobody:nothing"}, "invalid credentials"},
		{"malformed key", map[string]string{"Authorization": "Key no-colon"}, "malformed credentials"},
		{"forged caller id", map[string]string{gateway.CallerIDHeader: "local"}, "send Authorization: Key"},
	}

	for _, app := range []string{"private", "shared"} {
		for _, c := range strangers {
			t.Run(app+"/"+c.name, func(t *testing.T) {
				a := send(app, c.header)
				if a.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				a.detail(t, http.StatusUnauthorized, c.says)
			})
		}
		if rs := s.runners(app); len(rs) != 0 {
			t.Errorf("refused requests to %s started %d runners", app, len(rs))
		}
	}
	for _, c := range strangers {
		t.Run("public/"+c.name, func(t *testing.T) {
			var got seen
			if err := json.Unmarshal(send("public", c.header).body, &got); err != nil || got != (seen{Caller: gateway.AnonymousCaller}) {
				t.Errorf("runner saw %+v (%v), want an anonymous caller and no key", got, err)
			}
		})
	}

	for app := range modes {
		t.Run(app+"/admin key", func(t *testing.T) {
			a := send(app, map[string]string{"Authorization": s.key, gateway.CallerIDHeader: "mallory"})
			var got seen
			if err := json.Unmarshal(a.body, &got); a.code != http.StatusOK || err != nil || got != (seen{Caller: "local"}) {
				t.Errorf("%d %s: runner saw %+v, want caller local and no key", a.code, a.body, got)
			}
		})
		// The caller app's runner calls app with its own FAL_KEY.
		t.Run(app+"/runner key", func(t *testing.T) {
			a := s.get("/local/caller/call?url=" + url.QueryEscape(s.gw+"/local/"+app+"/"))
			var got seen
			if err := json.Unmarshal(a.body, &got); a.code != http.StatusOK || err != nil || got != (seen{Caller: "local"}) {
				t.Errorf("%d %s: runner saw %+v, want caller local and no key", a.code, a.body, got)
			}
		})
	}

	// The key that reaches the owner's private apps still writes nothing.
	if a := s.get("/local/caller/write"); a.code != http.StatusOK || string(a.body) != client.PermissionDenied.String() {
		t.Errorf("a runner's write on the controller: %d %q, want %q", a.code, a.body, client.PermissionDenied)
	}

	// The lease names the key's account, not the header the caller sent.
	held, cancel := s.holdWith("/local/private/hold", map[string]string{"Authorization": s.key, gateway.CallerIDHeader: "mallory"})
	waitFor(t, "the held request's lease", func() bool {
		for _, r := range s.runners("private") {
			for _, l := range r.Leases() {
				if l.CallerUserID == "local" {
					return true
				}
				t.Errorf("lease of %s names caller %q", l.RequestID, l.CallerUserID)
			}
		}
		return false
	})
	cancel()
	<-held
}
