// Package ctltest starts the real local controller for tests of other
// packages, the way faldash itself reaches it: on loopback ports, dialled
// with the admin key.
package ctltest

import (
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/server/localctl"
)

// Start starts a local controller with opts, on a fresh data directory
// and a free loopback port when opts name none, and dials it as a local
// target with its admin key. Both close when the test ends; an error
// closing the controller fails the test, since it means a runner or
// listener did not stop.
func Start(t testing.TB, opts localctl.Options) (*localctl.Controller, *client.GRPC) {
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
	id, secret := ctl.Server().AdminKey()
	cl, err := client.Dial(client.DialOptions{Addr: ctl.Addr(), Kind: client.TargetLocal,
		Credentials: client.Credentials{KeyID: id, KeySecret: secret}})
	if err != nil {
		ctl.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cl.Close()
		if err := ctl.Close(); err != nil {
			t.Error(err)
		}
	})
	return ctl, cl
}
