// Package samplerunner is the app faldash's demo and tests deploy: a small
// HTTP server that behaves like a fal runner (a setup phase, requests that
// take time and sometimes fail, a graceful exit on fal's shutdown signal),
// so the local controller has real processes to supervise and scale
// without any model code.
package samplerunner

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// config is what one run needs, parsed from flags and the environment.
type config struct {
	addr       string
	setupDelay time.Duration
	latency    time.Duration
	jitter     time.Duration
	failRate   float64
	failSetup  bool
	grace      time.Duration

	runnerID, app, appID, user, host, hfHome string
	hasKey                                   bool

	// wait paces a request; tests replace it to hold a request in flight
	// for as long as they need instead of guessing a latency.
	wait func(ctx context.Context, d time.Duration) error
}

// Main runs the sample runner until SIGTERM (fal's shutdown signal) or
// SIGINT, and returns the process exit code. args are the arguments after
// the subcommand name; getenv reads the runner's environment.
func Main(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	// After the first signal, restore the default action so a second one
	// ends a teardown that hangs.
	go func() {
		<-ctx.Done()
		stop()
	}()
	return Run(ctx, args, getenv, stdout, stderr)
}

// Run is Main without the signal handling: the runner shuts down
// gracefully when ctx is done. Tests and an in-process controller use it.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "sample-runner: %v\n", err)
		return 2
	}
	return run(ctx, cfg, stdout, stderr)
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	cfg := config{wait: sleep}
	fs := flag.NewFlagSet("sample-runner", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", 0, "port to listen on when $PORT is unset")
	fs.DurationVar(&cfg.setupDelay, "setup-delay", 0, "time spent in setup before listening (simulates loading a model)")
	fs.DurationVar(&cfg.latency, "latency", 0, "time each request takes")
	fs.DurationVar(&cfg.jitter, "jitter", 0, "random spread added to or taken from --latency")
	fs.Float64Var(&cfg.failRate, "fail-rate", 0, "fraction of requests answered with 500, 0 to 1")
	fs.BoolVar(&cfg.failSetup, "fail-setup", false, "exit 1 at the end of setup")
	fs.DurationVar(&cfg.grace, "grace", 5*time.Second, "time allowed to finish requests after the shutdown signal")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.failRate < 0 || cfg.failRate > 1 {
		return cfg, fmt.Errorf("--fail-rate must be between 0 and 1, not %v", cfg.failRate)
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"--setup-delay", cfg.setupDelay}, {"--latency", cfg.latency}, {"--jitter", cfg.jitter}, {"--grace", cfg.grace}} {
		if f.d < 0 {
			return cfg, fmt.Errorf("%s must not be negative", f.name)
		}
	}
	p := *port
	if v := getenv("PORT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return cfg, fmt.Errorf("PORT %q is not a number", v)
		}
		p = n
	}
	if p < 1 || p > 65535 {
		return cfg, errors.New("no port: set PORT (the controller does) or --port to 1-65535")
	}
	cfg.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(p))

	cfg.runnerID = getenv("FAL_JOB_ID")
	cfg.app = getenv("FAL_APP_NAME")
	cfg.appID = getenv("FAL_APP_ID")
	cfg.user = getenv("FAL_USER_NICKNAME")
	cfg.host = getenv("FAL_HOST")
	cfg.hfHome = getenv("HF_HOME")
	cfg.hasKey = getenv("FAL_KEY") != ""
	return cfg, nil
}

// run goes through a runner's life: setup, serving, and on ctx's end
// handle_exit and teardown. Only values that are not secret are printed;
// FAL_KEY is reported by name alone.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) int {
	out := log.New(stdout, "", 0)
	errs := log.New(stderr, "", 0)

	out.Printf("sample runner %s of app %s (revision %s, user %s, host %s)",
		orNone(cfg.runnerID), orNone(cfg.app), orNone(cfg.appID), orNone(cfg.user), orNone(cfg.host))
	key := "is set"
	if !cfg.hasKey {
		key = "is NOT set"
	}
	out.Printf("HF_HOME=%s; FAL_KEY %s", orNone(cfg.hfHome), key)
	out.Printf("FAL_RUNNER_STATE=SETUP: loading for %s", cfg.setupDelay)
	if err := sleep(ctx, cfg.setupDelay); err != nil {
		out.Print("handle_exit: shutdown signal during setup")
		out.Print("teardown: nothing to finish")
		return 0
	}
	if cfg.failSetup {
		errs.Print("setup failed: --fail-setup is set")
		return 1
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		errs.Printf("setup failed: %v", err)
		return 1
	}
	h := &handler{cfg: cfg, out: out, errs: errs}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: errs}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	out.Printf("FAL_RUNNER_STATE=RUNNING: listening on http://%s", ln.Addr())

	select {
	case err := <-served:
		errs.Printf("serving stopped: %v", err)
		return 1
	case <-ctx.Done():
	}

	out.Printf("handle_exit: shutdown signal, FAL_RUNNER_STATE=TERMINATING; accepting no new requests")
	out.Printf("teardown: finishing the requests in flight (%d) within %s", h.inFlight.Load(), cfg.grace)
	graceCtx, cancel := context.WithTimeout(context.Background(), cfg.grace)
	defer cancel()
	if err := srv.Shutdown(graceCtx); err != nil {
		// The controller kills us after its own grace period anyway; exit
		// now with the requests' loss on record.
		errs.Printf("teardown: grace period over, dropping the unfinished requests (%d)", h.inFlight.Load())
		_ = srv.Close()
		return 0
	}
	out.Print("teardown: done, exiting")
	return 0
}

// sleep waits d or until ctx is done, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
