package confine

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/faldash/faldash/internal/procfs"
)

func init() {
	if len(os.Args) > 1 && os.Args[1] == Arg {
		// Landlock applies to the thread that asks for it (ABI 7 has no
		// way to apply it to every thread), so the shim restricts and
		// starts the runner from this one thread.
		runtime.LockOSThread()
		// Not os.Exit: a binary built with -race would sleep a second in
		// it, and the runner's end waits for the shim's.
		syscall.Exit(shim(os.Args[2:], os.Stderr))
	}
}

// forwarded are the signals the shim passes on to a runner that has left
// its process group; in the group, the runner receives them directly.
var forwarded = []os.Signal{unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2}

// shim is the confined-runner program (see the package comment). It
// returns the runner's exit status, or one of its own.
func shim(args []string, stderr io.Writer) int {
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "faldash %s: %v\n", Arg, err)
		return code
	}
	s, err := parseSpec(args)
	if err != nil {
		return fail(ExitShimError, err)
	}
	if s.init && os.Getpid() != 1 {
		return fail(ExitShimError, fmt.Errorf("--init, but pid %d is not the first of a PID namespace", os.Getpid()))
	}
	if s.probe {
		return 0
	}
	var lifeline *os.File
	if s.lifeline > 0 {
		lifeline = os.NewFile(uintptr(s.lifeline), "lifeline")
		if lifeline == nil {
			return fail(ExitShimError, fmt.Errorf("lifeline fd %d is not open", s.lifeline))
		}
		// The runner must not hold the controller's lifeline.
		syscall.CloseOnExec(s.lifeline)
	}
	if !s.init {
		// Orphans of the runner become the shim's children, so it can
		// find and end them.
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			return fail(ExitShimError, fmt.Errorf("become a subreaper: %w", err))
		}
	}
	if s.landlock {
		if err := confine(s); err != nil {
			return fail(ExitShimError, err)
		}
	}

	var sessions *sessions
	if s.control > 0 {
		// The runner must not hold the controller's control socket, and
		// neither must the sessions started through it.
		syscall.CloseOnExec(s.control)
		sessions = serveControl(s.control)
	}

	// Handled (not ignored) signals are reset to the default in the
	// runner; ignored ones would stay ignored there.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	path, err := lookPath(s.argv[0])
	if err != nil {
		return fail(ExitNotFound, err)
	}
	attr := &os.ProcAttr{Env: os.Environ(), Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}}
	if s.tty {
		// As a login would: the command leads a session of its own, with
		// the terminal as its controlling terminal, so job control and
		// Ctrl+C reach it.
		attr.Sys = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	}
	p, err := os.StartProcess(path, s.argv, attr)
	if err != nil {
		code := ExitNotExec
		if errors.Is(err, fs.ErrNotExist) {
			code = ExitNotFound
		}
		return fail(code, err)
	}
	runner := p.Pid

	gone := make(chan struct{})
	if lifeline != nil {
		go func() {
			// The controller never writes: a read ends only when its
			// end is closed, which the kernel does when it dies.
			_, _ = io.Copy(io.Discard, lifeline)
			close(gone)
		}()
	}
	exited := make(chan int, 1)
	var others chan child
	if sessions != nil {
		others = make(chan child)
	}
	go func() { exited <- reap(runner, others) }()
	for {
		select {
		case sig := <-sigs:
			if pg, err := unix.Getpgid(runner); err == nil && pg != unix.Getpgrp() {
				_ = unix.Kill(runner, sig.(syscall.Signal))
			}
		case req, ok := <-sessions.requests():
			// Started from this goroutine, locked to the confined
			// thread, so that the session inherits the runner's
			// Landlock domain.
			if ok {
				sessions.start(req)
			} else {
				sessions.stopServing()
			}
		case c := <-others:
			sessions.exited(c)
		case code := <-exited:
			endAll(s.init)
			return code
		case <-gone:
			endAll(s.init)
			return 128 + int(unix.SIGKILL)
		}
	}
}

// lookPath finds a command without a slash in the PATH of the runner's
// environment, which is this process's: the runner's own commands come
// resolved, a session's may not.
func lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	return exec.LookPath(name)
}

// confine applies s's Landlock rules to this thread.
func confine(s spec) error {
	abi, err := LandlockABI()
	if err != nil {
		return err
	}
	grants, err := plan([]grant{{path: "/", access: accessRead}, {path: "/dev", access: accessAll}}, s.hidden)
	if err != nil {
		return fmt.Errorf("plan the Landlock rules: %w", err)
	}
	for _, w := range s.writable {
		fi, err := os.Stat(w)
		if err != nil {
			return fmt.Errorf("writable directory: %w", err)
		}
		grants = append(grants, grant{path: w, access: accessAll, dir: fi.IsDir()})
	}
	return restrict(abi, grants)
}

// child is a child of the shim that has exited, with its status.
type child struct{ pid, status int }

// reap waits for every child until runner has exited, and returns its
// exit status as a shell reports it. The others are sent on others
// unless it is nil.
func reap(runner int, others chan<- child) int {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			// No child left, so the runner was reaped without us: this
			// cannot happen, but must not hang the shim.
			return ExitShimError
		}
		status := ws.ExitStatus()
		if ws.Signaled() {
			status = 128 + int(ws.Signal())
		}
		if pid == runner {
			return status
		}
		if others != nil {
			others <- child{pid, status}
		}
	}
}

// endAll ends every process of the runner. As PID 1 of a namespace, the
// shim's exit does it: the kernel kills everything left in the
// namespace. As a subreaper, the shim kills its descendants, which
// include every orphan of the runner, until none is left.
func endAll(init bool) {
	if init {
		return
	}
	self, err := hostPid()
	if err != nil {
		return
	}
	// Each pass kills what it finds; children forked meanwhile are found
	// by the next. A fork bomb could outrun any bound, so there is one.
	for range 100 {
		ds, err := procfs.Descendants(self)
		if err != nil || len(ds) == 0 {
			return
		}
		for _, d := range ds {
			killHost(d.Pid)
		}
		for {
			// Reap what has died so the next pass does not see it.
			pid, err := unix.Wait4(-1, nil, unix.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}

// hostPid is this process's pid as /proc numbers it. A session's shim
// runs inside its runner's PID namespace, where getpid answers the
// namespace's number, while /proc, mounted for the host, lists the
// host's.
func hostPid() (int, error) {
	s, err := os.Readlink("/proc/self")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(s)
}

// killHost sends SIGKILL to the process /proc lists as pid. kill(2) would
// read pid in this process's PID namespace, so the signal goes through a
// pidfd made of the process's /proc directory instead.
func killHost(pid int) {
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid), unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	_ = unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
}
