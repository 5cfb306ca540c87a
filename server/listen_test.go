package server

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/local"

	"github.com/faldash/faldash/falpb"
)

func TestListenRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:7777", "example.com:7777"} {
		lis, err := Listen(addr, false)
		if err == nil {
			lis.Close()
			t.Errorf("Listen(%q) was allowed without allowRemote", addr)
			continue
		}
		if !strings.Contains(err.Error(), "allow-remote") {
			t.Errorf("Listen(%q): %v does not say how to allow it", addr, err)
		}
	}
	lis, err := Listen("0.0.0.0:0", true)
	if err != nil {
		t.Fatalf("Listen with allowRemote: %v", err)
	}
	lis.Close()
	if _, err := Listen("no-port", false); err == nil {
		t.Error("an address without a port was accepted")
	}
}

func TestListenLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		lis, err := Listen(addr, false)
		if err != nil {
			t.Fatalf("Listen(%q): %v", addr, err)
		}
		if ip := lis.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
			t.Errorf("Listen(%q) listens on %v", addr, ip)
		}
		lis.Close()
	}
}

// A controller on a unix socket answers a client dialling it the way fal's
// SDK does; a stale socket file is replaced, a live one is not.
func TestListenUnixSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "fd") // short: socket paths are limited to ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "c.sock")

	// A stale socket: bound, then abandoned without unlinking.
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()

	h := start(t)
	lis, err := Listen("unix:"+path, false)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	if mode := must(os.Stat(path)).get(t).Mode().Perm(); mode != 0o600 {
		t.Errorf("socket mode %v", mode)
	}
	done := make(chan error, 1)
	go func() { done <- h.ctl.Serve(lis) }()

	if _, err := Listen(path, false); err == nil || !strings.Contains(err.Error(), "another process") {
		t.Errorf("Listen on a live socket: %v", err)
	}
	notSocket := filepath.Join(dir, "file.sock")
	os.WriteFile(notSocket, nil, 0o600)
	if _, err := Listen(notSocket, false); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("Listen on a regular file: %v", err)
	}

	conn, err := grpc.NewClient("unix://"+path, grpc.WithTransportCredentials(local.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	envs := must(falpb.NewIsolateControllerClient(conn).ListEnvironments(h.ctx(), &falpb.ListEnvironmentsRequest{})).get(t)
	if len(envs.GetEnvironments()) != 1 {
		t.Fatalf("over the socket: %v", envs)
	}
	h.ctl.Close()
	if err := <-done; err != nil {
		t.Errorf("serve on the socket: %v", err)
	}
}

func TestDefaultDataDir(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/xdg")
	if d := must(DefaultDataDir()).get(t); d != "/xdg/faldash" {
		t.Errorf("with XDG_DATA_HOME: %s", d)
	}
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/u")
	if d := must(DefaultDataDir()).get(t); d != "/home/u/.local/share/faldash" {
		t.Errorf("without XDG_DATA_HOME: %s", d)
	}
}
