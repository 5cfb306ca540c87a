package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/faldash/faldash/internal/demo"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/localctl"
)

// runServe runs the local controller, its runners, its gateway and fal's
// REST API until ctx ends (SIGINT or SIGTERM), then stops them gracefully.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "faldash serve [flags]", "Runs the local fal controller (gRPC, fal's REST API and the gateway to its apps)\nuntil Ctrl+C or SIGTERM, then stops its runners gracefully.")
	listen := fs.String("listen", server.DefaultListen, "address to listen on: host:port, or a unix socket as unix:/path or /path.sock")
	gw := fs.String("gateway", localctl.DefaultGateway, `host:port of the HTTP gateway serving the apps at /<user>/<app>, or "off"`)
	restAddr := fs.String("rest", localctl.DefaultREST, `host:port of fal's REST API (runner logs and info, queues, current user), or "off"; it also answers HTTP/1 on --listen, where fal's CLI sends part of it`)
	data := fs.String("data", "", "data directory (default $XDG_DATA_HOME/faldash, else ~/.local/share/faldash)")
	user := fs.String("user", server.DefaultUser, "account nickname used in app endpoint URLs")
	allowRemote := fs.Bool("allow-remote", false, "allow listening on non-loopback addresses; needs --tls-cert and --tls-key, or --insecure")
	tlsCert := fs.String("tls-cert", "", "PEM certificate (chain) to serve gRPC, the REST API and the gateway over TLS")
	tlsKey := fs.String("tls-key", "", "PEM private key of --tls-cert")
	insecure := fs.Bool("insecure", false, "with --allow-remote and no certificate, serve plaintext anyway: keys cross the network in the clear")
	demoMode := fs.Bool("demo", false, "run a throwaway demo controller (temporary data, sample apps, synthetic traffic) instead")
	debug := fs.Bool("debug", false, "log every call (method, code, duration) and gateway request to stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.Misuse(fmt.Errorf("serve takes no arguments, got %q", fs.Args()))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *demoMode {
		if set["data"] {
			return fmt.Errorf("--demo keeps its data in a temporary directory; drop --data")
		}
		for _, f := range []string{"allow-remote", "tls-cert", "tls-key", "insecure"} {
			if set[f] {
				return fmt.Errorf("--demo listens on loopback only, in plaintext; drop --%s", f)
			}
		}
		opts := demo.Options{Logger: log, User: *user}
		// The demo picks free ports unless told, so it runs beside a real
		// `faldash serve`.
		if set["listen"] {
			opts.Listen = *listen
		}
		if set["gateway"] {
			opts.Gateway = *gw
		}
		if set["rest"] {
			opts.REST = *restAddr
		}
		return serveDemo(ctx, opts, stdout)
	}

	if err := checkTLSFlags(*tlsCert, *tlsKey, *allowRemote, *insecure); err != nil {
		return err
	}
	dir := *data
	var err error
	if dir == "" {
		if dir, err = server.DefaultDataDir(); err != nil {
			return err
		}
	}
	opts := localctl.Options{
		DataDir:     dir,
		Listen:      *listen,
		Gateway:     *gw,
		REST:        *restAddr,
		AllowRemote: *allowRemote,
		Insecure:    *insecure,
		User:        *user,
		Logger:      log,
	}
	if *tlsCert != "" {
		if opts.TLS, err = localctl.LoadTLS(*tlsCert, *tlsKey); err != nil {
			return err
		}
	}
	c, err := localctl.Start(opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "faldash controller listening on %s\n", c.Addr())
	if opts.TLS != nil {
		cert, _ := filepath.Abs(*tlsCert)
		fmt.Fprintf(stdout, "tls certificate: %s (clients that do not trust its issuer can: SSL_CERT_FILE=%s, and GRPC_DEFAULT_SSL_ROOTS_FILE_PATH for fal's CLI)\n", cert, cert)
	}
	fmt.Fprintf(stdout, "data directory: %s\n", c.Server().DataDir())
	fmt.Fprintf(stdout, "admin key file: %s (use it as FAL_KEY)\n", c.Server().KeyFile())
	printIsolation(stdout, c.Supervisor().Isolation())
	if u := c.GatewayURL(); u != "" {
		fmt.Fprintf(stdout, "gateway: %s/%s/<app>\n", u, *user)
	}
	if u := c.RESTURL(); u != "" {
		fmt.Fprintf(stdout, "rest api: %s\n", u)
	}
	return waitAndClose(ctx, c.Err(), c.Close, stdout)
}

// checkTLSFlags refuses combinations of the TLS flags that say two
// things at once, before anything starts.
func checkTLSFlags(cert, key string, allowRemote, insecure bool) error {
	switch {
	case (cert == "") != (key == ""):
		return fmt.Errorf("--tls-cert and --tls-key go together: give both, the certificate and its private key")
	case insecure && cert != "":
		return fmt.Errorf("--insecure means serving without TLS; drop it, or drop --tls-cert and --tls-key")
	case insecure && !allowRemote:
		return fmt.Errorf("--insecure only allows --allow-remote without TLS; a loopback controller needs neither")
	}
	return nil
}

// serveDemo runs the demo controller until ctx ends.
func serveDemo(ctx context.Context, opts demo.Options, stdout io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("demo: find faldash's own binary for the sample runner: %w", err)
	}
	opts.Exe = exe
	d, err := demo.Start(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "faldash demo controller listening on %s\n", d.Addr())
	fmt.Fprintf(stdout, "admin key file: %s (use it as FAL_KEY; removed on exit)\n", d.KeyFile())
	printIsolation(stdout, d.Isolation())
	fmt.Fprintf(stdout, "gateway: %s/%s/<app>\n", d.GatewayURL(), d.User())
	if u := d.RESTURL(); u != "" {
		fmt.Fprintf(stdout, "rest api: %s\n", u)
	}
	fmt.Fprintln(stdout, "synthetic traffic is running; Ctrl+C stops the demo and removes its data")
	return waitAndClose(ctx, d.Err(), d.Close, stdout)
}

// waitAndClose waits for ctx's end or a listener's failure, then closes.
func waitAndClose(ctx context.Context, failed <-chan error, closeFn func() error, stdout io.Writer) error {
	select {
	case <-ctx.Done():
		fmt.Fprintln(stdout, "stopping")
	case err := <-failed:
		return fmt.Errorf("%w (closing: %v)", err, closeFn())
	}
	if err := closeFn(); err != nil {
		return fmt.Errorf("stop controller: %w", err)
	}
	return nil
}
