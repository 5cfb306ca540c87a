// Package confine starts the local controller's runners confined: on
// Linux, a runner cannot read or write the controller's data directory
// (Landlock), and no process of a runner outlives the runner or the
// controller (a PID namespace, or a subreaper where namespaces are not
// allowed).
//
// # The shim
//
// Go cannot run code between fork and exec, so a runner is started
// through a shim: faldash itself, re-executed as
//
//	<exe> confined-runner [--landlock] [--hide DIR]... [--write DIR]... [--init] [--lifeline FD] [--control FD] [--tty] -- COMMAND ARGS...
//
// The shim restricts itself with Landlock (the whole filesystem readable
// and executable except the hidden directories; writable only the --write
// directories and /dev), then starts COMMAND, which inherits the
// restriction, and stays as its parent: it reaps what the runner leaves
// behind and ends every process of the runner when the runner exits or
// when the controller is gone. A program becomes the shim by linking this
// package (its init function takes over when argv[1] is Arg), so every
// binary that can run a supervisor, test binaries included, can also be
// its runners' shim.
//
// With --init (the Launcher passes it when the kernel lets it create a
// user and a PID namespace) the shim is PID 1 of a namespace of its own:
// when it exits, for whatever reason, the kernel kills every process left
// in the namespace, setsid or not. Without it, the shim is a subreaper:
// the runner's orphans become its children, and it kills them all before
// it exits.
//
// # Sessions beside a runner
//
// A shim started with --control FD (CommandWithControl) also starts
// processes for the controller through that socket (Control.Spawn), for
// a shell on the runner: from its confined thread, so in the runner's
// Landlock domain and PID namespace, with the runner's environment and
// working directory. Each runs under a shim of its own (a subreaper, no
// --init), whose lifeline is the session's, so that the session's end,
// the runner's (the kernel ends the namespace, or the runner's shim its
// descendants) and the controller's each leave none of its processes.
//
// The controller's end of the lifeline is a pipe only the controller
// holds open; the kernel closes it when the controller dies, however it
// dies, and the shim then ends the runner. (Pdeathsig would do it too, but
// it fires when the thread that forked the shim ends, and Go does not
// promise that threads live as long as the process.)
package confine

import "fmt"

// Arg is the argv[1] that makes a program linking this package the shim.
const Arg = "confined-runner"

// Exit statuses of the shim itself; otherwise it exits with its runner's
// status (128+n for a runner killed by signal n, as a shell reports it).
const (
	ExitShimError = 125 // the shim could not confine or start the runner
	ExitNotExec   = 126 // the command is not executable
	ExitNotFound  = 127 // the command does not exist
)

// Status is what the kernel lets the Launcher do.
type Status struct {
	// LandlockABI is the kernel's Landlock ABI version, 0 without
	// Landlock; LandlockErr says why.
	LandlockABI int
	LandlockErr error
	// Namespaces reports whether runners run in a PID namespace of their
	// own; NamespaceErr says why not.
	Namespaces   bool
	NamespaceErr error
}

// Confined reports whether runners are kept out of the hidden
// directories.
func (s Status) Confined() bool { return s.LandlockABI > 0 }

// Summary is one line saying how runners are isolated.
func (s Status) Summary() string {
	var fsPart, procPart string
	if s.Confined() {
		fsPart = fmt.Sprintf("Landlock (ABI %d) keeps them out of the data directory", s.LandlockABI)
	} else {
		fsPart = "NOT confined: they can read and write the data directory"
	}
	if s.Namespaces {
		procPart = "a PID namespace each ends all their processes with them"
	} else {
		procPart = "a subreaper ends their processes with them"
	}
	return "runners: " + fsPart + "; " + procPart
}

// Warnings are what an operator must know about what the kernel did not
// allow, one sentence each; none when runners are fully isolated.
func (s Status) Warnings() []string {
	var w []string
	if !s.Confined() {
		w = append(w, fmt.Sprintf("this system cannot confine runners (%v): a runner can read and write the controller's data directory, "+
			"including admin.key, the database with every secret value, and other runners' files; only deploy code you trust, "+
			"or run faldash on Linux 5.13 or newer with Landlock enabled (lsm=landlock)", s.LandlockErr))
	}
	if !s.Namespaces {
		w = append(w, fmt.Sprintf("runners cannot have PID namespaces (%v): their processes are tracked by a subreaper instead, "+
			"so one that escapes it (its shim killed from outside) can outlive the runner until the controller's next start", s.NamespaceErr))
	}
	return w
}
