package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/cmdline"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/server"
)

// deployArgs is a parsed `faldash deploy` command line.
type deployArgs struct {
	host     string
	hostSet  bool
	app, env string
	keyFile  string
	spec     scaling.Spec
	auth     *client.AuthMode
	strategy *client.Strategy
	argv     []string
}

// intFlag is an optional whole-number flag within [lo, hi]; unset leaves
// the controller's value. The flag package names the flag in its errors.
type intFlag struct {
	dst    **int
	lo, hi int
	unit   string
}

func (f intFlag) String() string {
	if f.dst == nil || *f.dst == nil {
		return ""
	}
	return strconv.Itoa(**f.dst)
}

func (f intFlag) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("want a whole number%s", f.unit)
	}
	if n < f.lo || n > f.hi {
		return fmt.Errorf("must be between %d and %d%s", f.lo, f.hi, f.unit)
	}
	*f.dst = &n
	return nil
}

// choiceFlag is a flag taking one of a few words.
type choiceFlag[T any] struct {
	dst     **T
	choices map[string]T
	names   string
}

func (f choiceFlag[T]) String() string { return "" }

func (f choiceFlag[T]) Set(s string) error {
	v, ok := f.choices[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return fmt.Errorf("want %s", f.names)
	}
	*f.dst = &v
	return nil
}

func parseDeploy(args []string, stderr io.Writer) (deployArgs, error) {
	var a deployArgs
	fs := newFlags("deploy", "faldash deploy --app NAME [flags] -- COMMAND [ARGS...]", `Registers COMMAND as a new revision of app NAME on a local controller and
points the app at it. Runners start COMMAND with PORT set and must serve
HTTP on it; they are ready once they accept connections.`)
	fs.StringVar(&a.host, "host", server.DefaultListen, "`ADDR` of the controller: host:port, unix:/path or /path.sock")
	fs.StringVar(&a.app, "app", "", "app `NAME` (required)")
	fs.StringVar(&a.env, "env", names.DefaultEnvironment, "`ENV` to deploy to")
	fs.StringVar(&a.keyFile, "key-file", "", "`FILE` holding the key as key_id:key_secret (default: FAL_KEY etc., else the local controller's admin.key)")
	counts := []struct {
		name, usage string
		dst         **int
		lo, hi      int
		unit        string
	}{
		{"min-concurrency", "`N` runners kept even without traffic", &a.spec.MinConcurrency, 0, scaling.MaxRunners, ""},
		{"max-concurrency", "`N` runners at most", &a.spec.MaxConcurrency, 0, scaling.MaxRunners, ""},
		{"max-multiplexing", "`N` requests one runner serves at once", &a.spec.MaxMultiplexing, 1, scaling.MaxMultiplexing, ""},
		{"concurrency-buffer", "`N` idle runners kept above demand", &a.spec.ConcurrencyBuffer, 0, scaling.MaxRunners, ""},
		{"keep-alive", "`SECONDS` an idle runner stays before it is released", &a.spec.KeepAlive, 0, scaling.MaxSeconds, " seconds"},
		{"scaling-delay", "`SECONDS` demand must last before scaling up", &a.spec.ScalingDelay, 0, scaling.MaxSeconds, " seconds"},
		{"startup-timeout", "`SECONDS` a runner's setup may take", &a.spec.StartupTimeout, 0, scaling.MaxSeconds, " seconds"},
		{"request-timeout", "`SECONDS` a request may take", &a.spec.RequestTimeout, 0, scaling.MaxSeconds, " seconds"},
	}
	for _, c := range counts {
		fs.Var(intFlag{dst: c.dst, lo: c.lo, hi: c.hi, unit: c.unit}, c.name, c.usage)
	}
	fs.Var(choiceFlag[client.AuthMode]{dst: &a.auth, names: "private, public or shared",
		choices: map[string]client.AuthMode{"private": client.AuthPrivate, "public": client.AuthPublic, "shared": client.AuthShared}},
		"auth", "`MODE`: private, public or shared (who may call the endpoint)")
	fs.Var(choiceFlag[client.Strategy]{dst: &a.strategy, names: "recreate or rolling",
		choices: map[string]client.Strategy{"recreate": client.StrategyRecreate, "rolling": client.StrategyRolling}},
		"strategy", "`STRATEGY`: recreate or rolling (how the new revision replaces runners)")
	if err := fs.Parse(args); err != nil {
		return a, err
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "host" {
			a.hostSet = true
		}
	})
	a.argv = fs.Args()

	var errs []error
	if a.app == "" {
		errs = append(errs, errors.New("--app is required"))
	} else if err := names.ValidateApp(a.app); err != nil {
		errs = append(errs, fmt.Errorf("--app: %w", err))
	}
	if err := names.ValidateEnvironment(a.env); err != nil {
		errs = append(errs, fmt.Errorf("--env: %w", err))
	}
	if strings.TrimSpace(a.host) == "" {
		errs = append(errs, errors.New("--host is empty"))
	}
	if len(a.argv) == 0 || a.argv[0] == "" {
		errs = append(errs, errors.New("no command: give it after --, e.g. faldash deploy --app my-app -- python app.py"))
	}
	if lo, hi := a.spec.MinConcurrency, a.spec.MaxConcurrency; lo != nil && hi != nil && *lo > *hi {
		errs = append(errs, fmt.Errorf("--min-concurrency (%d) is above --max-concurrency (%d)", *lo, *hi))
	}
	return a, fs.Misuse(errors.Join(errs...))
}

// runDeploy registers a command as a new revision of an app and prints
// the controller's log lines, the revision and the endpoint.
func runDeploy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := parseDeploy(args, stderr)
	if err != nil {
		return err
	}
	creds, keySource, err := deployCredentials(a)
	if err != nil {
		return err
	}
	kind := client.TargetCloud
	if client.IsPlaintextAddr(a.host) {
		kind = client.TargetLocal
	}
	argv, workDir, err := runnerCommand(a.host, a.argv)
	if err != nil {
		return err
	}
	c, err := client.Dial(client.DialOptions{Addr: a.host, Credentials: creds, Kind: kind})
	if err != nil {
		return err
	}
	defer c.Close()

	meta := cmdline.Metadata(argv)
	if workDir != "" {
		meta[workDirKey] = workDir
	}
	res, err := c.Deploy(ctx, client.DeployRequest{
		App:        a.app,
		Env:        a.env,
		Entrypoint: cmdline.Join(argv),
		Metadata:   meta,
		AuthMode:   a.auth,
		Strategy:   a.strategy,
		Scaling:    a.spec,
	}, func(l client.LogLine) {
		fmt.Fprintf(stdout, "[%s] %s\n", sanitize.String(l.Source), sanitize.String(l.Message))
	})
	if errors.Is(err, client.ErrUnauthenticated) {
		return fmt.Errorf("%w (the key came from %s)", err, keySource)
	}
	if errors.Is(err, client.ErrNotFound) && !envExists(ctx, c, a.env) {
		return fmt.Errorf("environment %q does not exist on %s: create it first, in the dashboard (`faldash`, then 1 for environments and n) or with fal's CLI (`fal environments create %s`), or deploy to main", a.env, a.host, a.env)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Deployed %s to %s\nrevision: %s\n", a.app, a.env, sanitize.String(string(res.Revision)))
	if workDir != "" {
		fmt.Fprintf(stdout, "working directory: %s\n", workDir)
	}
	run := sanitize.String(res.Run)
	switch {
	case run != "":
		fmt.Fprintf(stdout, "endpoint: %s\ncall it: %s\n", run, callHint(run, a.auth, keyFileOf(a, keySource)))
	case c.Target().NoGateway:
		fmt.Fprintln(stdout, "endpoint: none: the controller serves its apps over no gateway (faldash serve --gateway off); its runners start all the same")
	default:
		fmt.Fprintln(stdout, "endpoint: unknown: the controller named none")
	}
	return nil
}

// workDirKey is the revision metadata entry naming the directory its
// runners start in (see store.Revision.WorkDir).
const workDirKey = "working_dir"

// runnerCommand is the command as the runners will start it, and the
// directory they start in. On a controller on this machine (a loopback
// address or a unix socket) they start in the directory deploy runs in,
// so `-- python serve.py` finds serve.py as this shell would, and a
// program named by a relative path (`./serve.sh`) is made absolute
// against it; a program without a slash is looked up in the controller's
// PATH, and the arguments are passed as they are. A controller elsewhere
// cannot see this directory: it gets the command as given, and runs it
// in each runner's own directory.
func runnerCommand(host string, argv []string) ([]string, string, error) {
	if !client.IsPlaintextAddr(host) {
		return argv, "", nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return nil, "", fmt.Errorf("the directory deploy runs in: %w", err)
	}
	argv = slices.Clone(argv)
	if strings.Contains(argv[0], "/") && !filepath.IsAbs(argv[0]) {
		argv[0] = filepath.Join(dir, argv[0])
	}
	return argv, dir, nil
}

// envExists reports whether env is listed on c; a listing that fails
// counts as yes, so the controller's own error is shown.
func envExists(ctx context.Context, c client.Client, env string) bool {
	envs, err := c.ListEnvironments(ctx)
	if err != nil {
		return true
	}
	return slices.ContainsFunc(envs, func(e client.Environment) bool { return e.Name == env })
}

// callHint is a curl line for url with fal's key header, unless the
// deploy made the app public (an app whose mode the deploy left alone may
// be private, which needs it). The key is named, never shown: the file
// it came from, else FAL_KEY.
func callHint(url string, auth *client.AuthMode, keyFile string) string {
	if auth != nil && *auth == client.AuthPublic {
		return "curl " + url
	}
	key := "$FAL_KEY"
	if keyFile != "" {
		key = "$(cat " + cmdline.Join([]string{keyFile}) + ")"
	}
	return `curl -H "Authorization: Key ` + key + `" ` + url
}

// keyFileOf is the file deployCredentials read the key from, "" when it
// came from fal's settings.
func keyFileOf(a deployArgs, keySource string) string {
	if a.keyFile != "" {
		return a.keyFile
	}
	if filepath.IsAbs(keySource) {
		return keySource
	}
	return ""
}

// deployCredentials picks the key: --key-file, else fal's own settings
// (FAL_KEY, the active profile, FAL_KEY_ID/FAL_KEY_SECRET), else, for the
// default local controller, the admin key it keeps in its data directory,
// so deploying to `faldash serve` on this machine needs no flag at all.
// It also says where the key came from, never what it is.
func deployCredentials(a deployArgs) (client.Credentials, string, error) {
	if a.keyFile != "" {
		c, err := client.ReadKeyFile(a.keyFile)
		return c, "--key-file " + a.keyFile, err
	}
	cloud, err := client.ResolveCloudOS()
	if err != nil {
		return client.Credentials{}, "", err
	}
	// A signed-in user's token is fal cloud's alone: a local controller
	// knows only keys, so only a key found in fal's settings is used here.
	if cloud.Found && !cloud.SignedIn {
		return cloud.Credentials, cloud.KeySource, nil
	}
	if a.hostSet {
		return client.Credentials{}, "", fmt.Errorf("no key for %s: pass --key-file (a local controller's key is %s in its data directory) or set FAL_KEY", a.host, server.AdminKeyFile)
	}
	dir, err := server.DefaultDataDir()
	if err != nil {
		return client.Credentials{}, "", err
	}
	path := filepath.Join(dir, server.AdminKeyFile)
	c, err := client.ReadKeyFile(path)
	if err != nil {
		return client.Credentials{}, "", fmt.Errorf("no key found (no FAL_KEY, no fal profile, no --key-file) and the local controller's key is unreadable; is `faldash serve` running? %w", err)
	}
	return c, path, nil
}
