package localctl

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/testcert"
)

func startTLS(t *testing.T, cert testcert.Cert, listen string) *Controller {
	t.Helper()
	cfg, err := LoadTLS(cert.CertFile, cert.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Start(Options{DataDir: t.TempDir(), Listen: listen, Gateway: "127.0.0.1:0", REST: "127.0.0.1:0", User: "alice", TLS: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// httpsClient trusts cert and offers alpn (nil: no ALPN at all, as a
// client that predates it).
func httpsClient(cert testcert.Cert, alpn []string) *http.Client {
	cfg := &tls.Config{RootCAs: cert.Pool, NextProtos: alpn}
	return &http.Client{Transport: &http.Transport{
		Proxy: nil,
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			d := tls.Dialer{Config: cfg}
			return d.DialContext(ctx, network, addr)
		},
		// With its own DialTLSContext a Transport speaks HTTP/2 only when
		// told to, and only if ALPN agreed on it.
		ForceAttemptHTTP2: true,
	}}
}

// currentUser asks base's REST API who the admin key is, and returns the
// HTTP version the answer came in.
func currentUser(t *testing.T, hc *http.Client, c *Controller, base string) string {
	t.Helper()
	id, secret := c.Server().AdminKey()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/users/current", nil)
	req.Header.Set("Authorization", "Key "+id+":"+secret)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", base, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"nickname":"alice"`) {
		t.Errorf("current user at %s: %d %s", base, resp.StatusCode, body)
	}
	return resp.Proto
}

// With a certificate, gRPC, the REST API (on its port and on the gRPC
// port) and the gateway all speak TLS, and nothing answers in the clear.
func TestTLSOnEveryListener(t *testing.T) {
	cert := testcert.Loopback(t)
	c := startTLS(t, cert, "127.0.0.1:0")
	for _, u := range []string{c.RESTURL(), c.GatewayURL()} {
		if !strings.HasPrefix(u, "https://127.0.0.1:") {
			t.Errorf("URL %q is not https", u)
		}
	}
	if e, err := ReadEndpoints(c.Server().DataDir()); err != nil || e.REST != c.RESTURL() || e.Gateway != c.GatewayURL() {
		t.Errorf("endpoints %+v, %v", e, err)
	}

	// gRPC, as faldash's client speaks it (ALPN h2), REST beside it.
	id, secret := c.Server().AdminKey()
	cl, err := client.Dial(client.DialOptions{Addr: c.Addr(), Kind: client.TargetLocal, RootCAs: cert.Pool,
		Credentials: client.Credentials{KeyID: id, KeySecret: secret}, RESTURL: c.RESTURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if envs, err := cl.ListEnvironments(t.Context()); err != nil || len(envs) != 1 {
		t.Errorf("ListEnvironments over TLS: %v, %v", envs, err)
	}
	if u, err := cl.CurrentUser(t.Context()); err != nil || u.Nickname != "alice" {
		t.Errorf("CurrentUser over TLS: %+v, %v", u, err)
	}

	// The REST API's own port speaks HTTP/2 and HTTP/1.1.
	if proto := currentUser(t, httpsClient(cert, []string{"h2", "http/1.1"}), c, c.RESTURL()); proto != "HTTP/2.0" {
		t.Errorf("REST port with h2 offered answered over %s", proto)
	}
	currentUser(t, httpsClient(cert, []string{"http/1.1"}), c, c.RESTURL())
	// On the gRPC port, a client that asks for http/1.1 (fal's CLI,
	// through httpx) or for nothing reaches the REST API.
	currentUser(t, httpsClient(cert, []string{"http/1.1"}), c, "https://"+c.Addr())
	currentUser(t, httpsClient(cert, nil), c, "https://"+c.Addr())

	// A gRPC client without ALPN is told apart by HTTP/2's preface inside
	// TLS.
	wantOneEnvironment(t, "gRPC without ALPN", c, "passthrough:///"+c.Addr(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			d := tls.Dialer{Config: &tls.Config{RootCAs: cert.Pool, ServerName: "127.0.0.1"}}
			return d.DialContext(ctx, "tcp", addr)
		}))

	// The gateway, with the key its private apps need.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, c.GatewayURL()+"/alice/nope", nil)
	req.Header.Set("Authorization", "Key "+id+":"+secret)
	wantNoAppNope(t, "gateway over TLS", httpsClient(cert, []string{"h2", "http/1.1"}), req)

	// Nothing answers in the clear.
	plain := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second}
	for _, u := range []string{"http://" + c.Addr(), strings.Replace(c.RESTURL(), "https", "http", 1), strings.Replace(c.GatewayURL(), "https", "http", 1)} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, u+"/users/current", nil)
		req.Header.Set("Authorization", "Key "+id+":"+secret)
		if resp, err := plain.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("plain HTTP to %s: %s", u, resp.Status)
			}
		}
	}
	plainGRPC, err := client.Dial(client.DialOptions{Addr: c.Addr(), Kind: client.TargetLocal, Credentials: client.Credentials{KeyID: id, KeySecret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer plainGRPC.Close()
	if _, err := plainGRPC.ListEnvironments(t.Context()); err == nil {
		t.Error("plaintext gRPC got an answer from a TLS controller")
	}
	// Nor to a client that does not trust the certificate.
	untrusting, err := client.Dial(client.DialOptions{Addr: c.Addr(), Kind: client.TargetLocal, Insecure: new(false),
		Credentials: client.Credentials{KeyID: id, KeySecret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer untrusting.Close()
	if _, err := untrusting.ListEnvironments(t.Context()); err == nil {
		t.Error("a client that does not trust the certificate got an answer")
	}
}

// A unix socket stays plaintext beside TLS listeners: it never leaves the
// machine.
func TestTLSLeavesUnixSocketPlain(t *testing.T) {
	cert := testcert.Loopback(t)
	sock := filepath.Join(t.TempDir(), "ctl.sock")
	c := startTLS(t, cert, "unix:"+sock)
	id, secret := c.Server().AdminKey()
	cl, err := client.Dial(client.DialOptions{Addr: "unix:" + sock, Kind: client.TargetLocal, Credentials: client.Credentials{KeyID: id, KeySecret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if envs, err := cl.ListEnvironments(t.Context()); err != nil || len(envs) != 1 {
		t.Errorf("ListEnvironments on the socket: %v, %v", envs, err)
	}
	if !strings.HasPrefix(c.RESTURL(), "https://") {
		t.Errorf("REST %q beside a socket is not https", c.RESTURL())
	}
}

// --allow-remote without TLS is refused before anything is opened or
// created, unless Insecure says so, and then with a warning.
func TestAllowRemoteNeedsTLSOrInsecure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	_, err := Start(Options{DataDir: dir, Listen: "127.0.0.1:0", Gateway: "127.0.0.1:0", REST: "127.0.0.1:0", AllowRemote: true})
	if err == nil || !strings.Contains(err.Error(), "--tls-cert") || !strings.Contains(err.Error(), "--insecure") {
		t.Fatalf("allow-remote without TLS: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused start left the data directory: %v", err)
	}

	var log bytes.Buffer
	c, err := Start(Options{DataDir: dir, Listen: "127.0.0.1:0", Gateway: "127.0.0.1:0", REST: "127.0.0.1:0", AllowRemote: true, Insecure: true,
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "in the clear") {
		t.Errorf("no warning for an insecure remote controller: %s", log.String())
	}

	cert := testcert.Loopback(t)
	cfg, err := LoadTLS(cert.CertFile, cert.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	log.Reset()
	c, err = Start(Options{DataDir: dir, Listen: "127.0.0.1:0", Gateway: "127.0.0.1:0", REST: "127.0.0.1:0", AllowRemote: true, TLS: cfg,
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if strings.Contains(log.String(), "level=WARN") {
		t.Errorf("a warning with TLS: %s", log.String())
	}
}

func TestLoadTLSRefusesBadFiles(t *testing.T) {
	good := testcert.Loopback(t)
	other := testcert.Loopback(t)
	expired := testcert.New(t, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
	early := testcert.New(t, time.Now().Add(24*time.Hour), time.Now().Add(48*time.Hour))
	missing := filepath.Join(t.TempDir(), "missing.pem")
	for _, tc := range []struct {
		name, cert, key, says string
	}{
		{"missing certificate", missing, good.KeyFile, "missing.pem"},
		{"missing key", good.CertFile, missing, "missing.pem"},
		{"another certificate's key", good.CertFile, other.KeyFile, "private key does not match"},
		{"key as certificate", good.KeyFile, good.KeyFile, good.KeyFile},
		{"expired", expired.CertFile, expired.KeyFile, "expired on"},
		{"not yet valid", early.CertFile, early.KeyFile, "not valid before"},
	} {
		if _, err := LoadTLS(tc.cert, tc.key); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.says)
		}
	}
}
