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

func TestHostCredentialsPreferTheLocalKeyOnLoopback(t *testing.T) {
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
		creds, err := hostCredentials(c.f, cloudWith("cloud-id"))
		if err != nil || creds.KeyID != c.want {
			t.Errorf("hostCredentials(%+v) = %q, %v; want %s", c.f, creds.KeyID, err, c.want)
		}
	}
	creds, err := hostCredentials(dashFlags{host: "api.example.com:443", data: dir}, cloudWith("cloud-id"))
	if err != nil || creds.KeyID != "cloud-id" {
		t.Errorf("remote host: %q, %v", creds.KeyID, err)
	}
	if _, err := hostCredentials(dashFlags{host: "api.example.com:443", data: dir}, cloudWith("")); err == nil {
		t.Error("a remote host with no key is accepted")
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
