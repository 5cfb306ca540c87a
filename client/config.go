package client

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// DefaultCloudHost is fal's control plane.
const DefaultCloudHost = "api.alpha.fal.ai:443"

// internalSection is the table of fal's config file that holds settings
// rather than a profile (fal's SETTINGS_SECTION).
const internalSection = "__internal__"

// Credentials are a fal key: an id and a secret, sent on every call as the
// auth-key-id and auth-key metadata entries.
type Credentials struct {
	KeyID     string
	KeySecret string
}

// IsZero reports whether no key is set.
func (c Credentials) IsZero() bool { return c.KeyID == "" && c.KeySecret == "" }

// String names the key without its secret, so printing Credentials by
// accident never leaks it.
func (c Credentials) String() string {
	if c.IsZero() {
		return "no key"
	}
	return "key " + c.KeyID
}

// GoString keeps %#v from printing the secret too.
func (c Credentials) GoString() string { return "client.Credentials{" + c.String() + "}" }

// ParseKey splits a fal key `key_id:key_secret` at its first colon, as fal
// does. The error never repeats the key, since it is a secret.
func ParseKey(key string) (Credentials, error) {
	key = strings.TrimSpace(key)
	id, secret, ok := strings.Cut(key, ":")
	switch {
	case key == "":
		return Credentials{}, errors.New("the key is empty")
	case !ok:
		return Credentials{}, errors.New("the key has no colon; a fal key has the form key_id:key_secret")
	case id == "":
		return Credentials{}, errors.New("the key's id (before the colon) is empty")
	case secret == "":
		return Credentials{}, errors.New("the key's secret (after the colon) is empty")
	}
	return Credentials{KeyID: id, KeySecret: secret}, nil
}

// ReadKeyFile reads a file holding one `key_id:key_secret` line (the
// local controller's admin key, for instance).
func ReadKeyFile(path string) (Credentials, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Credentials{}, fmt.Errorf("read key file: %w", err)
	}
	c, err := ParseKey(string(data))
	if err != nil {
		return Credentials{}, fmt.Errorf("key file %s: %w", path, err)
	}
	return c, nil
}

// CloudConfig is where fal cloud is and who faldash is there, resolved the
// way fal's own CLI resolves it. The Source fields say where each came
// from, for the header and debug output; they never hold a secret.
type CloudConfig struct {
	// Host is host:port.
	Host       string
	HostSource string // "FAL_GRPC_HOST", "FAL_HOST", `profile "x" in <file>` or "default"
	// RESTURL is the base URL of fal's REST API, e.g. https://rest.alpha.fal.ai.
	RESTURL string
	// Credentials are the key to use when Found and not SignedIn.
	Credentials Credentials
	// SignedIn says the credentials are the signed-in user's token in
	// TokenPath (`fal auth login`) rather than a key.
	SignedIn bool
	Found    bool // a key or a sign-in token was found
	// KeySource is "FAL_KEY", `profile "x" in <file>`, "FAL_KEY_ID/FAL_KEY_SECRET"
	// or "signed in (<token file>)".
	KeySource string
	// ConfigPath is the fal config file consulted; it need not exist.
	ConfigPath string
	// Profile is the active profile's name, "" when none is chosen.
	Profile string
	// Team is the account saved by `fal team set`, "" for the personal one.
	Team string
	// Home is fal's own directory (FAL_HOME_DIR or ~/.fal), holding the
	// sign-in token and its lock; "" when there is no home directory.
	Home string
	// TokenPath is the sign-in token file in Home.
	TokenPath string
	// AuthURL is the base URL that refreshes sign-in tokens.
	AuthURL string
}

// ResolveCloudOS is ResolveCloud with the process environment and the
// user's home directory.
func ResolveCloudOS() (CloudConfig, error) {
	home, _ := os.UserHomeDir() // without a home there is just no config file
	return ResolveCloud(os.LookupEnv, home)
}

// ResolveCloud finds fal cloud's host and credentials as fal's CLI does
// (see WIRE.md "Transport and authentication" and "Signing in without a
// key"):
//
//	host: FAL_GRPC_HOST > FAL_HOST > the active profile's host > DefaultCloudHost
//	REST: FAL_REST_HOST > the host with a leading "api" turned into "rest"
//	key:  FAL_FORCE_AUTH_BY_USER=1 ignores every key; else
//	      FAL_KEY > the active profile's key > FAL_KEY_ID + FAL_KEY_SECRET >
//	      the signed-in user's token (auth0_token in FAL_HOME_DIR or ~/.fal)
//
// The config file is FAL_CONFIG_PATH or ~/.fal/config.toml; the active
// profile is FAL_PROFILE or `profile` in its [__internal__] table, the
// saved team `team` there. A missing file is no error; a malformed file or
// key is, naming where it came from. Empty variables count as unset.
func ResolveCloud(getenv func(string) (string, bool), home string) (CloudConfig, error) {
	env := func(name string) string {
		v, _ := getenv(name)
		return strings.TrimSpace(v)
	}
	var cfg CloudConfig

	cfg.ConfigPath = configPath(env("FAL_CONFIG_PATH"), home)
	file, err := loadFalConfig(cfg.ConfigPath)
	if err != nil {
		return CloudConfig{}, err
	}
	cfg.Profile = env("FAL_PROFILE")
	if cfg.Profile == "" {
		if cfg.Profile, err = file.internalString("profile"); err != nil {
			return CloudConfig{}, err
		}
	}
	if cfg.Team, err = file.internalString("team"); err != nil {
		return CloudConfig{}, err
	}
	profile, err := file.profile(cfg.Profile)
	if err != nil {
		return CloudConfig{}, err
	}
	profileSource := fmt.Sprintf("profile %q in %s", cfg.Profile, cfg.ConfigPath)

	host, hostSource := DefaultCloudHost, "default"
	profileHost, err := profile.str("host")
	if err != nil {
		return CloudConfig{}, err
	}
	switch {
	case env("FAL_GRPC_HOST") != "":
		host, hostSource = env("FAL_GRPC_HOST"), "FAL_GRPC_HOST"
	case env("FAL_HOST") != "":
		host, hostSource = env("FAL_HOST"), "FAL_HOST"
	case profileHost != "":
		host, hostSource = profileHost, profileSource
	}
	if cfg.Host, err = NormalizeHost(host); err != nil {
		return CloudConfig{}, fmt.Errorf("fal host from %s: %w", hostSource, err)
	}
	cfg.HostSource = hostSource

	restHost, restSource := env("FAL_REST_HOST"), "FAL_REST_HOST"
	if restHost == "" {
		restHost, restSource = restHostOf(host), "the fal host from "+hostSource
	}
	if cfg.RESTURL, err = restBaseURL(restHost); err != nil {
		return CloudConfig{}, fmt.Errorf("fal REST host from %s: %w", restSource, err)
	}

	cfg.Home = falHome(env("FAL_HOME_DIR"), home)
	if cfg.Home != "" {
		cfg.TokenPath = filepath.Join(cfg.Home, tokenFile)
	}
	cfg.AuthURL = DefaultAuthURL
	if u := env("FALDASH_AUTH_URL"); u != "" {
		if cfg.AuthURL, err = httpBaseURL(u); err != nil {
			return CloudConfig{}, fmt.Errorf("FALDASH_AUTH_URL: %w", err)
		}
	}

	if env("FAL_FORCE_AUTH_BY_USER") != "1" {
		if err := cfg.resolveKey(env, profile, profileSource); err != nil {
			return CloudConfig{}, err
		}
	}
	if cfg.Credentials.IsZero() && cfg.TokenPath != "" {
		if cfg.SignedIn, err = hasRefreshToken(cfg.TokenPath); err != nil {
			return CloudConfig{}, err
		}
		if cfg.SignedIn {
			cfg.KeySource = "signed in (" + cfg.TokenPath + ")"
		}
	}
	cfg.Found = !cfg.Credentials.IsZero() || cfg.SignedIn
	return cfg, nil
}

// resolveKey takes the first key in fal's order (auth/__init__.py
// key_credentials). Unlike fal, which prints a warning and goes on without
// a key, a malformed key is an error: the user meant to use it.
func (cfg *CloudConfig) resolveKey(env func(string) string, profile *falProfile, profileSource string) error {
	profileKey, err := profile.str("key")
	if err != nil {
		return err
	}
	keyID, keySecret := env("FAL_KEY_ID"), env("FAL_KEY_SECRET")
	switch {
	case env("FAL_KEY") != "":
		if cfg.Credentials, err = ParseKey(env("FAL_KEY")); err != nil {
			return fmt.Errorf("FAL_KEY: %w", err)
		}
		cfg.KeySource = "FAL_KEY"
	case profileKey != "":
		if cfg.Credentials, err = ParseKey(profileKey); err != nil {
			return fmt.Errorf("key of %s: %w", profileSource, err)
		}
		cfg.KeySource = profileSource
	case keyID != "" && keySecret != "":
		cfg.Credentials = Credentials{KeyID: keyID, KeySecret: keySecret}
		cfg.KeySource = "FAL_KEY_ID/FAL_KEY_SECRET"
	case keyID != "" || keySecret != "":
		// fal ignores half a pair; saying so beats silently acting as
		// someone else or falling back to the local controller.
		set, unset := "FAL_KEY_ID", "FAL_KEY_SECRET"
		if keyID == "" {
			set, unset = unset, set
		}
		return fmt.Errorf("%s is set but %s is not; set both, or FAL_KEY=key_id:key_secret", set, unset)
	}
	return nil
}

// restHostOf derives the REST host from the gRPC host as fal/flags.py
// does: only a host that starts with "api" has it turned into "rest".
func restHostOf(grpcHost string) string {
	if rest, ok := strings.CutPrefix(grpcHost, "api"); ok {
		return "rest" + rest
	}
	return grpcHost
}

// restBaseURL turns a host or host:port into a base URL: plain http for a
// loopback host (a local controller, as fal's test mode does), https
// otherwise. A port that is the scheme's default is left out, and a host
// without a port keeps the scheme's default.
func restBaseURL(host string) (string, error) {
	host = strings.TrimSpace(host)
	hostPort, err := NormalizeHost(host) // validates; a bare host gets :443
	if err != nil {
		return "", err
	}
	scheme, defaultPort := "https", "443"
	if IsPlaintextAddr(hostPort) {
		scheme, defaultPort = "http", "80"
	}
	name, port, _ := net.SplitHostPort(hostPort)
	if _, _, err := net.SplitHostPort(host); err != nil || port == defaultPort {
		// No explicit port, or the default one: the URL needs none.
		if strings.Contains(name, ":") {
			name = "[" + name + "]"
		}
		return scheme + "://" + name, nil
	}
	return scheme + "://" + hostPort, nil
}

// httpBaseURL checks a base URL given by the user and drops a trailing
// slash, so paths can be appended.
func httpBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%q should be a base URL, without query, fragment or user", raw)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// falHome is fal's own directory: FAL_HOME_DIR (~ expanded, as fal does)
// or ~/.fal.
func falHome(override, home string) string {
	if override == "" {
		if home == "" {
			return ""
		}
		return filepath.Join(home, ".fal")
	}
	return expandHome(override, home)
}

// configPath is FAL_CONFIG_PATH or ~/.fal/config.toml.
func configPath(override, home string) string {
	if override == "" {
		if home == "" {
			return ""
		}
		return filepath.Join(home, ".fal", "config.toml")
	}
	return expandHome(override, home)
}

// expandHome expands a leading ~ as fal does (os.path.expanduser).
func expandHome(p, home string) string {
	if home != "" && (p == "~" || strings.HasPrefix(p, "~/")) {
		return filepath.Join(home, p[1:])
	}
	return p
}

// falConfig is fal's config file: one table per profile plus the
// [__internal__] settings table.
type falConfig struct {
	path   string
	tables map[string]any
}

// falProfile is one profile table; nil when the profile is absent, which
// fal treats as an empty profile.
type falProfile struct {
	name, path string
	entries    map[string]any
}

func loadFalConfig(path string) (falConfig, error) {
	cfg := falConfig{path: path}
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, fmt.Errorf("read fal config: %w", err)
	}
	if _, err := toml.Decode(string(data), &cfg.tables); err != nil {
		return cfg, fmt.Errorf("fal config %s is not valid TOML: %s", path, describeTOMLError(err))
	}
	return cfg, nil
}

// describeTOMLError locates a parse error without quoting the file: the
// offending token may be part of a key, which is a secret.
func describeTOMLError(err error) string {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return "cannot be decoded"
	}
	where := "line " + strconv.Itoa(pe.Position.Line)
	if pe.LastKey != "" {
		where += fmt.Sprintf(" (after %q)", pe.LastKey)
	}
	return where
}

func (c falConfig) internalString(key string) (string, error) {
	t, err := c.table(internalSection)
	if err != nil || t == nil {
		return "", err
	}
	return (&falProfile{name: internalSection, path: c.path, entries: t}).str(key)
}

func (c falConfig) profile(name string) (*falProfile, error) {
	if name == "" {
		return nil, nil
	}
	t, err := c.table(name)
	if err != nil || t == nil {
		return nil, err
	}
	return &falProfile{name: name, path: c.path, entries: t}, nil
}

func (c falConfig) table(name string) (map[string]any, error) {
	v, ok := c.tables[name]
	if !ok {
		return nil, nil
	}
	t, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("fal config %s: %q should be a table ([%s])", c.path, name, name)
	}
	return t, nil
}

// str returns a string entry; absent is "", another type is an error.
func (p *falProfile) str(key string) (string, error) {
	if p == nil {
		return "", nil
	}
	v, ok := p.entries[key]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("fal config %s: %s in [%s] should be a string", p.path, key, p.name)
	}
	return strings.TrimSpace(s), nil
}

// NormalizeHost turns a host as fal's settings give it into host:port: a
// host without a port means 443, and a bare IPv6 address gets brackets.
func NormalizeHost(h string) (string, error) {
	h = strings.TrimSpace(h)
	switch {
	case h == "":
		return "", errors.New("the host is empty")
	case strings.Contains(h, "://"):
		return "", fmt.Errorf("%q is a URL; give a host or host:port", h)
	case strings.ContainsAny(h, "/ \t"):
		return "", fmt.Errorf("%q is not a host or host:port", h)
	}
	if host, port, err := net.SplitHostPort(h); err == nil {
		if host == "" {
			return "", fmt.Errorf("%q has no host", h)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%q has an invalid port", h)
		}
		return net.JoinHostPort(host, port), nil
	}
	host := strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if strings.Contains(host, ":") && net.ParseIP(host) == nil {
		return "", fmt.Errorf("%q is not a host or host:port", h)
	}
	return net.JoinHostPort(host, "443"), nil
}

// isUnixAddr reports whether addr names a unix socket: `unix:` followed by
// a path, or an absolute path.
func isUnixAddr(addr string) bool {
	return strings.HasPrefix(addr, "unix:") || strings.HasPrefix(addr, "/")
}

// IsPlaintextAddr reports whether addr is one faldash talks to without TLS:
// a unix socket or a loopback host (127.0.0.0/8, ::1, localhost), which is
// what fal's SDK does with its "local" channel credentials.
func IsPlaintextAddr(addr string) bool {
	if isUnixAddr(addr) {
		return true
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
