package localctl

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestStartServesControllerAndGateway(t *testing.T) {
	dir := t.TempDir()
	c, err := Start(Options{DataDir: dir, Listen: "127.0.0.1:0", Gateway: "127.0.0.1:0", User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.GatewayURL(), "http://127.0.0.1:") || c.Addr() == "" || c.Server().DataDir() != dir {
		t.Errorf("gateway %q, addr %q, data %q", c.GatewayURL(), c.Addr(), c.Server().DataDir())
	}
	resp, err := http.Get(c.GatewayURL() + "/alice/nope")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "no app nope for alice") {
		t.Errorf("gateway answered %d %s", resp.StatusCode, body)
	}
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

func TestGatewayOff(t *testing.T) {
	c, err := Start(Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", Gateway: GatewayOff})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.GatewayURL() != "" {
		t.Errorf("gateway %q with the gateway off", c.GatewayURL())
	}
}

func TestBadGatewayAddressLeavesNothingOpen(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ addr, says string }{
		{"0.0.0.0:0", "--allow-remote"},
		{"no-port", "host:port"},
	} {
		_, err := Start(Options{DataDir: dir, Listen: "127.0.0.1:0", Gateway: tc.addr})
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("gateway %q: %v, want an error saying %q", tc.addr, err, tc.says)
		}
	}
	// The data directory is not left locked.
	c, err := Start(Options{DataDir: dir, Listen: "127.0.0.1:0", Gateway: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
