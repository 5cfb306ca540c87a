package client_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/metadata"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ctltest"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/localctl"
	"github.com/faldash/faldash/server/supervisor"
)

// announcing starts a real controller on loopback ports with a gateway
// (or localctl.Off) and user, and dials it knowing neither, as a
// dashboard with --host on another machine does.
func announcing(t *testing.T, gateway, user string) (*client.GRPC, *localctl.Controller) {
	t.Helper()
	ctl := ctltest.StartController(t, localctl.Options{Gateway: gateway, REST: localctl.Off,
		User: user, Supervisor: supervisor.Config{RunnerDir: t.TempDir()}})
	id, secret := ctl.Server().AdminKey()
	cl, err := client.Dial(client.DialOptions{Addr: ctl.Addr(), Kind: client.TargetCloud,
		Credentials: client.Credentials{KeyID: id, KeySecret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl, ctl
}

func TestTargetLearnsGatewayAndUser(t *testing.T) {
	cl, ctl := announcing(t, "127.0.0.1:0", "alice")
	if got := cl.Target().EndpointURL("my-app", "staging"); got != "https://fal.run/local/my-app--staging" {
		t.Fatalf("before any answer, the endpoint is fal cloud's guess: %q", got)
	}
	if _, err := cl.ListEnvironments(t.Context()); err != nil {
		t.Fatal(err)
	}
	tg := cl.Target()
	if tg.GatewayURL != ctl.GatewayURL() || tg.NoGateway || tg.User != "alice" {
		t.Errorf("target after an answer: %+v", tg)
	}
	if got := tg.EndpointURL("my-app", "staging"); got != ctl.GatewayURL()+"/alice/my-app--staging" {
		t.Errorf("endpoint %q", got)
	}
}

// A deploy is all `faldash deploy` calls: the stream's header says there
// is no gateway, and the result names no URL.
func TestTargetLearnsNoGatewayFromDeploy(t *testing.T) {
	cl, _ := announcing(t, localctl.Off, "")
	res, err := cl.Deploy(t.Context(), client.DeployRequest{App: "my-app", Entrypoint: "true"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Run != "" {
		t.Errorf("a controller without a gateway gave the URL %q", res.Run)
	}
	tg := cl.Target()
	if !tg.NoGateway || tg.User != server.DefaultUser {
		t.Errorf("target after a deploy: %+v", tg)
	}
	if got := tg.EndpointURL("my-app", ""); got != "" {
		t.Errorf("endpoint without a gateway %q", got)
	}
}

// What is not believable is not believed: the target stays as dialled.
func TestAnnouncementNotBelieved(t *testing.T) {
	for _, md := range []metadata.MD{
		metadata.Pairs(names.GatewayMetadata, "javascript:alert(1)"),
		metadata.Pairs(names.GatewayMetadata, "http://"+strings.Repeat("h", 600)),
		metadata.Pairs(names.GatewayMetadata, "http://a", names.GatewayMetadata, "http://b"),
		metadata.Pairs(names.GatewayMetadata, "/relative"),
	} {
		tg := client.LearnForTest(client.Target{User: "bob"}, md)
		if tg.GatewayURL != "" || tg.NoGateway || tg.User != "bob" {
			t.Errorf("%v made the target %+v", md, tg)
		}
	}
	// A believable gateway with an unbelievable user keeps the user.
	tg := client.LearnForTest(client.Target{User: "bob"}, metadata.Pairs(names.GatewayMetadata, "http://h:1", names.UserMetadata, "a b\x1b"))
	if tg.GatewayURL != "http://h:1" || tg.User != "bob" {
		t.Errorf("target %+v", tg)
	}
}
