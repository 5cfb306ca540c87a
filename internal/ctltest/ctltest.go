// Package ctltest starts the real local controller for tests of other
// packages, the way faldash itself reaches it: on loopback ports, dialled
// with the admin key; or its gRPC service alone, for tests that need no
// runners, gateway or REST API.
package ctltest

import (
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/poll"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/localctl"
)

// Start starts a local controller as StartController does, and dials it
// as a local target with its admin key; the client closes when the test
// ends, before the controller.
func Start(t testing.TB, opts localctl.Options) (*localctl.Controller, *client.GRPC) {
	t.Helper()
	ctl := StartController(t, opts)
	return ctl, Dial(t, ctl.Addr(), ctl.Server())
}

// StartController starts a local controller with opts, on a fresh data
// directory and a free loopback port when opts name none. It closes when
// the test ends; an error closing it fails the test, since it means a
// runner or listener did not stop.
func StartController(t testing.TB, opts localctl.Options) *localctl.Controller {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	ctl, err := localctl.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ctl.Close(); err != nil {
			t.Error(err)
		}
	})
	return ctl
}

// Dial dials the controller ctl serving at addr as a local target with
// its admin key. The client closes when the test ends, before anything
// the test started earlier.
func Dial(t testing.TB, addr string, ctl *server.Controller) *client.GRPC {
	t.Helper()
	id, secret := ctl.AdminKey()
	cl, err := client.Dial(client.DialOptions{Addr: addr, Kind: client.TargetLocal,
		Credentials: client.Credentials{KeyID: id, KeySecret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// Serve opens the gRPC service alone with cfg, on a fresh data directory
// when cfg names none, and serves it on a free loopback port, whose
// address it returns. It closes when the test ends; an error closing or
// serving fails the test.
func Serve(t testing.TB, cfg server.Config) (*server.Controller, string) {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	ctl, err := server.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := server.Listen("127.0.0.1:0", false)
	if err != nil {
		ctl.Close()
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- ctl.Serve(lis) }()
	t.Cleanup(func() {
		if err := ctl.Close(); err != nil {
			t.Error(err)
		}
		if err := <-served; err != nil {
			t.Error(err)
		}
	})
	return ctl, lis.Addr().String()
}

// SoleIdleRunner waits until app, in the default environment, has one
// runner and it is idle, and returns that runner's id; thirty seconds
// leave room for a runner process to start on a loaded machine.
func SoleIdleRunner(t testing.TB, cl client.Client, app string) client.RunnerID {
	t.Helper()
	var id client.RunnerID
	poll.Wait(t, 30*time.Second, 20*time.Millisecond, "an idle runner of "+app, func() bool {
		rs, err := cl.ListAppRunners(t.Context(), "", app, client.RunnerQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 1 && rs[0].State == client.StateIdle {
			id = rs[0].ID
		}
		return id != ""
	})
	return id
}
