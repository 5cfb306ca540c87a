package main

import (
	"os"
	"testing"

	"github.com/faldash/faldash/samplerunner"
)

// TestMain lets the test binary stand in for faldash as the runners'
// program: `serve --demo` runs `<its own binary> sample-runner ...`.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "sample-runner" {
		os.Exit(samplerunner.Main(os.Args[2:], os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
