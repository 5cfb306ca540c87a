package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/procfs"
)

// escapingRunner is a runner command whose child leaves the runner's
// session and ignores SIGTERM, SIGHUP and SIGPIPE, then serves as the
// sample runner does.
func escapingRunner(t *testing.T) []string {
	t.Helper()
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid program to start an escaping child with")
	}
	return []string{"/bin/sh", "-c",
		`setsid sh -c 'trap "" TERM HUP PIPE; exec sleep 100000' </dev/null >/dev/null 2>&1 & exec "$0" sample-runner`, exe}
}

// treeOf lists pid's live descendants, failing the test without /proc.
func treeOf(t *testing.T, pid int) []procfs.Stat {
	t.Helper()
	ds, err := procfs.Descendants(pid)
	if err != nil {
		t.Skipf("cannot list processes: %v", err)
	}
	return ds
}

// waitAllGone fails unless every process of ps is gone within 5 seconds.
func waitAllGone(t *testing.T, what string, ps []procfs.Stat) {
	t.Helper()
	for _, p := range procfs.Survivors(ps, 5*time.Second) {
		t.Errorf("%s: process %d (parent %d, session %d) still running 5 s later", what, p.Pid, p.PPid, p.Session)
	}
}

// TestKill9OfServeLeavesNoRunner kills `faldash serve` with SIGKILL while
// it runs two runners whose children left their session and ignore the
// polite signals: every process it started must be gone within 5
// seconds.
func TestKill9OfServeLeavesNoRunner(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the runners' directories, left by the kill
	ctl := startServe(t)
	args := append([]string{"deploy", "--host", ctl.addr, "--key-file", ctl.keyFile, "--app", "escaper",
		"--min-concurrency", "2", "--max-concurrency", "2", "--"}, escapingRunner(t)...)
	if out, err := exec.Command(exe, args...).CombinedOutput(); err != nil {
		t.Fatalf("faldash deploy: %v\n%s", err, out)
	}
	cl := ctl.dial(t)
	waitFor(t, 30*time.Second, "two idle runners", func() bool { return countRunners(t, cl, "main", "escaper", client.StateIdle) == 2 })

	serve := ctl.cmd.Process.Pid
	st, err := procfs.Read(serve)
	if err != nil {
		t.Fatal(err)
	}
	var tree []procfs.Stat
	waitFor(t, 10*time.Second, "both runners' children in sessions of their own", func() bool {
		tree = treeOf(t, serve)
		return procfs.OtherSessions(tree, st.Session) >= 2
	})
	if err := ctl.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitAllGone(t, "after kill -9 of faldash serve", tree)
	t.Logf("kill -9 of faldash serve: %d processes below it, all gone", len(tree))
}

// TestKill9OfTheDemoDashboardLeavesNothing kills `faldash --demo` in a
// terminal with SIGKILL once its runners are up, one of them with a child
// that left its session and ignores the polite signals: they must all be
// gone within 5 seconds, and the next demo removes the directory the
// killed one left.
func TestKill9OfTheDemoDashboardLeavesNothing(t *testing.T) {
	tm, data, ends := demoTUI(t)
	tmp := os.Getenv("TMPDIR")
	dash := tm.cmd.Process.Pid
	args := append([]string{"deploy", "--host", ends.GRPC, "--key-file", filepath.Join(data, "admin.key"), "--app", "escaper",
		"--min-concurrency", "1", "--"}, escapingRunner(t)...)
	if out, err := exec.Command(exe, args...).CombinedOutput(); err != nil {
		t.Fatalf("faldash deploy: %v\n%s", err, out)
	}
	st, err := procfs.Read(dash)
	if err != nil {
		t.Fatal(err)
	}
	var tree []procfs.Stat
	waitFor(t, 60*time.Second, "the demo's runners and the escaper's child", func() bool {
		tree = treeOf(t, dash)
		shims := 0
		for _, p := range tree {
			if p.PPid == dash {
				shims++
			}
		}
		// text-to-image and llm-chat keep one runner each at least.
		return shims >= 3 && procfs.OtherSessions(tree, st.Session) >= 1
	})
	left, err := filepath.Glob(filepath.Join(tmp, "faldash-demo-*"))
	if err != nil || len(left) != 1 {
		t.Fatalf("the demo's directory: %q (%v)", left, err)
	}
	if err := tm.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitAllGone(t, "after kill -9 of faldash --demo", tree)
	t.Logf("kill -9 of faldash --demo: %d processes below it, all gone", len(tree))
	if _, err := os.Stat(left[0]); err != nil {
		t.Fatalf("the killed demo removed its directory (%v): the sweep is not tested", err)
	}

	next := exec.Command(exe, "serve", "--demo")
	out, err := next.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := next.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = next.Process.Signal(syscall.SIGTERM)
		_ = next.Wait()
	})
	sc := bufio.NewScanner(out)
	for sc.Scan() && !strings.Contains(sc.Text(), "listening on") {
	}
	go func() {
		for sc.Scan() {
		}
	}()
	if _, err := os.Stat(left[0]); !os.IsNotExist(err) {
		t.Errorf("the next demo left the killed demo's directory %s (%v)", left[0], err)
	}
}
