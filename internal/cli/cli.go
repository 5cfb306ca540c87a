// Package cli is faldash's command line: the dashboard's flags, the
// subcommands (serve, deploy, version, and the hidden sample-runner), their
// usage and errors, and faldash's exit status. main only hands it the
// process's arguments, context and output.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand: it parses its own flags from args and returns
// an error for ExitStatus to print.
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

// ExitStatus reports err, as Run returned it, once and gives faldash's
// exit status: 2 for a command line it could not use (with the way to its
// usage, not the whole of it), 1 for anything else that failed.
func ExitStatus(err error, stderr io.Writer) int {
	var code exitCode
	var misuse *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &misuse):
		fmt.Fprintf(stderr, "faldash: %v\nrun '%s -h' for usage\n", misuse.err, misuse.cmd)
		return 2
	}
	fmt.Fprintln(stderr, "faldash:", err)
	return 1
}

// Run dispatches to the subcommand named by args (the process's arguments
// without its name). main's ctx ends on SIGINT, SIGTERM or SIGHUP (a
// closed terminal). Usage asked for with -h, --help or help goes to stdout.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, stdout, stderr)
	var help helpRequest
	if errors.As(err, &help) {
		_, err = io.WriteString(stdout, string(help))
	}
	return err
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && (args[0] == "--version" || args[0] == "-version"):
		return runVersion(ctx, args[1:], stdout, stderr)
	case len(args) == 0 || strings.HasPrefix(args[0], "-"):
		// No command: the dashboard, with its own flags (-h lists them
		// and the commands).
		return runDashboard(ctx, args, stdout, stderr)
	case args[0] == "help" && len(args) == 1:
		return runDashboard(ctx, []string{"-h"}, stdout, stderr)
	case args[0] == "help":
		// `faldash help serve` is `faldash serve -h`.
		return dispatch(ctx, []string{args[1], "-h"}, stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	return &usageError{cmd: "faldash", err: fmt.Errorf("unknown command %q", args[0])}
}

// flags is a command's flag set. Its -h is the command's usage, which Run
// prints to stdout; its errors are returned unprinted, for ExitStatus to
// print once with the way to that usage.
type flags struct {
	*flag.FlagSet
	synopsis, about string
}

// newFlags builds the flags of command name ("faldash" for the dashboard):
// synopsis is its usage line, about what it does.
func newFlags(name, synopsis, about string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package would print each error, then the whole usage.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flags{FlagSet: fs, synopsis: synopsis, about: about}
}

// Parse parses args: -h comes back as a helpRequest, a bad flag as a
// usageError.
func (f *flags) Parse(args []string) error {
	err := f.FlagSet.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return helpRequest(f.usage())
	case err != nil:
		// The flag package names flags with one dash; the usage, the
		// README and people write two.
		msg := strings.NewReplacer("defined: -", "defined: --", "flag -", "flag --", "argument: -", "argument: --").Replace(err.Error())
		return f.Misuse(errors.New(msg))
	}
	return nil
}

// Misuse marks err (nil or not) as a command line the command cannot use.
func (f *flags) Misuse(err error) error {
	if err == nil {
		return nil
	}
	cmd := "faldash"
	if f.Name() != cmd {
		cmd += " " + f.Name()
	}
	return &usageError{cmd: cmd, err: err}
}

// usage is the command's help: synopsis, what it does, its flags written
// as they are typed (--name VALUE), and for the dashboard the commands.
func (f *flags) usage() string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s\n\n%s\n", f.synopsis, f.about)
	first := true
	f.VisitAll(func(fl *flag.Flag) {
		if first {
			b.WriteString("\nflags:\n")
			first = false
		}
		value, text := flag.UnquoteUsage(fl)
		b.WriteString("  --" + fl.Name)
		if value != "" {
			b.WriteString(" " + value)
		}
		if d := fl.DefValue; d != "" && d != "false" && d != "0" && d != "0s" {
			text += " (default " + d + ")"
		}
		b.WriteString("\n      " + text + "\n")
	})
	if f.Name() == "faldash" {
		b.WriteString("\ncommands:\n")
		listCommands(&b)
	}
	return b.String()
}

// helpRequest is a command's usage, asked for with -h.
type helpRequest string

func (h helpRequest) Error() string { return "help requested" }

// usageError is a command line that cmd cannot use.
type usageError struct {
	cmd string
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func listCommands(w io.Writer) {
	for _, c := range commands() {
		if c.hidden {
			continue
		}
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'faldash <command> -h' for a command's flags, 'faldash --version' for the version.")
}
