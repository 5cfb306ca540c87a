package cli

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// Version is the version faldash was built as. main sets it from its own
// version, which a build sets with -ldflags "-X main.version=v1.2.3" (the
// name builds have used); empty, it comes from the module's build
// information.
var Version string

func versionString() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func runVersion(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlags("version", "faldash version\n       faldash --version", "Prints faldash's version: the one it was built as, else its module's, else dev.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.Misuse(fmt.Errorf("version takes no arguments"))
	}
	_, err := fmt.Fprintln(stdout, "faldash", versionString())
	return err
}
