//go:build linux

// Command perfprobe measures faldash from the outside, against the
// synthetic controller (internal/synthctl), so that two builds can be
// compared in one run (scripts/perf.sh does that):
//
//	perfprobe tui --bin before=./faldash-old --bin after=./faldash [flags]
//	perfprobe list --fal ../shared/falcli/fal --lister faldash=./perfprobe [flags]
//	perfprobe ls --host ADDR --key-file FILE
//	perfprobe table < results
//
// tui runs each binary in a pseudo-terminal and measures its first frame,
// opening an app's runners, key press to first byte while polls change
// rows, bytes, frames and rewritten lines per second with unchanged data,
// CPU, and memory after a soak. list times faldash's listing of every
// runner against fal's own client. ls is faldash's listing itself. table
// prints the PERF lines of earlier runs as one table.
//
// Each figure is printed as it is measured as a line
// "PERF <label> <metric> <value> <unit>" (tab-separated), and all of them
// at the end as a table.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/faldash/faldash/internal/synthctl"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "perfprobe:", err)
		}
		os.Exit(1)
	}
}

const usage = `usage: perfprobe tui --bin LABEL=PATH [--bin LABEL=PATH...] [flags]
       perfprobe list [--fal PATH] [--lister LABEL=PATH...] [flags]
       perfprobe ls --host ADDR --key-file FILE
       perfprobe table < PERF-LINES
(perfprobe COMMAND -h lists a command's flags)`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "tui":
		return runTUICommand(ctx, args[1:], stdout, stderr)
	case "list":
		return runListCommand(ctx, args[1:], stdout, stderr)
	case "ls":
		return runLs(ctx, args[1:], stdout, stderr)
	case "table":
		return runTable(os.Stdin, stdout)
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// labelled is a binary and the name its column has in the report.
type labelled struct{ label, path string }

// labelledFlag collects repeated LABEL=PATH flags.
type labelledFlag []labelled

func (f *labelledFlag) String() string {
	parts := make([]string, len(*f))
	for i, l := range *f {
		parts[i] = l.label + "=" + l.path
	}
	return strings.Join(parts, ",")
}

func (f *labelledFlag) Set(v string) error {
	label, path, ok := strings.Cut(v, "=")
	if !ok || label == "" || path == "" {
		return fmt.Errorf("%q is not LABEL=PATH", v)
	}
	for _, l := range *f {
		if l.label == label {
			return fmt.Errorf("label %q given twice", label)
		}
	}
	if _, err := os.Stat(path); err != nil {
		return err
	}
	*f = append(*f, labelled{label, path})
	return nil
}

func synthDefaults() synthctl.Config {
	return synthctl.Config{Runners: 100_000, Seed: 1, Churn: synthctl.Churn{Fraction: 0.05, Added: 20, Removed: 20}}
}

// steadyController starts cfg's synthetic controller without churn on
// loopback, so that what is measured sees unchanged data, and makes a
// fresh home directory holding its key file. stop closes the controller
// and removes the home.
func steadyController(cfg synthctl.Config) (srv *synthctl.Server, home, keyFile string, stop func(), err error) {
	cfg.Churn = synthctl.Churn{}
	srv, err = synthctl.New(cfg)
	if err != nil {
		return nil, "", "", nil, err
	}
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		return nil, "", "", nil, err
	}
	home, err = os.MkdirTemp("", "perfprobe-")
	if err != nil {
		srv.Close()
		return nil, "", "", nil, err
	}
	stop = func() {
		os.RemoveAll(home)
		srv.Close()
	}
	keyFile = filepath.Join(home, "synth.key")
	if err := srv.WriteKeyFile(keyFile); err != nil {
		stop()
		return nil, "", "", nil, err
	}
	return srv, home, keyFile, stop, nil
}

// printReport runs measure with a report that prints each figure to
// stdout as it comes, then prints them all as a table, whether or not
// measure failed part-way.
func printReport(stdout io.Writer, measure func(*report) error) error {
	rep := newReport(stdout)
	err := measure(rep)
	fmt.Fprintln(stdout)
	rep.table(stdout)
	return err
}

func runTUICommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := tuiOptions{synth: synthDefaults()}
	var bins labelledFlag
	fs := flag.NewFlagSet("perfprobe tui", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&bins, "bin", "LABEL=PATH of a faldash binary to measure (repeat to compare)")
	o.synth.Flags(fs)
	fs.DurationVar(&o.refresh, "refresh", 2*time.Second, "the dashboard's --refresh")
	fs.IntVar(&o.cols, "cols", 200, "terminal width")
	fs.IntVar(&o.rows, "rows", 60, "terminal height")
	fs.DurationVar(&o.idle, "idle", 20*time.Second, "window of unchanged data for bytes, frames, lines and CPU")
	fs.IntVar(&o.presses, "presses", 100, "j/k presses while polls change rows")
	fs.DurationVar(&o.gap, "gap", 50*time.Millisecond, "time between presses")
	fs.DurationVar(&o.soak, "soak", 90*time.Second, "time from opening the runners to reading RSS")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "limit of each wait while starting and browsing")
	fs.StringVar(&o.keep, "keep", "", "directory to write each binary's terminal output to (LABEL.out)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case len(bins) == 0:
		return errors.New("tui needs at least one --bin LABEL=PATH")
	case o.presses < 1 || o.idle <= 0 || o.gap < 0 || o.cols < 40 || o.rows < 10:
		return errors.New("--presses, --idle, --cols and --rows must be positive (at least 40x10), --gap not negative")
	}
	o.bins = bins
	return printReport(stdout, func(rep *report) error { return runTUI(ctx, o, rep) })
}

func runListCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o := listOptions{synth: synthDefaults()}
	var listers labelledFlag
	fs := flag.NewFlagSet("perfprobe list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.fal, "fal", "", "fal's CLI (../shared/falcli/fal); empty: faldash only")
	fs.Var(&listers, "lister", "LABEL=PATH of a perfprobe binary whose ls is timed (default: this one, as faldash)")
	o.synth.Flags(fs)
	fs.IntVar(&o.repeat, "repeat", 3, "listings per tool; medians are reported")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "limit of one listing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.repeat < 1 {
		return errors.New("--repeat must be at least 1")
	}
	if len(listers) == 0 {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		listers = labelledFlag{{"faldash", self}}
	}
	o.listers = listers
	return printReport(stdout, func(rep *report) error { return runList(ctx, o, rep) })
}
