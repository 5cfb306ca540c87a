package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/faldash/faldash/server"
)

// runServe runs the local controller until ctx ends (SIGINT or SIGTERM),
// then stops it gracefully.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", server.DefaultListen, "address to listen on: host:port, or a unix socket as unix:/path or /path.sock")
	data := fs.String("data", "", "data directory (default $XDG_DATA_HOME/faldash, else ~/.local/share/faldash)")
	user := fs.String("user", server.DefaultUser, "account nickname used in app endpoint URLs")
	allowRemote := fs.Bool("allow-remote", false, "allow listening on a non-loopback address (the protocol is plaintext)")
	debug := fs.Bool("debug", false, "log every call (method, code, duration) to stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: faldash serve [flags]\n\nRuns the local fal controller until Ctrl+C or SIGTERM.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", fs.Args())
	}
	dir := *data
	if dir == "" {
		var err error
		if dir, err = server.DefaultDataDir(); err != nil {
			return err
		}
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	lis, err := server.Listen(*listen, *allowRemote)
	if err != nil {
		return err
	}
	ctl, err := server.Open(server.Config{DataDir: dir, User: *user, Logger: log})
	if err != nil {
		lis.Close()
		return err
	}
	fmt.Fprintf(stdout, "faldash controller listening on %s\n", lis.Addr())
	fmt.Fprintf(stdout, "data directory: %s\n", ctl.DataDir())
	fmt.Fprintf(stdout, "admin key file: %s (use it as FAL_KEY)\n", ctl.KeyFile())

	served := make(chan error, 1)
	go func() { served <- ctl.Serve(lis) }()
	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "stopping")
	case err := <-served:
		// Serve ends on its own only when the listener fails.
		return fmt.Errorf("%w (closing: %v)", err, ctl.Close())
	}
	if err := ctl.Close(); err != nil {
		return fmt.Errorf("stop controller: %w", err)
	}
	if err := <-served; err != nil {
		return err
	}
	return nil
}
