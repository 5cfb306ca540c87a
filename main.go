// Command faldash is a terminal dashboard for fal, and the local fal
// controller it can run against. main sets up the process (signals, exit
// status) and hands the command line to internal/cli, which parses it and
// runs the command.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/faldash/faldash/internal/cli"
	"github.com/faldash/faldash/internal/samplerunner"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise it comes from the module's build information.
var version string

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sample-runner" {
		// The sample runner handles its own signals, as a fal runner does
		// (the first starts its teardown, a second ends it); main's own
		// handler would swallow the second.
		os.Exit(samplerunner.Main(os.Args[2:], os.Getenv, os.Stdout, os.Stderr))
	}
	// A controller whose stdout goes away (its terminal or parent died)
	// must still stop its runners: with SIGPIPE ignored, a write to the
	// broken pipe fails instead of killing faldash on the spot.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	cli.Version = version
	err := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitStatus(err, os.Stderr))
}
