package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/local"
	"google.golang.org/grpc/metadata"

	"github.com/faldash/faldash/falpb"
)

func TestServeRunsUntilCancelled(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--gateway", "127.0.0.1:0", "--rest", "127.0.0.1:0", "--data", dir, "--user", "alice"}, pw, io.Discard)
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
	var addr, keyFile, gateway, restURL string
	deadline := time.After(30 * time.Second)
	for addr == "" || keyFile == "" || gateway == "" || restURL == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve ended early: %v", <-done)
			}
			if a, ok := strings.CutPrefix(l, "faldash controller listening on "); ok {
				addr = a
			}
			if k, ok := strings.CutPrefix(l, "admin key file: "); ok {
				keyFile, _, _ = strings.Cut(k, " ")
			}
			if g, ok := strings.CutPrefix(l, "gateway: "); ok {
				gateway = strings.TrimSuffix(g, "/<app>")
			}
			if r, ok := strings.CutPrefix(l, "rest api: "); ok {
				restURL = r
			}
		case <-deadline:
			t.Fatal("serve printed no address and key file")
		}
	}
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

	cancel()
	go func() {
		for range lines {
		}
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after SIGINT: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestServeRefusesRemoteWithoutFlag(t *testing.T) {
	err := run(t.Context(), []string{"serve", "--listen", "0.0.0.0:0", "--data", t.TempDir()}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "allow-remote") {
		t.Fatalf("serve on 0.0.0.0: %v", err)
	}
	err = run(t.Context(), []string{"serve", "--listen", "127.0.0.1:0", "--gateway", "127.0.0.1:0", "--rest", "0.0.0.0:0", "--data", t.TempDir()}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "rest api") || !strings.Contains(err.Error(), "allow-remote") {
		t.Fatalf("rest api on 0.0.0.0: %v", err)
	}
}

func TestVersionAndUsage(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"version"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "faldash "+versionString() || versionString() == "" {
		t.Errorf("version printed %q", got)
	}
	version = "v1.2.3"
	defer func() { version = "" }()
	out.Reset()
	run(t.Context(), []string{"version"}, &out, io.Discard)
	if got := strings.TrimSpace(out.String()); got != "faldash v1.2.3" {
		t.Errorf("version with -ldflags printed %q", got)
	}

	if err := run(t.Context(), []string{"frobnicate"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("unknown command: %v", err)
	}
	out.Reset()
	if err := run(t.Context(), []string{"help"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "serve") {
		t.Errorf("usage: %q, %v", out.String(), err)
	}
}
