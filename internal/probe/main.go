package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "", "probe the controller at `HOST:PORT` (default: start a fresh one in a temporary directory)")
	restURL := fs.String("rest", "", "with -addr, the REST API's base `URL`")
	gatewayURL := fs.String("gateway", "", "with -addr, the gateway's base `URL`")
	keyFile := fs.String("key-file", "", "with -addr, the admin key `FILE` (id:secret)")
	user := fs.String("user", "local", "with -addr, the account nickname")
	quick := fs.Bool("quick", false, "only the sections CI runs")
	match := fs.String("run", "", "only sections whose name matches `REGEXP`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var re *regexp.Regexp
	if *match != "" {
		var err error
		if re, err = regexp.Compile(*match); err != nil {
			fmt.Fprintf(stderr, "probe: -run: %v\n", err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var t *Target
	var cleanup func()
	var err error
	if *addr != "" {
		t, err = remoteTarget(*addr, *restURL, *gatewayURL, *keyFile, *user)
		cleanup = func() { t.Conn.Close() }
	} else {
		t, cleanup, err = localTarget()
	}
	if err != nil {
		fmt.Fprintf(stderr, "probe: %v\n", err)
		return 1
	}
	defer cleanup()

	results := RunSections(ctx, t, re, *quick)
	tried, bad := Report(stdout, results)
	if bad > 0 || tried == 0 {
		return 1
	}
	return 0
}

// Report writes one line per section and the totals, and returns them.
func Report(w io.Writer, results []Result) (tried, misbehaved int) {
	for _, r := range results {
		fmt.Fprintf(w, "%-24s tried %4d  misbehaved %d\n", r.Name, r.Tried, r.Misbehaved)
		for _, n := range r.Notes {
			fmt.Fprintf(w, "    %s\n", strings.ReplaceAll(n, "\n", "\n    "))
		}
		tried += r.Tried
		misbehaved += r.Misbehaved
	}
	fmt.Fprintf(w, "%-24s tried %4d  misbehaved %d\n", "TOTAL", tried, misbehaved)
	return tried, misbehaved
}
