package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/local"
	"google.golang.org/grpc/metadata"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/testcert"
	"github.com/faldash/faldash/server"
)

// served is a `faldash serve` running in this process, with what it
// printed at start.
type served struct {
	addr, keyFile, gateway, restURL, cert string
	stop                                  func() error
}

// startServe runs serve with args until the test ends (or stop), and
// reads where it listens from what it prints.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, append([]string{"serve"}, args...), pw, io.Discard)
		pw.Close()
	}()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	s := &served{}
	var once sync.Once
	var stopErr error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			go func() {
				for range lines {
				}
			}()
			select {
			case stopErr = <-done:
			case <-time.After(30 * time.Second):
				stopErr = errors.New("serve did not stop")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { s.stop() })
	deadline := time.After(30 * time.Second)
	for s.addr == "" || s.keyFile == "" || s.gateway == "" || s.restURL == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve ended early: %v", <-done)
			}
			if a, ok := strings.CutPrefix(l, "faldash controller listening on "); ok {
				s.addr = a
			}
			if k, ok := strings.CutPrefix(l, "admin key file: "); ok {
				s.keyFile, _, _ = strings.Cut(k, " ")
			}
			if c, ok := strings.CutPrefix(l, "tls certificate: "); ok {
				s.cert, _, _ = strings.Cut(c, " ")
			}
			if g, ok := strings.CutPrefix(l, "gateway: "); ok {
				s.gateway = strings.TrimSuffix(g, "/<app>")
			}
			if r, ok := strings.CutPrefix(l, "rest api: "); ok {
				s.restURL = r
			}
		case <-deadline:
			t.Fatal("serve printed no address and key file")
		}
	}
	return s
}

func TestServeRunsUntilCancelled(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := startServe(t, "--listen", "127.0.0.1:0", "--gateway", "127.0.0.1:0", "--rest", "127.0.0.1:0", "--data", dir, "--user", "alice")
	addr, keyFile, gateway, restURL := s.addr, s.keyFile, s.gateway, s.restURL
	if keyFile != filepath.Join(dir, "admin.key") {
		t.Errorf("key file %q", keyFile)
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	id, secret, _ := strings.Cut(strings.TrimSpace(string(key)), ":")
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(local.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	callCtx := metadata.AppendToOutgoingContext(t.Context(), "auth-key-id", id, "auth-key", secret)
	envs, err := falpb.NewIsolateControllerClient(conn).ListEnvironments(callCtx, &falpb.ListEnvironmentsRequest{})
	if err != nil || len(envs.GetEnvironments()) != 1 {
		t.Fatalf("ListEnvironments: %v, %v", envs, err)
	}

	// The gateway serves this user's apps, and there are none yet.
	resp, err := http.Get(gateway + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasSuffix(gateway, "/alice") || resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "no app nope for alice") {
		t.Errorf("gateway %s: %d %s", gateway, resp.StatusCode, body)
	}

	// fal's REST API answers with the same key.
	req, err := http.NewRequest(http.MethodGet, restURL+"/users/current", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Key "+id+":"+secret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(restURL, "http://127.0.0.1:") || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"nickname":"alice"`) {
		t.Errorf("rest api %s: %d %s", restURL, resp.StatusCode, body)
	}

	if err := s.stop(); err != nil {
		t.Fatalf("serve after SIGINT: %v", err)
	}
}

// With a certificate, serve prints https URLs and where the certificate
// is, and faldash's client reaches gRPC and the REST API through it.
func TestServeWithTLS(t *testing.T) {
	cert := testcert.Loopback(t)
	s := startServe(t, "--listen", "127.0.0.1:0", "--gateway", "127.0.0.1:0", "--rest", "127.0.0.1:0",
		"--data", filepath.Join(t.TempDir(), "data"), "--tls-cert", cert.CertFile, "--tls-key", cert.KeyFile)
	if !strings.HasPrefix(s.gateway, "https://127.0.0.1:") || !strings.HasPrefix(s.restURL, "https://127.0.0.1:") || s.cert != cert.CertFile {
		t.Errorf("gateway %q, rest api %q, certificate %q", s.gateway, s.restURL, s.cert)
	}
	creds, err := client.ReadKeyFile(s.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.Dial(client.DialOptions{Addr: s.addr, Kind: client.TargetLocal, Credentials: creds, RootCAs: cert.Pool, RESTURL: s.restURL})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if envs, err := cl.ListEnvironments(t.Context()); err != nil || len(envs) != 1 {
		t.Errorf("ListEnvironments over TLS: %v, %v", envs, err)
	}
	if u, err := cl.CurrentUser(t.Context()); err != nil || u.Nickname != server.DefaultUser {
		t.Errorf("CurrentUser over TLS: %+v, %v", u, err)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
}

// The TLS flags are refused when they say two things at once, or when a
// controller would face the network in the clear; nothing is created.
func TestServeRefusesTLSFlagMistakes(t *testing.T) {
	cert := testcert.Loopback(t)
	data := filepath.Join(t.TempDir(), "data")
	missing := filepath.Join(t.TempDir(), "missing.pem")
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--allow-remote"}, "--allow-remote without --tls-cert and --tls-key would send keys"},
		{[]string{"--tls-cert", cert.CertFile}, "go together"},
		{[]string{"--tls-key", cert.KeyFile}, "go together"},
		{[]string{"--insecure"}, "--insecure only allows --allow-remote without TLS"},
		{[]string{"--allow-remote", "--insecure", "--tls-cert", cert.CertFile, "--tls-key", cert.KeyFile}, "--insecure means serving without TLS"},
		{[]string{"--tls-cert", missing, "--tls-key", cert.KeyFile}, "missing.pem"},
		{[]string{"--tls-cert", cert.KeyFile, "--tls-key", cert.CertFile}, "tls certificate"},
	} {
		args := append([]string{"serve", "--listen", "127.0.0.1:0", "--gateway", "127.0.0.1:0", "--rest", "127.0.0.1:0", "--data", data}, tc.args...)
		if err := Run(t.Context(), args, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("serve %q: %v, want an error saying %q", tc.args, err, tc.says)
		}
	}
	if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("refused serves left the data directory: %v", err)
	}
	for _, f := range [][]string{{"--allow-remote"}, {"--insecure"}, {"--tls-cert", cert.CertFile, "--tls-key", cert.KeyFile}} {
		err := Run(t.Context(), append([]string{"serve", "--demo"}, f...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--demo listens on loopback only") {
			t.Errorf("serve --demo %q: %v", f, err)
		}
	}
}

func TestServeRefusesRemoteWithoutFlag(t *testing.T) {
	err := Run(t.Context(), []string{"serve", "--listen", "0.0.0.0:0", "--data", t.TempDir()}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "allow-remote") {
		t.Fatalf("serve on 0.0.0.0: %v", err)
	}
	err = Run(t.Context(), []string{"serve", "--listen", "127.0.0.1:0", "--gateway", "127.0.0.1:0", "--rest", "0.0.0.0:0", "--data", t.TempDir()}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "rest api") || !strings.Contains(err.Error(), "allow-remote") {
		t.Fatalf("rest api on 0.0.0.0: %v", err)
	}
}

func TestVersionAndUsage(t *testing.T) {
	var out bytes.Buffer
	if err := Run(t.Context(), []string{"version"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "faldash "+versionString() || versionString() == "" {
		t.Errorf("version printed %q", got)
	}
	Version = "v1.2.3"
	defer func() { Version = "" }()
	out.Reset()
	Run(t.Context(), []string{"version"}, &out, io.Discard)
	if got := strings.TrimSpace(out.String()); got != "faldash v1.2.3" {
		t.Errorf("version with -ldflags printed %q", got)
	}

	if err := Run(t.Context(), []string{"frobnicate"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("unknown command: %v", err)
	}
	out.Reset()
	if err := Run(t.Context(), []string{"help"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "serve") {
		t.Errorf("usage: %q, %v", out.String(), err)
	}
}
