package cli

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
)

func TestServeDemo(t *testing.T) {
	if err := Run(t.Context(), []string{"serve", "--demo", "--data", t.TempDir()}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--data") {
		t.Errorf("--demo with --data: %v", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--demo"}, pw, io.Discard)
		pw.Close()
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var addr, keyFile, restURL string
	deadline := time.After(60 * time.Second)
	for addr == "" || keyFile == "" || restURL == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve --demo ended early: %v", <-done)
			}
			if a, ok := strings.CutPrefix(l, "faldash demo controller listening on "); ok {
				addr = a
			}
			if k, ok := strings.CutPrefix(l, "admin key file: "); ok {
				keyFile, _, _ = strings.Cut(k, " ")
			}
			if r, ok := strings.CutPrefix(l, "rest api: "); ok {
				restURL = r
			}
		case <-deadline:
			t.Fatal("serve --demo printed no address, key file and REST API")
		}
	}
	go func() {
		for range lines {
		}
	}()

	creds, err := client.ReadKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(client.DialOptions{Addr: addr, Credentials: creds, Kind: client.TargetDemo})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	envs, err := c.ListEnvironments(t.Context())
	if err != nil || len(envs) != 3 {
		t.Fatalf("demo environments: %v, %v", envs, err)
	}

	req, err := http.NewRequest(http.MethodGet, restURL+"/users/teams", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Key "+creds.KeyID+":"+creds.KeySecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("demo rest api %s: %d", restURL, resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve --demo after SIGINT: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve --demo did not stop")
	}
	// The key file sits in <temp>/data; the whole temporary tree is gone.
	if _, err := os.Stat(filepath.Dir(filepath.Dir(keyFile))); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("demo directory after exit: %v", err)
	}
}
