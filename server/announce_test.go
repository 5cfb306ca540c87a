package server

import (
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/local"
	"google.golang.org/grpc/metadata"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
)

// header is what a call's answer says in its header metadata.
func (h *harness) header(conn *grpc.ClientConn) metadata.MD {
	h.t.Helper()
	var md metadata.MD
	if _, err := falpb.NewIsolateControllerClient(conn).ListEnvironments(h.ctx(), &falpb.ListEnvironmentsRequest{}, grpc.Header(&md)); err != nil {
		h.t.Fatal(err)
	}
	return md
}

func TestAnnouncesGatewayAndUser(t *testing.T) {
	h := start(t, func(c *Config) { c.GatewayURL = "http://127.0.0.1:8080/"; c.User = "alice" })
	md := h.header(h.conn)
	if got := md.Get(names.GatewayMetadata); len(got) != 1 || got[0] != "http://127.0.0.1:8080" {
		t.Errorf("gateway %q", got)
	}
	if got := md.Get(names.UserMetadata); len(got) != 1 || got[0] != "alice" {
		t.Errorf("user %q", got)
	}

	// A stream carries it too (a deploy is a client's only call), and
	// the deploy's URL is the same gateway's.
	stream, err := h.cl.RegisterApplication(h.ctx(), &falpb.RegisterApplicationRequest{ApplicationName: ptr("my-app"),
		Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"}})
	if err != nil {
		t.Fatal(err)
	}
	var last *falpb.RegisterApplicationResult
	for {
		m, err := stream.Recv()
		if err != nil {
			break
		}
		last = m
	}
	smd, _ := stream.Header()
	if got := smd.Get(names.GatewayMetadata); len(got) != 1 || got[0] != "http://127.0.0.1:8080" {
		t.Errorf("stream's gateway %q", got)
	}
	if got := last.GetServiceUrls().GetRun(); got != "http://127.0.0.1:8080/alice/my-app" {
		t.Errorf("run URL %q", got)
	}
}

func TestAnnouncesNoGateway(t *testing.T) {
	h := start(t)
	md := h.header(h.conn)
	if got := md.Get(names.GatewayMetadata); len(got) != 1 || got[0] != names.NoGateway {
		t.Errorf("gateway %q, want %q", got, names.NoGateway)
	}
	if got := md.Get(names.UserMetadata); len(got) != 1 || got[0] != DefaultUser {
		t.Errorf("user %q", got)
	}
}

// A gateway on every address is named by the host the caller dialled,
// which is how it reaches this machine.
func TestAnnouncedGatewayOnEveryAddress(t *testing.T) {
	h := start(t, func(c *Config) { c.GatewayURL = "https://0.0.0.0:7778" })
	_, port, _ := net.SplitHostPort(h.addr)
	conn, err := grpc.NewClient("localhost:"+port, grpc.WithTransportCredentials(local.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := h.header(conn).Get(names.GatewayMetadata); len(got) != 1 || got[0] != "https://localhost:7778" {
		t.Errorf("gateway %q, want https://localhost:7778", got)
	}
}

// A caller without a valid key learns nothing.
func TestNoAnnouncementWithoutKey(t *testing.T) {
	h := start(t, func(c *Config) { c.GatewayURL = "http://127.0.0.1:8080" })
	var md metadata.MD
	_, err := h.cl.ListEnvironments(withKey(t.Context(), "nope", "nope"), &falpb.ListEnvironmentsRequest{}, grpc.Header(&md))
	if err == nil {
		t.Fatal("a wrong key was accepted")
	}
	if got := md.Get(names.GatewayMetadata); len(got) != 0 {
		t.Errorf("a refused caller was told the gateway: %q", got)
	}
}

func TestOpenRefusesBadUser(t *testing.T) {
	for _, u := range []string{"a b", "a/b", "..", "\x1b[31m"} {
		_, err := Open(Config{DataDir: t.TempDir(), User: u})
		if err == nil || !strings.Contains(err.Error(), "user name") {
			t.Errorf("user %q: %v", u, err)
		}
	}
}
