package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/faldash/faldash/internal/samplerunner"
)

// runSampleRunner is the built-in sample app: the demo and tests deploy
// `<faldash> sample-runner [flags]` so they need no other program. It
// handles its own signals (fal's shutdown signal starts its teardown), so
// ctx is not used.
func runSampleRunner(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if code := samplerunner.Main(args, os.Getenv, stdout, stderr); code != 0 {
		return exitCode(code)
	}
	return nil
}

// exitCode ends faldash with a given status and no message of its own:
// the command said what went wrong already.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }
