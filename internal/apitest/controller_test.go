package apitest

import (
	"testing"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ctltest"
	"github.com/faldash/faldash/server"
)

// testController is a real local controller serving on a loopback port.
type testController struct {
	ctl              *server.Controller
	dir              string
	addr             string
	keyID, keySecret string
}

func startController(t *testing.T) *testController {
	t.Helper()
	return startControllerIn(t, t.TempDir())
}

func startControllerIn(t *testing.T, dir string) *testController {
	t.Helper()
	// A gateway URL, though none serves there: deploys then answer with
	// service_urls, whose shape the wire tests check.
	ctl, addr := ctltest.Serve(t, server.Config{DataDir: dir, GatewayURL: "http://127.0.0.1:7778"})
	id, secret := ctl.AdminKey()
	return &testController{ctl: ctl, dir: dir, addr: addr, keyID: id, keySecret: secret}
}

// dial connects faldash's real client to the controller with its key.
func (c *testController) dial(t *testing.T) client.Client {
	t.Helper()
	cl, err := client.Dial(client.DialOptions{
		Addr:        c.addr,
		Credentials: client.Credentials{KeyID: c.keyID, KeySecret: c.keySecret},
		Kind:        client.TargetLocal,
		User:        "local",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// localCreds is what fal's SDK uses for a local controller: no TLS.
func localCreds() credentials.TransportCredentials { return insecure.NewCredentials() }
