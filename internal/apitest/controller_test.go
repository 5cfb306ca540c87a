package apitest

import (
	"testing"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/faldash/faldash/client"
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
	ctl, err := server.Open(server.Config{DataDir: dir, GatewayURL: "http://127.0.0.1:7778"})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := server.Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	go ctl.Serve(lis) //nolint:errcheck // ends with Close
	t.Cleanup(func() { ctl.Close() })
	id, secret := ctl.AdminKey()
	return &testController{ctl: ctl, dir: dir, addr: lis.Addr().String(), keyID: id, keySecret: secret}
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
