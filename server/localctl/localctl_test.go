package localctl

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/local"
	"google.golang.org/grpc/metadata"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/server"
)

// wantNoAppNope sends req, a call of alice's app nope, with hc and wants
// the gateway's answer that there is no such app.
func wantNoAppNope(t *testing.T, gateway string, hc *http.Client, req *http.Request) {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "no app nope for alice") {
		t.Errorf("%s answered %d %s", gateway, resp.StatusCode, body)
	}
}

// wantOneEnvironment lists c's environments as its admin over a gRPC
// connection to target dialled with opts, and wants the one it starts
// with.
func wantOneEnvironment(t *testing.T, what string, c *Controller, target string, opts ...grpc.DialOption) {
	t.Helper()
	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	id, secret := c.Server().AdminKey()
	ctx := metadata.AppendToOutgoingContext(t.Context(), server.MetadataKeyID, id, server.MetadataKeySecret, secret)
	if envs, err := falpb.NewIsolateControllerClient(conn).ListEnvironments(ctx, &falpb.ListEnvironmentsRequest{}); err != nil || len(envs.GetEnvironments()) != 1 {
		t.Errorf("%s: %v, %v", what, envs, err)
	}
}

func TestStartServesControllerAndGateway(t *testing.T) {
	dir := t.TempDir()
	c, err := Start(Options{DataDir: dir, Listen: "127.0.0.1:0", Gateway: "127.0.0.1:0", REST: "127.0.0.1:0", User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.GatewayURL(), "http://127.0.0.1:") || c.Addr() == "" || c.Server().DataDir() != dir {
		t.Errorf("gateway %q, addr %q, data %q", c.GatewayURL(), c.Addr(), c.Server().DataDir())
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, c.GatewayURL()+"/alice/nope", nil)
	wantNoAppNope(t, "gateway", http.DefaultClient, req)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := http.Get(c.GatewayURL() + "/alice/nope"); err == nil {
		t.Error("the gateway still answers after Close")
	}
}

func TestGatewayAndRESTOff(t *testing.T) {
	dir := t.TempDir()
	c, err := Start(Options{DataDir: dir, Listen: "127.0.0.1:0", Gateway: GatewayOff, REST: Off})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.GatewayURL() != "" || c.RESTURL() != "" {
		t.Errorf("gateway %q, rest %q with both off", c.GatewayURL(), c.RESTURL())
	}
	if e, err := ReadEndpoints(dir); err != nil || e != (Endpoints{GRPC: c.Addr()}) {
		t.Errorf("endpoints %+v, %v", e, err)
	}
}

// The REST API answers with the controller's keys, the endpoints file
// says where everything is while the controller runs, and Close ends both.
func TestRESTAndEndpoints(t *testing.T) {
	dir := t.TempDir()
	c, err := Start(Options{DataDir: dir, Listen: "127.0.0.1:0", Gateway: "127.0.0.1:0", REST: "127.0.0.1:0", User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !strings.HasPrefix(c.RESTURL(), "http://127.0.0.1:") || c.RESTURL() == c.GatewayURL() {
		t.Errorf("rest %q, gateway %q", c.RESTURL(), c.GatewayURL())
	}
	id, secret := c.Server().AdminKey()
	// A connection that says nothing holds up no other.
	silent, err := net.Dial("tcp", c.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	// fal's CLI looks for some of the REST API at the gRPC address.
	for _, base := range []string{c.RESTURL(), "http://" + c.Addr()} {
		req, _ := http.NewRequest(http.MethodGet, base+"/users/current", nil)
		req.Header.Set("Authorization", "Key "+id+":"+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"nickname":"alice"`) {
			t.Errorf("current user at %s: %d %s", base, resp.StatusCode, body)
		}
	}
	// And gRPC is still served there.
	wantOneEnvironment(t, "ListEnvironments", c, c.Addr(), grpc.WithTransportCredentials(local.NewCredentials()))

	e, err := ReadEndpoints(dir)
	if want := (Endpoints{GRPC: c.Addr(), REST: c.RESTURL(), Gateway: c.GatewayURL()}); err != nil || e != want {
		t.Errorf("endpoints %+v, %v; want %+v", e, err, want)
	}
	if fi, err := os.Stat(filepath.Join(dir, EndpointsFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("endpoints file: %v, %v", fi.Mode(), err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadEndpoints(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("endpoints after Close: %v", err)
	}
	for _, base := range []string{c.RESTURL(), "http://" + c.Addr()} {
		if _, err := http.Get(base + "/users/current"); err == nil {
			t.Errorf("%s still answers after Close", base)
		}
	}
}

func TestReadEndpointsRefusesBadFiles(t *testing.T) {
	for _, content := range []string{"{", `{"rest":"http://127.0.0.1:7779"}`} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, EndpointsFile), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if e, err := ReadEndpoints(dir); err == nil || !strings.Contains(err.Error(), EndpointsFile) {
			t.Errorf("%s: %+v, %v", content, e, err)
		}
	}
}

func TestBadGatewayAddressLeavesNothingOpen(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ gateway, rest, says string }{
		{"0.0.0.0:0", "127.0.0.1:0", "gateway address \"0.0.0.0:0\" is not loopback; pass --allow-remote"},
		{"no-port", "127.0.0.1:0", "host:port"},
		{"127.0.0.1:0", "0.0.0.0:0", "rest api address \"0.0.0.0:0\" is not loopback"},
		{"127.0.0.1:0", "nowhere", "rest api address \"nowhere\": want host:port"},
	} {
		_, err := Start(Options{DataDir: dir, Listen: "127.0.0.1:0", Gateway: tc.gateway, REST: tc.rest})
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("gateway %q, rest %q: %v, want an error saying %q", tc.gateway, tc.rest, err, tc.says)
		}
	}
	// The data directory is not left locked.
	c, err := Start(Options{DataDir: dir, Listen: "127.0.0.1:0", Gateway: "127.0.0.1:0", REST: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
