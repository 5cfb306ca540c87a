// Package runnertest lets a test binary be the program of the runners its
// tests deploy, so they need no other binary built: an app's command names
// the test binary and a mode, and TestMain hands the process to Main.
package runnertest

import (
	"os"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/cmdline"
	"github.com/faldash/faldash/internal/samplerunner"
)

// Main runs the mode named by the process's first argument with the rest
// of them, and exits with its status: "sample-runner" is faldash's sample
// runner, modes names the package's own; any other first argument runs
// the tests.
func Main(m *testing.M, modes map[string]func(args []string) int) {
	if len(os.Args) > 1 {
		if os.Args[1] == "sample-runner" {
			os.Exit(samplerunner.Main(os.Args[2:], os.Getenv, os.Stdout, os.Stderr))
		}
		if mode, ok := modes[os.Args[1]]; ok {
			os.Exit(mode(os.Args[2:]))
		}
	}
	os.Exit(m.Run())
}

// Deploy deploys req through cl with the test binary, given args, as the
// app's command, and fails the test if the deploy does.
func Deploy(t testing.TB, cl client.Client, req client.DeployRequest, args ...string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	argv := append([]string{exe}, args...)
	req.Entrypoint, req.Metadata = cmdline.Join(argv), cmdline.Metadata(argv)
	if _, err := cl.Deploy(t.Context(), req, nil); err != nil {
		t.Fatal(err)
	}
}
