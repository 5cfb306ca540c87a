package main

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
)

func TestDashFlags(t *testing.T) {
	f, err := parseDashFlags([]string{"--env", "staging", "--refresh", "5s", "--readonly"}, io.Discard)
	if err != nil || f.env != "staging" || f.refresh != 5*time.Second || !f.readOnly {
		t.Fatalf("parsed %+v, %v", f, err)
	}
	bad := map[string][]string{
		"500ms":      {"--refresh", "100ms"},
		"--demo":     {"--demo", "--host", "127.0.0.1:1"},
		"unexpected": {"stray"},
		"invalid":    {"--refresh", "soon"},
	}
	for want, args := range bad {
		if _, err := parseDashFlags(args, io.Discard); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseDashFlags(%q) = %v, want an error saying %q", args, err, want)
		}
	}
}

func TestHostOptionsPreferTheLocalKeyOnLoopback(t *testing.T) {
	t.Setenv("FAL_REST_HOST", "")
	dir := t.TempDir()
	writeKey(t, dir+"/admin.key", "local-id:local-secret")
	writeKey(t, dir+"/other.key", "file-id:file-secret")
	cases := []struct {
		f    dashFlags
		want string
	}{
		{dashFlags{host: "127.0.0.1:7777", data: dir}, "local-id"},
		{dashFlags{host: "127.0.0.1:7777", data: dir, keyFile: dir + "/other.key"}, "file-id"},
	}
	for _, c := range cases {
		opts, viaCloud, err := hostOptions(c.f, cloudWith("cloud-id"))
		if err != nil || viaCloud || opts.Credentials.KeyID != c.want {
			t.Errorf("hostOptions(%+v) = %q, cloud %v, %v; want %s", c.f, opts.Credentials.KeyID, viaCloud, err, c.want)
		}
	}
	if _, viaCloud, err := hostOptions(dashFlags{host: "api.example.com:443", data: dir}, cloudWith("cloud-id")); err != nil || !viaCloud {
		t.Errorf("remote host: cloud %v, %v; want fal's own credentials", viaCloud, err)
	}
	if _, _, err := hostOptions(dashFlags{host: "api.example.com:443", data: dir}, cloudWith("")); err == nil {
		t.Error("a remote host with no key is accepted")
	}
	signedIn := client.CloudConfig{Found: true, SignedIn: true}
	if _, _, err := hostOptions(dashFlags{host: "127.0.0.1:9", data: t.TempDir()}, signedIn); err == nil || !strings.Contains(err.Error(), "--key-file") {
		t.Errorf("a signed-in user on a loopback host without its key: %v; want a hint at --key-file", err)
	}
}

// A dashboard pointed at the `faldash serve` that holds the data directory
// learns its REST API and gateway from the endpoints it announced there;
// FAL_REST_HOST names another's.
func TestHostOptionsFindTheControllersEndpoints(t *testing.T) {
	dir := t.TempDir()
	writeKey(t, dir+"/admin.key", "local-id:local-secret")
	e := `{"grpc": "127.0.0.1:7777", "rest": "http://127.0.0.1:7779", "gateway": "http://127.0.0.1:7778"}`
	if err := os.WriteFile(dir+"/endpoints.json", []byte(e), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAL_REST_HOST", "")
	opts, _, err := hostOptions(dashFlags{host: "localhost:7777", data: dir}, client.CloudConfig{})
	if err != nil || opts.RESTURL != "http://127.0.0.1:7779" || opts.GatewayURL != "http://127.0.0.1:7778" {
		t.Errorf("same controller: REST %q, gateway %q, %v", opts.RESTURL, opts.GatewayURL, err)
	}
	opts, _, _ = hostOptions(dashFlags{host: "127.0.0.1:9000", data: dir}, client.CloudConfig{})
	if opts.RESTURL != "" || opts.GatewayURL != "" {
		t.Errorf("another controller got this one's endpoints: REST %q, gateway %q", opts.RESTURL, opts.GatewayURL)
	}
	t.Setenv("FAL_REST_HOST", "127.0.0.1:9001")
	opts, _, _ = hostOptions(dashFlags{host: "127.0.0.1:9000", data: dir}, client.CloudConfig{})
	if opts.RESTURL != "http://127.0.0.1:9001" {
		t.Errorf("FAL_REST_HOST: REST %q", opts.RESTURL)
	}
}

func writeKey(t *testing.T, path, key string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func cloudWith(id string) client.CloudConfig {
	if id == "" {
		return client.CloudConfig{}
	}
	return client.CloudConfig{Found: true, Credentials: client.Credentials{KeyID: id, KeySecret: "s"}}
}
