// Command faldash is a terminal dashboard for fal, and the local fal
// controller it can run against.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/faldash/faldash/samplerunner"
)

// command is one subcommand: it parses its own flags from args and returns
// an error for main to print.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
	// hidden commands are left out of the usage: they are for faldash
	// itself (the sample runner its demo deploys), not for people.
	hidden bool
}

func commands() []command {
	return []command{
		{name: "serve", summary: "run the local fal controller", run: runServe},
		{name: "deploy", summary: "deploy a command as an app on a local controller", run: runDeploy},
		{name: "version", summary: "print faldash's version", run: runVersion},
		{name: "sample-runner", summary: "the sample app the demo runs", run: runSampleRunner, hidden: true},
	}
}

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
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "faldash:", err)
		os.Exit(1)
	}
}

// run dispatches to the subcommand named by args[0]. ctx ends on SIGINT or
// SIGTERM.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || len(args[0]) > 0 && args[0][0] == '-' {
		// No command: the dashboard, with its own flags (-h lists them
		// and the commands).
		return runDashboard(ctx, args, stdout, stderr)
	}
	if args[0] == "help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: faldash [flags]            open the dashboard (faldash -h for its flags)\n       faldash <command> [flags]\n\ncommands:")
	listCommands(w)
}

func listCommands(w io.Writer) {
	for _, c := range commands() {
		if c.hidden {
			continue
		}
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'faldash <command> -h' for a command's flags.")
}
