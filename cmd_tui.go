package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/demo"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/localctl"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/tui"
)

// dashFlags are the dashboard's flags (faldash with no subcommand).
type dashFlags struct {
	demo     bool
	host     string
	keyFile  string
	data     string
	env      string
	refresh  time.Duration
	readOnly bool
	debug    string
}

func parseDashFlags(args []string, stderr io.Writer) (dashFlags, error) {
	var f dashFlags
	fs := flag.NewFlagSet("faldash", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&f.demo, "demo", false, "run a throwaway local controller with sample apps, secrets and traffic")
	fs.StringVar(&f.host, "host", "", "controller address (host:port, unix:/path); default: fal cloud with credentials, else the local controller")
	fs.StringVar(&f.keyFile, "key-file", "", "file holding key_id:key_secret (default: FAL_KEY, fal's config, or the local controller's admin.key)")
	fs.StringVar(&f.data, "data", "", "data directory of the embedded local controller (default $XDG_DATA_HOME/faldash)")
	fs.StringVar(&f.env, "env", "", "start in this environment's apps")
	fs.DurationVar(&f.refresh, "refresh", tui.DefaultRefresh, "how often the visible pane is refreshed (at least 500ms)")
	fs.BoolVar(&f.readOnly, "readonly", false, "hide and refuse every action that changes something")
	fs.StringVar(&f.debug, "debug", "", "log every message to this file")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: faldash [flags]\n       faldash <command> [flags]\n\nWith no command, faldash opens the dashboard.\n\nflags:")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "\ncommands:")
		listCommands(stderr)
	}
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q (see faldash -h)", fs.Arg(0))
	}
	if f.refresh < tui.MinRefresh {
		return f, fmt.Errorf("--refresh %s is too short: the least is %s", f.refresh, tui.MinRefresh)
	}
	if f.demo && (f.host != "" || f.data != "") {
		return f, errors.New("--demo runs its own controller: it cannot be combined with --host or --data")
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
	cl, closeTarget, err := target(ctx, f, debug)
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
	keys, err := keymap.Load(path)
	if err != nil {
		return nil, fmt.Errorf("key bindings in %s: %w", path, err)
	}
	return keys, nil
}

// target picks the control plane as DESIGN.md says: --demo; --host; fal
// cloud when fal credentials are found; else the embedded local controller
// in the user's data directory (or the `faldash serve` that holds it).
// The returned func stops whatever target was started here.
func target(ctx context.Context, f dashFlags, debug io.Writer) (client.Client, func(), error) {
	nothing := func() {}
	logger := slog.New(slog.DiscardHandler)
	if debug != nil {
		logger = slog.New(slog.NewTextHandler(debug, nil))
	}
	if f.demo {
		exe, err := os.Executable()
		if err != nil {
			return nil, nil, fmt.Errorf("demo: find faldash's own binary: %w", err)
		}
		d, err := demo.Start(ctx, demo.Options{Exe: exe, Logger: logger})
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
	if f.host != "" {
		creds, err := hostCredentials(f, cloud)
		if err != nil {
			return nil, nil, err
		}
		kind := client.TargetCloud
		if client.IsPlaintextAddr(f.host) {
			kind = client.TargetLocal
		}
		cl, err := client.Dial(client.DialOptions{Addr: f.host, Credentials: creds, Kind: kind})
		return cl, nothing, err
	}
	if cloud.Found && f.data == "" {
		cl, err := client.Dial(client.DialOptions{Addr: cloud.Host, Credentials: cloud.Credentials, Kind: client.TargetCloud})
		return cl, nothing, err
	}
	return embedded(f, logger)
}

// hostCredentials finds the key for --host: --key-file; else, for a
// loopback host, the local controller's admin key from the data directory
// (a fal cloud key would be refused there); else fal's own credentials.
func hostCredentials(f dashFlags, cloud client.CloudConfig) (client.Credentials, error) {
	if f.keyFile != "" {
		return client.ReadKeyFile(f.keyFile)
	}
	if client.IsPlaintextAddr(f.host) {
		if dir, err := dataDir(f); err == nil {
			if creds, err := client.ReadKeyFile(filepath.Join(dir, server.AdminKeyFile)); err == nil {
				return creds, nil
			}
		}
	}
	if cloud.Found {
		return cloud.Credentials, nil
	}
	return client.Credentials{}, fmt.Errorf("no key for %s: pass --key-file, or set FAL_KEY", f.host)
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
func embedded(f dashFlags, logger *slog.Logger) (client.Client, func(), error) {
	dir, err := dataDir(f)
	if err != nil {
		return nil, nil, err
	}
	start := func(listen, gateway string) (*localctl.Controller, error) {
		return localctl.Start(localctl.Options{DataDir: dir, Listen: listen, Gateway: gateway, Logger: logger})
	}
	ctl, err := start(server.DefaultListen, localctl.DefaultGateway)
	if err != nil && !errors.Is(err, server.ErrDataDirInUse) {
		ctl, err = start("127.0.0.1:0", "127.0.0.1:0")
	}
	if errors.Is(err, server.ErrDataDirInUse) {
		creds, kerr := client.ReadKeyFile(filepath.Join(dir, server.AdminKeyFile))
		if kerr != nil {
			return nil, nil, fmt.Errorf("%w; and its key is unreadable: %v", err, kerr)
		}
		cl, err := client.Dial(client.DialOptions{Addr: server.DefaultListen, Credentials: creds, Kind: client.TargetLocal})
		return cl, func() {}, err
	}
	if err != nil {
		return nil, nil, fmt.Errorf("start the local controller: %w", err)
	}
	creds, err := client.ReadKeyFile(ctl.Server().KeyFile())
	if err != nil {
		ctl.Close()
		return nil, nil, err
	}
	cl, err := client.Dial(client.DialOptions{Addr: ctl.Addr(), Credentials: creds, Kind: client.TargetLocal, User: server.DefaultUser, GatewayURL: ctl.GatewayURL()})
	if err != nil {
		ctl.Close()
		return nil, nil, err
	}
	return cl, func() { ctl.Close() }, nil
}
