// Command synthctl runs the synthetic controller on its own, so that
// faldash or fal's CLI can be pointed at it by hand:
//
//	go run ./internal/synthctl/cmd --runners 100000 --churn 0.05
//
// It prints its address and key file, then serves until Ctrl+C.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/faldash/faldash/internal/synthctl"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "synthctl:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	cfg := synthctl.Config{Runners: 100_000, Churn: synthctl.Churn{Fraction: 0.05, Added: 20, Removed: 20}, Seed: 1}
	fs := flag.NewFlagSet("synthctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.Flags(fs)
	listen := fs.String("listen", "127.0.0.1:0", "address to serve on")
	keyFile := fs.String("key-file", "", "where to write the key (default: a new temporary directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	srv, err := synthctl.New(cfg)
	if err != nil {
		return err
	}
	if *keyFile == "" {
		dir, err := os.MkdirTemp("", "synthctl-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*keyFile = filepath.Join(dir, "admin.key")
	}
	if err := srv.WriteKeyFile(*keyFile); err != nil {
		return err
	}
	if err := srv.Listen(*listen); err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(stdout, "listening on %s\nkey file: %s\n\n", srv.Addr(), *keyFile)
	fmt.Fprintf(stdout, "  faldash --host %s --key-file %s\n", srv.Addr(), *keyFile)
	fmt.Fprintf(stdout, "  ISOLATE_TEST_MODE=1 FAL_GRPC_HOST=%s FAL_KEY=\"$(cat %s)\" fal runners list\n", srv.Addr(), *keyFile)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}
