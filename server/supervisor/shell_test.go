package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/procfs"
	"github.com/faldash/faldash/internal/syncbuf"
	"github.com/faldash/faldash/server"
)

// transcript collects a session's output as it comes.
type transcript struct {
	sh   client.Shell
	out  syncbuf.Buffer
	done chan struct{}
	err  error // Read's last error, once done is closed
}

func record(sh client.Shell) *transcript {
	tr := &transcript{sh: sh, done: make(chan struct{})}
	go func() {
		defer close(tr.done)
		_, tr.err = io.Copy(&tr.out, sh)
	}()
	return tr
}

// waitFor waits until the output holds want.
func (tr *transcript) waitFor(t *testing.T, want string) {
	t.Helper()
	eventually(t, "output "+want, func() bool { return strings.Contains(tr.out.String(), want) })
}

// end waits for the session's end and returns its output and exit code
// (-1 without one) and Read's error.
func (tr *transcript) end(t *testing.T) (string, int, error) {
	t.Helper()
	select {
	case <-tr.done:
	case <-time.After(waitLimit):
		t.Fatalf("the session did not end; output so far %q", tr.out.String())
	}
	code, ok := tr.sh.ExitCode()
	if !ok {
		code = -1
	}
	return tr.out.String(), code, tr.err
}

// shell opens a session on runner id and closes it when the test ends.
func (h *harness) shell(id client.RunnerID, req client.ShellRequest) *transcript {
	h.t.Helper()
	sh, err := h.cl.Shell(h.ctx(), id, req)
	if err != nil {
		h.t.Fatalf("shell on %s: %v", id, err)
	}
	h.t.Cleanup(func() { sh.Close() })
	return record(sh)
}

// sessionProcs is every process below runner id's shim but the runner's
// own: the processes of its sessions, whose shims lead process groups of
// their own.
func (h *harness) sessionProcs(id client.RunnerID) []procfs.Stat {
	h.t.Helper()
	shim := h.pid(id)
	ds, err := procfs.Descendants(shim)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []procfs.Stat
	for _, d := range ds {
		if d.Pgrp != shim {
			out = append(out, d)
		}
	}
	return out
}

// escape is the helper mode of a command a shell leaves behind: it starts
// the escapee, in a session of its own and ignoring the polite signals,
// says "started-42" and exits.
func escape() int {
	if err := startEscapee(); err != nil {
		fmt.Println(err)
		return 3
	}
	fmt.Println("started-42")
	return 0
}

// TestShellExec runs commands on a runner as `fal runners exec` does:
// with the runner's environment (secrets and fal's variables), in its
// working directory, stdout and stderr both streamed, stdin given, and
// the exit status back. The controller logs each session, never its
// bytes.
func TestShellExec(t *testing.T) {
	t.Parallel()
	var logged syncbuf.Buffer
	h := startIn(t, t.TempDir(), Config{}, func(c *server.Config) { c.Logger = logTo(&logged) })
	if err := h.cl.SetSecret(h.ctx(), "main", "SHELL_SECRET", "value-of-the-secret", nil); err != nil {
		t.Fatal(err)
	}
	h.deploy("main", "exec-app", helperCommand(t, "serve"), one())
	r := h.waitRunners("main", "exec-app", "one IDLE runner", idle(1))[0]

	tr := h.shell(r.ID, client.ShellRequest{Command: []string{"sh", "-c", `echo "$SHELL_SECRET $FAL_JOB_ID"; pwd; echo to-stderr >&2; exit 3`}})
	if err := tr.sh.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	out, code, err := tr.end(t)
	want := "value-of-the-secret " + string(r.ID) + "\n" + filepath.Join(h.sup.runDir, string(r.ID)) + "\nto-stderr\n"
	if err != nil || code != 3 || out != want {
		t.Errorf("exec: output %q, status %d, %v; want %q and 3", out, code, err, want)
	}

	tr = h.shell(r.ID, client.ShellRequest{Command: []string{"tr", "a-z", "A-Z"}})
	if _, err := tr.sh.Write([]byte("given on stdin\n")); err != nil {
		t.Fatal(err)
	}
	if err := tr.sh.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if out, code, err := tr.end(t); out != "GIVEN ON STDIN\n" || code != 0 || err != nil {
		t.Errorf("stdin: output %q, status %d, %v", out, code, err)
	}

	// No command: the user's shell, reading commands from stdin.
	tr = h.shell(r.ID, client.ShellRequest{})
	if _, err := tr.sh.Write([]byte("echo from-the-shell; exit 2\n")); err != nil {
		t.Fatal(err)
	}
	if out, code, err := tr.end(t); out != "from-the-shell\n" || code != 2 || err != nil {
		t.Errorf("the user's shell: output %q, status %d, %v", out, code, err)
	}

	tr = h.shell(r.ID, client.ShellRequest{Command: []string{"no-such-command-on-the-runner"}})
	if out, code, _ := tr.end(t); code != 127 || !strings.Contains(out, "no-such-command-on-the-runner") {
		t.Errorf("unknown command: output %q, status %d; want 127 and a message naming it", out, code)
	}

	eventually(t, "four sessions logged as closed", func() bool { return strings.Count(logged.String(), "shell closed") >= 4 })
	log := logged.String()
	id, _ := h.ctl.AdminKey()
	for _, want := range []string{"shell opened", "runner=" + string(r.ID), "key=" + id, "exit_code=3", "exit_code=2"} {
		if !strings.Contains(log, want) {
			t.Errorf("the controller's log does not say %q", want)
		}
	}
	for _, never := range []string{"value-of-the-secret", "given on stdin", "GIVEN", "from-the-shell"} {
		if strings.Contains(log, never) {
			t.Errorf("the controller logged a session's bytes (%q)", never)
		}
	}
}

// TestShellTerminal opens an interactive shell on a terminal that follows
// resizes, as `fal runners shell` does, and the status it exits with
// comes back.
func TestShellTerminal(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	h.deploy("main", "tty-app", helperCommand(t, "serve"), one())
	r := h.waitRunners("main", "tty-app", "one IDLE runner", idle(1))[0]

	tr := h.shell(r.ID, client.ShellRequest{Command: []string{"/bin/sh"}, TTY: &client.TermSize{Rows: 24, Cols: 80}})
	if _, err := tr.sh.Write([]byte("stty size; tty >/dev/null && echo on-a-$TERM\n")); err != nil {
		t.Fatal(err)
	}
	tr.waitFor(t, "24 80\r\non-a-xterm-256color\r\n")
	if err := tr.sh.Resize(client.TermSize{Rows: 50, Cols: 132}); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.sh.Write([]byte("stty size\n")); err != nil {
		t.Fatal(err)
	}
	tr.waitFor(t, "50 132\r\n")
	if _, err := tr.sh.Write([]byte("exit 5\n")); err != nil {
		t.Fatal(err)
	}
	if _, code, err := tr.end(t); code != 5 || err != nil {
		t.Errorf("the shell ended with %d, %v; want 5", code, err)
	}
}

// TestShellEnds: a session ends, leaving nothing of it running, when its
// client closes it (the runner goes on), when its runner ends mid-session
// (the client is told why), and when the controller shuts down; with and
// without PID namespaces.
func TestShellEnds(t *testing.T) {
	for _, noNS := range []bool{false, true} {
		t.Run(fmt.Sprintf("namespaces=%v", !noNS), func(t *testing.T) {
			t.Parallel()
			testShellEnds(t, noNS)
		})
	}
}

func testShellEnds(t *testing.T, noNS bool) {
	h := start(t, Config{NoNamespaces: noNS})
	h.deploy("main", "end-app", helperCommand(t, "serve"), one())
	r := h.waitRunners("main", "end-app", "one IDLE runner", idle(1))[0]
	// A shell that leaves a process in a session of its own, which
	// ignores the polite signals, as a user's `nohup setsid ... &` would.
	leave := func() (*transcript, []procfs.Stat) {
		t.Helper()
		tr := h.shell(r.ID, client.ShellRequest{Command: []string{"/bin/sh"}, TTY: &client.TermSize{Rows: 24, Cols: 80}})
		if _, err := tr.sh.Write([]byte(strings.Join(helperCommand(t, "escape"), " ") + "\n")); err != nil {
			t.Fatal(err)
		}
		tr.waitFor(t, "started-42")
		var procs []procfs.Stat
		eventually(t, "the shell, its shim and the escapee", func() bool {
			procs = h.sessionProcs(r.ID)
			return len(procs) >= 3
		})
		return tr, procs
	}

	tr, procs := leave()
	tr.sh.Close()
	if left := procfs.Survivors(procs, 5*time.Second); len(left) != 0 {
		t.Errorf("closed by its client, the session left %+v", left)
	}
	if rs := h.runners("main", "end-app"); len(inState(rs, client.StateIdle)) != 1 {
		t.Errorf("the runner after its shell closed: %+v", rs)
	}

	tr, procs = leave()
	if err := h.cl.KillRunner(h.ctx(), r.ID); err != nil {
		t.Fatal(err)
	}
	_, code, err := tr.end(t)
	if status.Code(errors.Unwrap(err)) != codes.Aborted || !strings.Contains(err.Error(), "runner ended") {
		t.Errorf("a shell whose runner ended: status %d, %v; want ABORTED saying the runner ended", code, err)
	}
	if left := procfs.Survivors(procs, 5*time.Second); len(left) != 0 {
		t.Errorf("the runner ended; its session left %+v", left)
	}

	killed := r.ID
	r = live(h.waitRunners("main", "end-app", "a new IDLE runner", func(rs []client.Runner) bool {
		return idle(1)(rs) && live(rs)[0].ID != killed
	}))[0]
	tr, procs = leave()
	closed := make(chan error, 1)
	go func() { closed <- h.ctl.Close() }()
	_, _, err = tr.end(t)
	if !errors.Is(err, client.ErrUnavailable) || !strings.Contains(err.Error(), "shutting down") {
		t.Errorf("a shell at the controller's shutdown: %v; want UNAVAILABLE saying it is shutting down", err)
	}
	if err := <-closed; err != nil {
		t.Errorf("close the controller: %v", err)
	}
	if left := procfs.Survivors(procs, 5*time.Second); len(left) != 0 {
		t.Errorf("the controller shut down; a session left %+v", left)
	}
}

// TestShellRefused: no session for an unknown or ended runner
// (NOT_FOUND), one still setting up (FAILED_PRECONDITION, saying so), a
// runner's own read-only key (PERMISSION_DENIED), or a command no
// process can be given (INVALID_ARGUMENT).
func TestShellRefused(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	h.deploy("main", "ok-app", helperCommand(t, "serve", "--print-env"), one())
	h.deploy("main", "slow-app", helperCommand(t, "serve", "--setup-delay", "1h"), one())
	r := h.waitRunners("main", "ok-app", "one IDLE runner", idle(1))[0]
	slow := h.waitRunners("main", "slow-app", "a runner setting up", func(rs []client.Runner) bool {
		return len(inState(rs, client.StateSetup)) == 1
	})[0]

	keyID, secret, _ := strings.Cut(h.runnerEnv(r.ID)["FAL_KEY"], ":")
	rc, err := client.Dial(client.DialOptions{Addr: h.addr, Credentials: client.Credentials{KeyID: keyID, KeySecret: secret}, Kind: client.TargetLocal})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()

	ctx, cancel := context.WithTimeout(h.ctx(), waitLimit)
	defer cancel()
	for _, c := range []struct {
		name string
		cl   *client.GRPC
		id   client.RunnerID
		cmd  []string
		want error
		says string
	}{
		{"unknown runner", h.cl, "no-such-runner", nil, client.ErrNotFound, "no-such-runner"},
		{"setting up", h.cl, slow.ID, nil, client.ErrPrecondition, "still setting up"},
		{"runner's key", rc, r.ID, []string{"true"}, client.ErrPermissionDenied, "read-only"},
		{"NUL in the command", h.cl, r.ID, []string{"echo", "a\x00b"}, client.ErrInvalid, "NUL"},
		{"empty program", h.cl, r.ID, []string{""}, client.ErrInvalid, "empty"},
	} {
		sh, err := c.cl.Shell(ctx, c.id, client.ShellRequest{Command: c.cmd})
		if err == nil {
			sh.Close()
		}
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v; want %v saying %q", c.name, err, c.want, c.says)
		}
	}
	if len(h.sessionProcs(r.ID)) != 0 {
		t.Errorf("a refused session started something: %+v", h.sessionProcs(r.ID))
	}

	if err := h.cl.KillRunner(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	h.waitRunners("main", "ok-app", "the runner TERMINATED", func(rs []client.Runner) bool {
		got, _ := find(rs, r.ID)
		return got.State == client.StateTerminated
	})
	if _, err := h.cl.Shell(ctx, r.ID, client.ShellRequest{}); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("a shell on an ended runner: %v; want NOT_FOUND", err)
	}
}
