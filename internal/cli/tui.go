package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/demo"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/localctl"
	"github.com/faldash/faldash/server/supervisor"
	"github.com/faldash/faldash/tui"
	"github.com/faldash/faldash/views/format"
)

// dashFlags are the dashboard's flags (faldash with no subcommand).
type dashFlags struct {
	demo     bool
	host     string
	keyFile  string
	team     string
	data     string
	env      string
	refresh  time.Duration
	readOnly bool
	debug    string
}

func parseDashFlags(args []string, _ io.Writer) (dashFlags, error) {
	var f dashFlags
	fs := newFlags("faldash", "faldash [flags]\n       faldash <command> [flags]", "With no command, faldash opens the dashboard.")
	fs.BoolVar(&f.demo, "demo", false, "run a throwaway local controller with sample apps, secrets and traffic")
	fs.StringVar(&f.host, "host", "", "controller address (host:port, unix:/path); default: fal cloud with credentials, else the local controller")
	fs.StringVar(&f.keyFile, "key-file", "", "file holding key_id:key_secret (default: FAL_KEY, fal's config, or the local controller's admin.key)")
	fs.StringVar(&f.team, "team", "", "on fal cloud, act as this team (default: fal's saved team, else your personal account)")
	fs.StringVar(&f.data, "data", "", "data directory of the embedded local controller (default $XDG_DATA_HOME/faldash)")
	fs.StringVar(&f.env, "env", "", "start in this environment's apps")
	fs.DurationVar(&f.refresh, "refresh", tui.DefaultRefresh, "how often the visible pane is refreshed (at least 500ms)")
	fs.BoolVar(&f.readOnly, "readonly", false, "hide and refuse every action that changes something")
	fs.StringVar(&f.debug, "debug", "", "log every message to this file")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fs.Misuse(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if f.refresh < tui.MinRefresh {
		return f, fs.Misuse(fmt.Errorf("--refresh %s is too short: the least is %s", f.refresh, tui.MinRefresh))
	}
	if f.demo && (f.host != "" || f.data != "") {
		return f, fs.Misuse(errors.New("--demo runs its own controller: it cannot be combined with --host or --data"))
	}
	return f, nil
}

// runDashboard opens the TUI against the target the flags and environment
// choose (see target).
func runDashboard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseDashFlags(args, stderr)
	if err != nil {
		return err
	}
	keys, err := loadKeys()
	if err != nil {
		return err
	}
	var debug io.Writer
	if f.debug != "" {
		file, err := os.OpenFile(f.debug, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("--debug: %w", err)
		}
		defer file.Close()
		debug = file
	}
	cl, closeTarget, err := target(ctx, f, debug, stderr)
	if err != nil {
		return err
	}
	defer closeTarget()
	defer cl.Close()
	return tui.Run(ctx, tui.Config{
		Client:   cl,
		Env:      f.env,
		Refresh:  f.refresh,
		ReadOnly: f.readOnly,
		KeyMap:   keys,
		Debug:    debug,
	})
}

func loadKeys() (*keymap.KeyMap, error) {
	path, err := keymap.ConfigPath()
	if err != nil {
		return keymap.Default(), nil
	}
	// keymap.Load's errors name the file already.
	return keymap.Load(path, tui.KeyScopes()...)
}

// target picks the control plane as DESIGN.md says: --demo; --host; fal
// cloud when fal credentials are found; else the embedded local controller
// in the user's data directory (or the `faldash serve` that holds it).
// The returned func stops whatever target was started here.
func target(ctx context.Context, f dashFlags, debug, stderr io.Writer) (client.Client, func(), error) {
	logger := slog.New(slog.DiscardHandler)
	if debug != nil {
		logger = slog.New(slog.NewTextHandler(debug, nil))
	}
	if f.demo {
		exe, err := os.Executable()
		if err != nil {
			return nil, nil, fmt.Errorf("demo: find faldash's own binary: %w", err)
		}
		d, err := demo.Start(ctx, demo.Options{Exe: exe, Logger: logger, Supervisor: stopNoticeFor(stderr)})
		if err != nil {
			return nil, nil, err
		}
		cl, err := d.Dial()
		if err != nil {
			d.Close()
			return nil, nil, err
		}
		return cl, func() { d.Close() }, nil
	}

	cloud, err := client.ResolveCloudOS()
	if err != nil {
		return nil, nil, err
	}
	if f.team != "" && !cloud.Found {
		return nil, nil, errors.New("--team chooses a fal cloud account, but no fal credentials were found (set FAL_KEY or run `fal auth login`)")
	}
	if f.host != "" {
		return hostTarget(ctx, f, cloud, stderr, logger)
	}
	if cloud.Found && f.data == "" {
		return cloudTarget(ctx, f.team, cloud, cloud.Host, stderr, logger)
	}
	return embedded(ctx, f, logger, stderr)
}

// cloudTarget dials fal cloud (or any TLS host) with fal's credentials,
// acting as team, and learns the account's nickname for the header and
// endpoint URLs; without it the dashboard still works, so that failure
// only goes to the debug log.
func cloudTarget(ctx context.Context, team string, cloud client.CloudConfig, addr string, stderr io.Writer, logger *slog.Logger) (client.Client, func(), error) {
	sess, err := cloud.Connect(ctx, team, nil)
	if err != nil {
		return nil, nil, err
	}
	if sess.Warning != "" {
		fmt.Fprintln(stderr, "faldash:", sess.Warning)
	}
	if sess.AccountErr != nil {
		logger.Warn("account unknown", "err", sess.AccountErr)
	}
	cl, err := client.Dial(client.DialOptions{
		Addr:    addr,
		Auth:    sess.Auth,
		Kind:    client.TargetCloud,
		RESTURL: cloud.RESTURL,
		User:    sess.Account.Nickname,
		Account: sess.Account.Nickname,
	})
	return cl, func() {}, err
}

// hostTarget dials --host as hostOptions says.
func hostTarget(ctx context.Context, f dashFlags, cloud client.CloudConfig, stderr io.Writer, logger *slog.Logger) (client.Client, func(), error) {
	opts, viaCloud, err := hostOptions(f, cloud)
	if err != nil {
		return nil, nil, err
	}
	if viaCloud {
		if opts.RESTURL != "" {
			cloud.RESTURL = opts.RESTURL
		}
		return cloudTarget(ctx, f.team, cloud, f.host, stderr, logger)
	}
	return dialLocal(opts)
}

// dialLocal dials a controller that may be on another machine. Where it
// serves its apps, and as whom, come with its answers (see
// client.Target): the dashboard starts at once and its header and
// endpoints follow the first answer, rather than the screen staying blank
// while a slow or unreachable controller is asked first.
func dialLocal(opts client.DialOptions) (client.Client, func(), error) {
	cl, err := client.Dial(opts)
	if err != nil {
		return nil, nil, err
	}
	return cl, func() {}, nil
}

// hostOptions decides how to dial --host: with --key-file's key; else, for
// a loopback host, with the local controller's admin key from the data
// directory (a fal cloud key would be refused there); else with fal's own
// credentials, as fal cloud (viaCloud). A loopback host that is the
// controller holding the data directory also gets the REST API and gateway
// it announced there; FAL_REST_HOST names the REST API of any other.
func hostOptions(f dashFlags, cloud client.CloudConfig) (opts client.DialOptions, viaCloud bool, err error) {
	local := client.IsPlaintextAddr(f.host)
	opts = client.DialOptions{Addr: f.host, Kind: client.TargetCloud, RESTURL: restURL(os.Getenv("FAL_REST_HOST"))}
	if local {
		opts.Kind = client.TargetLocal
		if dir, err := dataDir(f); err == nil {
			localEndpoints(dir, f.host, &opts)
			if f.keyFile == "" {
				if creds, err := client.ReadKeyFile(filepath.Join(dir, server.AdminKeyFile)); err == nil {
					opts.Credentials = creds
				}
			}
		}
	}
	switch {
	case f.keyFile != "":
		opts.Credentials, err = client.ReadKeyFile(f.keyFile)
		return opts, false, err
	case !opts.Credentials.IsZero():
		return opts, false, nil
	case cloud.Found && !local:
		return opts, true, nil
	case cloud.Found && !cloud.SignedIn:
		opts.Credentials = cloud.Credentials
		return opts, false, nil
	case cloud.Found:
		return opts, false, fmt.Errorf("no key for %s: a local controller takes keys, not fal's sign-in; pass --key-file", f.host)
	}
	return opts, false, fmt.Errorf("no key for %s: pass --key-file, or set FAL_KEY", f.host)
}

// restURL turns FAL_REST_HOST's host[:port] into a base URL: plain http
// for loopback, as for the gRPC transport, https otherwise.
func restURL(host string) string {
	switch {
	case host == "" || strings.Contains(host, "://"):
		return host
	case client.IsPlaintextAddr(host):
		return "http://" + host
	}
	return "https://" + host
}

// localEndpoints fills in the REST API and gateway URLs that the local
// controller holding dir announced, when it is the one at addr; a
// FAL_REST_HOST already given wins.
func localEndpoints(dir, addr string, opts *client.DialOptions) {
	e, err := localctl.ReadEndpoints(dir)
	if err != nil || !sameAddr(e.GRPC, addr) {
		return
	}
	if opts.RESTURL == "" {
		opts.RESTURL = e.REST
	}
	opts.GatewayURL = e.Gateway
}

// sameAddr compares two controller addresses as dialled, so that
// "localhost:7777" and "127.0.0.1:7777" are not told apart by spelling
// alone when one is a port on loopback.
func sameAddr(a, b string) bool {
	if a == b {
		return true
	}
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	return errA == nil && errB == nil && pa == pb && client.IsPlaintextAddr(a) && client.IsPlaintextAddr(b) && ha != "" && hb != ""
}

func dataDir(f dashFlags) (string, error) {
	if f.data != "" {
		return f.data, nil
	}
	return server.DefaultDataDir()
}

// embedded starts the local controller in-process on the user's data
// directory, on the usual ports when they are free so `faldash deploy` and
// curl find it, else on free ones. If a `faldash serve` already holds the
// directory, the dashboard connects to that one instead.
func embedded(ctx context.Context, f dashFlags, logger *slog.Logger, stderr io.Writer) (client.Client, func(), error) {
	dir, err := dataDir(f)
	if err != nil {
		return nil, nil, err
	}
	start := func(listen, gateway, rest string) (*localctl.Controller, error) {
		return localctl.Start(localctl.Options{DataDir: dir, Listen: listen, Gateway: gateway, REST: rest, Logger: logger,
			Supervisor: stopNoticeFor(stderr)})
	}
	ctl, err := start(server.DefaultListen, localctl.DefaultGateway, localctl.DefaultREST)
	if err != nil && !errors.Is(err, server.ErrDataDirInUse) {
		ctl, err = start("127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0")
	}
	if errors.Is(err, server.ErrDataDirInUse) {
		creds, kerr := client.ReadKeyFile(filepath.Join(dir, server.AdminKeyFile))
		if kerr != nil {
			return nil, nil, fmt.Errorf("%w; and its key is unreadable: %v", err, kerr)
		}
		opts := client.DialOptions{Addr: server.DefaultListen, Credentials: creds, Kind: client.TargetLocal}
		if e, err := localctl.ReadEndpoints(dir); err == nil {
			opts.Addr = e.GRPC
			localEndpoints(dir, e.GRPC, &opts)
		}
		return dialLocal(opts)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("start the local controller: %w", err)
	}
	creds, err := client.ReadKeyFile(ctl.Server().KeyFile())
	if err != nil {
		ctl.Close()
		return nil, nil, err
	}
	cl, err := client.Dial(client.DialOptions{Addr: ctl.Addr(), Credentials: creds, Kind: client.TargetLocal, User: server.DefaultUser, GatewayURL: ctl.GatewayURL(), RESTURL: ctl.RESTURL()})
	if err != nil {
		ctl.Close()
		return nil, nil, err
	}
	return cl, func() { ctl.Close() }, nil
}

// stopNoticeFor is the runner supervisor's configuration of a controller
// the dashboard runs itself (embedded, or the demo): it is stopped after
// the dashboard has left the terminal, which would otherwise stay blank
// for the seconds runners take to stop (see stopNotice).
func stopNoticeFor(stderr io.Writer) supervisor.Config {
	tty := false
	if f, ok := stderr.(*os.File); ok {
		tty = term.IsTerminal(f.Fd())
	}
	return supervisor.Config{StopProgress: stopNotice{w: stderr, tty: tty}.report}
}

// stopNotice says how stopping the runners goes: on a terminal, "stopping
// 3 runners… 2 left" rewritten in place as each ends, then "… done";
// elsewhere only the first line and the last, so a log is not flooded.
// The supervisor says nothing when no runner was running.
type stopNotice struct {
	w   io.Writer
	tty bool
}

func (n stopNotice) report(left, total int) {
	what := "stopping " + format.Count(total, "runner", "runners") + "…"
	switch {
	case left == total && n.tty:
		fmt.Fprint(n.w, what)
	case left == total:
		fmt.Fprintln(n.w, what)
	case left == 0 && n.tty:
		fmt.Fprint(n.w, "\r\x1b[K"+what+" done\n")
	case left == 0:
		fmt.Fprintln(n.w, "stopped "+format.Count(total, "runner", "runners"))
	case n.tty:
		fmt.Fprintf(n.w, "\r\x1b[K%s %d left", what, left)
	}
}
