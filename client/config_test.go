package client

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// envOf returns an environment lookup over m, so tests never read the real
// environment.
func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

const profilesTOML = `
[__internal__]
profile = "work"

[work]
key = "work-id:work-secret"
host = "api.work.example"

[personal]
key = "me-id:me:secret:with:colons"
`

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestResolveCloud(t *testing.T) {
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".fal", "config.toml"), profilesTOML)
	defaultPath := filepath.Join(home, ".fal", "config.toml")

	other := filepath.Join(t.TempDir(), "other.toml")
	writeFile(t, other, "[solo]\nkey = \"solo-id:solo-secret\"\n[__internal__]\nprofile = \"solo\"\n")

	emptyHome := t.TempDir()
	workSrc := fmt.Sprintf("profile %q in %s", "work", defaultPath)

	tests := []struct {
		name       string
		env        map[string]string
		home       string
		host       string
		hostSource string
		creds      Credentials
		keySource  string
		profile    string
	}{
		{
			name: "nothing anywhere", home: emptyHome,
			host: DefaultCloudHost, hostSource: "default",
		},
		{
			name: "active profile from [__internal__]", home: home,
			host: "api.work.example:443", hostSource: workSrc,
			creds: Credentials{"work-id", "work-secret"}, keySource: workSrc, profile: "work",
		},
		{
			name: "FAL_PROFILE picks another profile; its missing host falls back to the default",
			env:  map[string]string{"FAL_PROFILE": "personal"}, home: home,
			host: DefaultCloudHost, hostSource: "default",
			creds:     Credentials{"me-id", "me:secret:with:colons"},
			keySource: fmt.Sprintf("profile %q in %s", "personal", defaultPath), profile: "personal",
		},
		{
			name: "FAL_PROFILE naming no table is an empty profile, as in fal",
			env:  map[string]string{"FAL_PROFILE": "nosuch"}, home: home,
			host: DefaultCloudHost, hostSource: "default", profile: "nosuch",
		},
		{
			name: "FAL_KEY beats the profile; split at the first colon",
			env:  map[string]string{"FAL_KEY": "env-id:env:secret"}, home: home,
			host: "api.work.example:443", hostSource: workSrc,
			creds: Credentials{"env-id", "env:secret"}, keySource: "FAL_KEY", profile: "work",
		},
		{
			name: "FAL_KEY beats FAL_KEY_ID/FAL_KEY_SECRET",
			env:  map[string]string{"FAL_KEY": "a:b", "FAL_KEY_ID": "c", "FAL_KEY_SECRET": "d"}, home: emptyHome,
			host: DefaultCloudHost, hostSource: "default",
			creds: Credentials{"a", "b"}, keySource: "FAL_KEY",
		},
		{
			name: "the profile's key beats FAL_KEY_ID/FAL_KEY_SECRET, as in fal",
			env:  map[string]string{"FAL_KEY_ID": "c", "FAL_KEY_SECRET": "d"}, home: home,
			host: "api.work.example:443", hostSource: workSrc,
			creds: Credentials{"work-id", "work-secret"}, keySource: workSrc, profile: "work",
		},
		{
			name: "FAL_KEY_ID/FAL_KEY_SECRET without FAL_KEY or a profile key",
			env:  map[string]string{"FAL_KEY_ID": "c", "FAL_KEY_SECRET": "d"}, home: emptyHome,
			host: DefaultCloudHost, hostSource: "default",
			creds: Credentials{"c", "d"}, keySource: "FAL_KEY_ID/FAL_KEY_SECRET",
		},
		{
			name: "FAL_FORCE_AUTH_BY_USER=1 ignores every key, malformed ones too",
			env:  map[string]string{"FAL_FORCE_AUTH_BY_USER": "1", "FAL_KEY": "nocolon", "FAL_KEY_ID": "c"}, home: home,
			host: "api.work.example:443", hostSource: workSrc, profile: "work",
		},
		{
			name: "FAL_FORCE_AUTH_BY_USER must be 1",
			env:  map[string]string{"FAL_FORCE_AUTH_BY_USER": "true", "FAL_KEY": "a:b"}, home: emptyHome,
			host: DefaultCloudHost, hostSource: "default", creds: Credentials{"a", "b"}, keySource: "FAL_KEY",
		},
		{
			name: "half a pair is ignored when the profile has a key",
			env:  map[string]string{"FAL_KEY_ID": "c"}, home: home,
			host: "api.work.example:443", hostSource: workSrc,
			creds: Credentials{"work-id", "work-secret"}, keySource: workSrc, profile: "work",
		},
		{
			name: "empty FAL_KEY counts as unset",
			env:  map[string]string{"FAL_KEY": "  "}, home: home,
			host: "api.work.example:443", hostSource: workSrc,
			creds: Credentials{"work-id", "work-secret"}, keySource: workSrc, profile: "work",
		},
		{
			name: "FAL_GRPC_HOST beats FAL_HOST beats the profile",
			env:  map[string]string{"FAL_GRPC_HOST": "grpc.example:8443", "FAL_HOST": "api.other.example"}, home: home,
			host: "grpc.example:8443", hostSource: "FAL_GRPC_HOST",
			creds: Credentials{"work-id", "work-secret"}, keySource: workSrc, profile: "work",
		},
		{
			name: "FAL_HOST beats the profile; a bare host gets 443",
			env:  map[string]string{"FAL_HOST": "api.other.example"}, home: home,
			host: "api.other.example:443", hostSource: "FAL_HOST",
			creds: Credentials{"work-id", "work-secret"}, keySource: workSrc, profile: "work",
		},
		{
			name: "FAL_CONFIG_PATH replaces ~/.fal/config.toml",
			env:  map[string]string{"FAL_CONFIG_PATH": other}, home: home,
			host: DefaultCloudHost, hostSource: "default",
			creds:     Credentials{"solo-id", "solo-secret"},
			keySource: fmt.Sprintf("profile %q in %s", "solo", other), profile: "solo",
		},
		{
			name: "FAL_CONFIG_PATH expands ~",
			env:  map[string]string{"FAL_CONFIG_PATH": "~/.fal/config.toml", "FAL_PROFILE": "personal"}, home: home,
			host: DefaultCloudHost, hostSource: "default",
			creds:     Credentials{"me-id", "me:secret:with:colons"},
			keySource: fmt.Sprintf("profile %q in %s", "personal", defaultPath), profile: "personal",
		},
		{
			name: "missing config file is no error",
			env:  map[string]string{"FAL_CONFIG_PATH": filepath.Join(emptyHome, "nope.toml")}, home: home,
			host: DefaultCloudHost, hostSource: "default",
		},
		{
			name: "no home and no override: env only",
			env:  map[string]string{"FAL_KEY": "x:y"}, home: "",
			host: DefaultCloudHost, hostSource: "default", creds: Credentials{"x", "y"}, keySource: "FAL_KEY",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ResolveCloud(envOf(tt.env), tt.home)
			if err != nil {
				t.Fatalf("ResolveCloud: %v", err)
			}
			if cfg.Host != tt.host || cfg.HostSource != tt.hostSource {
				t.Errorf("host = %q from %q, want %q from %q", cfg.Host, cfg.HostSource, tt.host, tt.hostSource)
			}
			if cfg.Credentials != tt.creds {
				t.Errorf("credentials = %#v, want %#v", cfg.Credentials, tt.creds)
			}
			if cfg.Found != !tt.creds.IsZero() {
				t.Errorf("Found = %v", cfg.Found)
			}
			if cfg.KeySource != tt.keySource {
				t.Errorf("key source = %q, want %q", cfg.KeySource, tt.keySource)
			}
			if cfg.Profile != tt.profile {
				t.Errorf("profile = %q, want %q", cfg.Profile, tt.profile)
			}
		})
	}
}

func TestResolveCloudErrors(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		writeFile(t, p, content)
		return p
	}
	malformed := file("malformed.toml", "[work\nkey = \"id:supersecret\"\n")
	badKey := file("badkey.toml", "[__internal__]\nprofile = \"p\"\n[p]\nkey = \"nocolon-supersecret\"\n")
	keyNotString := file("keynum.toml", "[__internal__]\nprofile = \"p\"\n[p]\nkey = 42\n")
	profileNotTable := file("flat.toml", "p = \"x\"\n")
	badHost := file("badhost.toml", "[__internal__]\nprofile = \"p\"\n[p]\nhost = \"https://api.example\"\n")
	unreadable := filepath.Join(dir, "adir.toml")
	if err := os.Mkdir(unreadable, 0o700); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		env  map[string]string
		want []string // substrings of the error
	}{
		{"FAL_KEY without a colon", map[string]string{"FAL_KEY": "supersecret"}, []string{"FAL_KEY", "key_id:key_secret"}},
		{"FAL_KEY with empty id", map[string]string{"FAL_KEY": ":supersecret"}, []string{"FAL_KEY", "id"}},
		{"FAL_KEY with empty secret", map[string]string{"FAL_KEY": "id:"}, []string{"FAL_KEY", "secret"}},
		{"only FAL_KEY_ID", map[string]string{"FAL_KEY_ID": "id"}, []string{"FAL_KEY_ID is set but FAL_KEY_SECRET is not"}},
		{"only FAL_KEY_SECRET", map[string]string{"FAL_KEY_SECRET": "supersecret"}, []string{"FAL_KEY_SECRET is set but FAL_KEY_ID is not"}},
		{"malformed toml names the file", map[string]string{"FAL_CONFIG_PATH": malformed}, []string{malformed, "not valid TOML", "line"}},
		{"malformed profile key", map[string]string{"FAL_CONFIG_PATH": badKey}, []string{badKey, `profile "p"`, "no colon"}},
		{"key not a string", map[string]string{"FAL_CONFIG_PATH": keyNotString}, []string{keyNotString, "key in [p] should be a string"}},
		{"profile not a table", map[string]string{"FAL_CONFIG_PATH": profileNotTable, "FAL_PROFILE": "p"}, []string{profileNotTable, "should be a table"}},
		{"bad host in profile", map[string]string{"FAL_CONFIG_PATH": badHost}, []string{"is a URL", `profile "p"`}},
		{"bad FAL_GRPC_HOST", map[string]string{"FAL_GRPC_HOST": "a b"}, []string{"FAL_GRPC_HOST"}},
		{"unreadable config", map[string]string{"FAL_CONFIG_PATH": unreadable}, []string{"read fal config", unreadable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := resolveFails(t, tt.env, tt.want); strings.Contains(err.Error(), "supersecret") {
				t.Errorf("error %q leaks the secret", err)
			}
		})
	}
}

func TestReadKeyFile(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok")
	writeFile(t, ok, "admin:s3cr3t:x\n")
	c, err := ReadKeyFile(ok)
	if err != nil {
		t.Fatal(err)
	}
	if c != (Credentials{KeyID: "admin", KeySecret: "s3cr3t:x"}) {
		t.Errorf("got %#v", c)
	}

	bad := filepath.Join(dir, "bad")
	writeFile(t, bad, "\n")
	if _, err := ReadKeyFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("empty key file: %v", err)
	}
	if _, err := ReadKeyFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing key file: no error")
	}
}

func TestCredentialsNeverPrintTheSecret(t *testing.T) {
	c := Credentials{KeyID: "kid", KeySecret: "supersecret"}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprintf("%v", &c)} {
		if strings.Contains(s, "supersecret") {
			t.Errorf("%q shows the secret", s)
		}
		if !strings.Contains(s, "kid") {
			t.Errorf("%q hides the key id", s)
		}
	}
	cfg := CloudConfig{Credentials: c}
	if s := fmt.Sprintf("%v %+v", cfg, cfg); strings.Contains(s, "supersecret") {
		t.Errorf("CloudConfig prints the secret: %q", s)
	}
}

func TestNormalizeHost(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "api.alpha.fal.ai", want: "api.alpha.fal.ai:443"},
		{in: "api.alpha.fal.ai:443", want: "api.alpha.fal.ai:443"},
		{in: " localhost:6005 ", want: "localhost:6005"},
		{in: "127.0.0.1", want: "127.0.0.1:443"},
		{in: "::1", want: "[::1]:443"},
		{in: "[::1]", want: "[::1]:443"},
		{in: "[::1]:7777", want: "[::1]:7777"},
		{in: "", bad: true},
		{in: "https://api.alpha.fal.ai", bad: true},
		{in: "api.fal.ai:http", bad: true},
		{in: "api.fal.ai:0", bad: true},
		{in: "api.fal.ai:70000", bad: true},
		{in: ":443", bad: true},
		{in: "a b", bad: true},
		{in: "a:b:c", bad: true},
	}
	for _, tt := range tests {
		got, err := NormalizeHost(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("NormalizeHost(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeHost(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestIsPlaintextAddr(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:7777", true},
		{"127.3.2.1:7777", true},
		{"[::1]:7777", true},
		{"localhost:7777", true},
		{"LOCALHOST:1", true},
		{"unix:/run/faldash.sock", true},
		{"unix:///run/faldash.sock", true},
		{"/run/faldash.sock", true},
		{"api.alpha.fal.ai:443", false},
		{"10.0.0.1:7777", false},
		{"[2001:db8::1]:443", false},
		{"localhost.example.com:443", false},
		{"128.0.0.1:7777", false},
	}
	for _, tt := range tests {
		if got := IsPlaintextAddr(tt.addr); got != tt.want {
			t.Errorf("IsPlaintextAddr(%q) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestGRPCTarget(t *testing.T) {
	tests := []struct {
		in, target, shown string
		bad               bool
	}{
		{in: "api.alpha.fal.ai", target: "dns:///api.alpha.fal.ai:443", shown: "api.alpha.fal.ai:443"},
		{in: "127.0.0.1:7777", target: "dns:///127.0.0.1:7777", shown: "127.0.0.1:7777"},
		{in: "/tmp/x.sock", target: "unix:///tmp/x.sock", shown: "/tmp/x.sock"},
		{in: "unix:/tmp/x.sock", target: "unix:/tmp/x.sock", shown: "unix:/tmp/x.sock"},
		{in: "", bad: true},
		{in: "unix:", bad: true},
		{in: "http://x", bad: true},
	}
	for _, tt := range tests {
		target, shown, err := grpcTarget(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("grpcTarget(%q) = %q, want an error", tt.in, target)
			}
			continue
		}
		if err != nil || target != tt.target || shown != tt.shown {
			t.Errorf("grpcTarget(%q) = %q, %q, %v; want %q, %q", tt.in, target, shown, err, tt.target, tt.shown)
		}
	}
}

func TestResolveCloudRESTURL(t *testing.T) {
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".fal", "config.toml"), "[__internal__]\nprofile = \"p\"\n[p]\nhost = \"api.profile.example\"\n")
	tests := []struct {
		name string
		env  map[string]string
		home string
		want string
	}{
		{"default host", nil, t.TempDir(), "https://rest.alpha.fal.ai"},
		{"profile host", nil, home, "https://rest.profile.example"},
		{"FAL_HOST with a port", map[string]string{"FAL_HOST": "api.x.example:8443"}, home, "https://rest.x.example:8443"},
		{"only a leading api turns into rest", map[string]string{"FAL_GRPC_HOST": "grpc.api.example"}, home, "https://grpc.api.example"},
		{"loopback gRPC host: plain http, same port", map[string]string{"FAL_GRPC_HOST": "127.0.0.1:7777"}, home, "http://127.0.0.1:7777"},
		{"FAL_REST_HOST wins", map[string]string{"FAL_GRPC_HOST": "127.0.0.1:7777", "FAL_REST_HOST": "127.0.0.1:7779"}, home, "http://127.0.0.1:7779"},
		{"FAL_REST_HOST with 443 drops it", map[string]string{"FAL_REST_HOST": "rest.example:443"}, home, "https://rest.example"},
		{"FAL_REST_HOST loopback without port keeps http's", map[string]string{"FAL_REST_HOST": "localhost"}, home, "http://localhost"},
		{"IPv6 loopback on port 80", map[string]string{"FAL_REST_HOST": "[::1]:80"}, home, "http://[::1]"},
		{"IPv6 loopback with a port", map[string]string{"FAL_REST_HOST": "[::1]:7779"}, home, "http://[::1]:7779"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ResolveCloud(envOf(tt.env), tt.home)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.RESTURL != tt.want {
				t.Errorf("RESTURL = %q, want %q", cfg.RESTURL, tt.want)
			}
		})
	}
}

func TestResolveCloudSignIn(t *testing.T) {
	home := t.TempDir()
	tokenPath := filepath.Join(home, ".fal", "auth0_token")
	writeFile(t, tokenPath, "refresh-1\naccess-1")
	writeFile(t, filepath.Join(home, ".fal", "config.toml"), "[__internal__]\nteam = \"acme\"\n[p]\nkey = \"pid:psecret\"\n")
	falHome := t.TempDir()
	writeFile(t, filepath.Join(falHome, "auth0_token"), "refresh-2\n")
	emptyToken := t.TempDir()
	writeFile(t, filepath.Join(emptyToken, ".fal", "auth0_token"), "\n\n")

	tests := []struct {
		name      string
		env       map[string]string
		home      string
		signedIn  bool
		tokenPath string
		keySource string
	}{
		{"token without a key", nil, home, true, tokenPath, "signed in (" + tokenPath + ")"},
		{"a key beats the token", map[string]string{"FAL_KEY": "a:b"}, home, false, tokenPath, "FAL_KEY"},
		{"a profile key beats the token", map[string]string{"FAL_PROFILE": "p"}, home, false, tokenPath, fmt.Sprintf("profile %q in %s", "p", filepath.Join(home, ".fal", "config.toml"))},
		{"FAL_FORCE_AUTH_BY_USER picks the token over a key", map[string]string{"FAL_FORCE_AUTH_BY_USER": "1", "FAL_KEY": "a:b"}, home, true, tokenPath, "signed in (" + tokenPath + ")"},
		{"FAL_HOME_DIR moves the token file", map[string]string{"FAL_HOME_DIR": falHome}, home, true, filepath.Join(falHome, "auth0_token"), "signed in (" + filepath.Join(falHome, "auth0_token") + ")"},
		{"FAL_HOME_DIR expands ~", map[string]string{"FAL_HOME_DIR": "~/.fal"}, home, true, tokenPath, "signed in (" + tokenPath + ")"},
		{"a token file without a refresh token is no sign-in", nil, emptyToken, false, filepath.Join(emptyToken, ".fal", "auth0_token"), ""},
		{"no token file", nil, t.TempDir(), false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ResolveCloud(envOf(tt.env), tt.home)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.SignedIn != tt.signedIn || cfg.Found != (tt.signedIn || !cfg.Credentials.IsZero()) {
				t.Errorf("SignedIn = %v, Found = %v, want signed in %v", cfg.SignedIn, cfg.Found, tt.signedIn)
			}
			if tt.tokenPath != "" && cfg.TokenPath != tt.tokenPath {
				t.Errorf("TokenPath = %q, want %q", cfg.TokenPath, tt.tokenPath)
			}
			if cfg.KeySource != tt.keySource {
				t.Errorf("KeySource = %q, want %q", cfg.KeySource, tt.keySource)
			}
			if tt.signedIn && !cfg.Credentials.IsZero() {
				t.Errorf("signed in but credentials %v kept", cfg.Credentials)
			}
		})
	}

	cfg, err := ResolveCloud(envOf(nil), home)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Team != "acme" || cfg.AuthURL != DefaultAuthURL || cfg.Home != filepath.Join(home, ".fal") {
		t.Errorf("team %q, auth URL %q, home %q", cfg.Team, cfg.AuthURL, cfg.Home)
	}
	cfg, err = ResolveCloud(envOf(map[string]string{"FALDASH_AUTH_URL": "http://127.0.0.1:9/auth/"}), home)
	if err != nil || cfg.AuthURL != "http://127.0.0.1:9/auth" {
		t.Errorf("FALDASH_AUTH_URL: %q, %v", cfg.AuthURL, err)
	}
}

func TestResolveCloudSignInErrors(t *testing.T) {
	unreadable := t.TempDir()
	if err := os.MkdirAll(filepath.Join(unreadable, "auth0_token"), 0o700); err != nil {
		t.Fatal(err)
	}
	badTeam := filepath.Join(t.TempDir(), "team.toml")
	writeFile(t, badTeam, "[__internal__]\nteam = 7\n")
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"token file unreadable", map[string]string{"FAL_HOME_DIR": unreadable}, []string{"sign-in token"}},
		{"team not a string", map[string]string{"FAL_CONFIG_PATH": badTeam}, []string{badTeam, "team"}},
		{"bad FAL_REST_HOST", map[string]string{"FAL_REST_HOST": "https://rest.example"}, []string{"FAL_REST_HOST", "is a URL"}},
		{"FALDASH_AUTH_URL not a URL", map[string]string{"FALDASH_AUTH_URL": "auth.fal.ai"}, []string{"FALDASH_AUTH_URL"}},
		{"FALDASH_AUTH_URL with a query", map[string]string{"FALDASH_AUTH_URL": "https://auth.example/?x=1"}, []string{"FALDASH_AUTH_URL", "base URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resolveFails(t, tt.env, tt.want)
		})
	}
}

// resolveFails resolves a cloud target from env, fails the test unless
// that fails with an error mentioning every one of want, and returns the
// error.
func resolveFails(t *testing.T, env map[string]string, want []string) error {
	t.Helper()
	_, err := ResolveCloud(envOf(env), t.TempDir())
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	return err
}
