package confine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/faldash/faldash/internal/procfs"
)

// leave is the helper mode of a session that leaves a process behind: it
// starts the escapee (in a session of its own, ignoring SIGTERM, SIGHUP
// and SIGPIPE), prints "ready", and exits 4 once its stdin ends.
func leave() int {
	if !startEscapee() {
		return 2
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 4
}

// controlled is a runner started with a control socket: the term helper,
// in dir, with RUNNER_VAR set, its shim's data directory hidden.
type controlled struct {
	cmd      *exec.Cmd
	ctl      *Control
	dir      string
	data     string
	confined bool
}

func startControlled(t *testing.T, noNS bool) *controlled {
	t.Helper()
	root := t.TempDir()
	c := &controlled{dir: filepath.Join(root, "work"), data: filepath.Join(root, "data")}
	for _, d := range []string{c.dir, c.data} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(c.data, "admin.key"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := launcherOrSkip(t, Options{Hidden: []string{c.data}, NoNamespaces: noNS})
	cmd, ctl, err := l.CommandWithControl(helperArgv(t, "term"), []string{c.dir})
	if err != nil {
		t.Fatal(err)
	}
	c.cmd, c.ctl, c.confined = cmd, ctl, l.Status().Confined()
	cmd.Dir = c.dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "RUNNER_VAR=from-runner"}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	err = cmd.Start()
	ctl.Started()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		l.Kill(cmd.Process.Pid)
		_ = cmd.Wait()
		ctl.Close()
	})
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		t.Fatalf("runner said %q (%v)", line, err)
	}
	go io.Copy(io.Discard, out)
	return c
}

// session is a process spawned with plain pipes.
type session struct {
	sp    *Spawned
	stdin *os.File
	out   *bufio.Reader
}

func (c *controlled) spawn(t *testing.T, req SpawnRequest) *session {
	t.Helper()
	inR, inW, err1 := os.Pipe()
	outR, outW, err2 := os.Pipe()
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	req.Stdin, req.Stdout, req.Stderr = inR, outW, outW
	sp, err := c.ctl.Spawn(t.Context(), req)
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		t.Fatalf("spawn %q: %v", req.Argv, err)
	}
	t.Cleanup(func() {
		sp.End()
		inW.Close()
		outR.Close()
	})
	return &session{sp: sp, stdin: inW, out: bufio.NewReader(outR)}
}

// spawnLeave spawns the leave helper as a session and, once it is ready,
// returns it with the processes it runs, found by a mark in their
// environment.
func (c *controlled) spawnLeave(t *testing.T) (*session, []procfs.Stat) {
	t.Helper()
	mark := t.Name()
	s := c.spawn(t, SpawnRequest{Argv: helperArgv(t, "leave"), Env: []string{"SESSION_MARK=" + mark}})
	if line, err := s.out.ReadString('\n'); line != "ready\n" {
		t.Fatalf("session said %q (%v)", line, err)
	}
	return s, marked(t, mark)
}

// TestSessionAsTheRunner: a session runs with the runner's environment
// (variables it lacks added), in its working directory and its PID
// namespace, kept out of the same directories, and its exit status
// comes back.
func TestSessionAsTheRunner(t *testing.T) {
	for _, noNS := range []bool{false, true} {
		t.Run(fmt.Sprintf("namespaces=%v", !noNS), func(t *testing.T) {
			t.Parallel()
			c := startControlled(t, noNS)
			key := filepath.Join(c.data, "admin.key")
			s := c.spawn(t, SpawnRequest{
				Argv: []string{"sh", "-c", `echo "$RUNNER_VAR $ADDED"; pwd; readlink /proc/self/ns/pid; cat "$1" >/dev/null 2>&1 && echo read || echo refused; exit 7`, "sh", key},
				Env:  []string{"RUNNER_VAR=not-this", "ADDED=added"},
			})
			out, _ := io.ReadAll(s.out)
			code, err := s.sp.Wait()
			ns, nsErr := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", c.cmd.Process.Pid))
			if nsErr != nil {
				t.Fatal(nsErr)
			}
			access := "refused"
			if !c.confined {
				access = "read"
			}
			want := "from-runner added\n" + c.dir + "\n" + ns + "\n" + access + "\n"
			if err != nil || code != 7 || string(out) != want {
				t.Errorf("session: status %d, %v, output %q; want 7 and %q", code, err, out, want)
			}

			s = c.spawn(t, SpawnRequest{Argv: []string{"no-such-command-anywhere"}})
			out, _ = io.ReadAll(s.out)
			if code, err := s.sp.Wait(); code != ExitNotFound || err != nil || !strings.Contains(string(out), "no-such-command-anywhere") {
				t.Errorf("unknown command: status %d, %v, output %q; want %d and a message naming it", code, err, out, ExitNotFound)
			}
		})
	}
}

// TestSessionTerminal: on a terminal, the session's command leads a
// session with it as its controlling terminal, and sees its size.
func TestSessionTerminal(t *testing.T) {
	t.Parallel()
	c := startControlled(t, false)
	master, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	defer master.Close()
	if err := pty.Setsize(master, &pty.Winsize{Rows: 33, Cols: 101}); err != nil {
		t.Fatal(err)
	}
	sp, err := c.ctl.Spawn(t.Context(), SpawnRequest{
		Argv:  []string{"/bin/sh", "-c", `stty size; (exec 3</dev/tty) && echo controlling; echo "TERM=$TERM"`},
		Env:   []string{"TERM=xterm-256color"},
		Stdin: slave, Stdout: slave, Stderr: slave, TTY: true,
	})
	slave.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The terminal's output ends (EIO) once no process holds it.
	out, _ := io.ReadAll(master)
	code, err := sp.Wait()
	got := strings.ReplaceAll(string(out), "\r\n", "\n")
	if code != 0 || err != nil || !strings.Contains(got, "33 101\n") || !strings.Contains(got, "controlling\n") || !strings.Contains(got, "TERM=xterm-256color\n") {
		t.Errorf("on a terminal: status %d, %v, output %q", code, err, out)
	}
}

// marked lists the processes with mark in their environment.
func marked(t *testing.T, mark string) []procfs.Stat {
	t.Helper()
	all, err := procfs.All()
	if err != nil {
		t.Fatal(err)
	}
	var out []procfs.Stat
	for _, p := range all {
		if !p.Zombie() && procfs.EnvValue(p.Pid, "SESSION_MARK") == mark {
			out = append(out, p)
		}
	}
	return out
}

// TestSessionLeavesNothing: whether its command exits or End is called, a
// session's processes all end, the one in a session of its own that
// ignores the polite signals too; the runner goes on.
func TestSessionLeavesNothing(t *testing.T) {
	for _, noNS := range []bool{false, true} {
		for _, how := range []string{"exit", "end"} {
			t.Run(fmt.Sprintf("namespaces=%v/%s", !noNS, how), func(t *testing.T) {
				t.Parallel()
				c := startControlled(t, noNS)
				s, procs := c.spawnLeave(t)
				// The session's shim, the helper and its escapee.
				if len(procs) != 3 {
					t.Fatalf("the session's processes: %+v, want 3", procs)
				}
				want := 4
				if how == "exit" {
					s.stdin.Close()
				} else {
					s.sp.End()
					want = 128 + int(syscall.SIGKILL)
				}
				if code, err := s.sp.Wait(); code != want || err != nil {
					t.Errorf("session ended with %d, %v; want %d", code, err, want)
				}
				if left := procfs.Survivors(procs, 5*time.Second); len(left) != 0 {
					t.Errorf("left running: %+v", left)
				}
				if st, err := procfs.Read(c.cmd.Process.Pid); err != nil || st.Zombie() {
					t.Errorf("the runner's shim ended with the session: %+v, %v", st, err)
				}
			})
		}
	}
}

// TestSessionEndsWithTheRunner: when the runner ends, its sessions end,
// nothing of them is left, Wait says why, and no new one starts.
func TestSessionEndsWithTheRunner(t *testing.T) {
	for _, noNS := range []bool{false, true} {
		t.Run(fmt.Sprintf("namespaces=%v", !noNS), func(t *testing.T) {
			t.Parallel()
			c := startControlled(t, noNS)
			s, procs := c.spawnLeave(t)
			if err := syscall.Kill(-c.cmd.Process.Pid, syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if code, err := s.sp.Wait(); !errors.Is(err, ErrRunnerGone) {
				t.Errorf("session of an ended runner: %d, %v; want ErrRunnerGone", code, err)
			}
			if left := procfs.Survivors(procs, 5*time.Second); len(left) != 0 {
				t.Errorf("left running: %+v", left)
			}
			_ = c.cmd.Wait()
			_, err := c.ctl.Spawn(t.Context(), SpawnRequest{Argv: []string{"true"}, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
			if !errors.Is(err, ErrRunnerGone) {
				t.Errorf("spawn on an ended runner: %v, want ErrRunnerGone", err)
			}
		})
	}
}
