package confine

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faldash/faldash/internal/procfs"
)

// TestMain makes the test binary the runners' program too: argv[1]
// "helper" runs a helper mode (the shim itself is this package's init).
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "helper" {
		os.Exit(helper(os.Args[2], os.Args[3:]))
	}
	os.Exit(m.Run())
}

// helper modes:
//   - access PATH...: for each path, tries to read it (a file's bytes or
//     a directory's names) and to create a file in it, printing
//     "read PATH ok|refused" and "write PATH ok|refused";
//   - stubborn: starts a child in a new session that ignores SIGTERM,
//     SIGHUP and SIGPIPE, prints "ready", then ignores them too and
//     sleeps;
//   - exit N: exits with status N;
//   - term: prints "ready", and on SIGTERM prints "term" and exits 3;
//   - leave: see leave in control_linux_test.go.
func helper(mode string, args []string) int {
	switch mode {
	case "leave":
		return leave()
	case "access":
		for _, p := range args {
			report("read", p, tryRead(p))
			report("write", p, tryWrite(p))
		}
		return 0
	case "stubborn":
		signal.Ignore(syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
		if !startEscapee() {
			return 2
		}
		time.Sleep(time.Hour)
		return 0
	case "escapee":
		signal.Ignore(syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
		time.Sleep(time.Hour)
		return 0
	case "exit":
		var n int
		fmt.Sscan(args[0], &n)
		return n
	case "term":
		c := make(chan os.Signal, 2)
		signal.Notify(c, syscall.SIGTERM)
		fmt.Println("ready")
		<-c
		fmt.Println("term")
		return 3
	}
	return 2
}

func report(what, path string, err error) {
	if err == nil {
		fmt.Printf("%s %s ok\n", what, path)
	} else {
		fmt.Printf("%s %s refused %v\n", what, path, err)
	}
}

func tryRead(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		_, err = os.ReadDir(p)
		return err
	}
	_, err = os.ReadFile(p)
	return err
}

func tryWrite(p string) error {
	dir := p
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		return f.Close()
	}
	return os.WriteFile(filepath.Join(dir, "probe-write"), []byte("x"), 0o600)
}

func launcher(t *testing.T, opts Options) *Launcher {
	t.Helper()
	l, err := NewLauncher(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// launcherOrSkip is launcher, skipping the test when opts ask for PID
// namespaces and this kernel gives none.
func launcherOrSkip(t *testing.T, opts Options) *Launcher {
	t.Helper()
	l := launcher(t, opts)
	if !opts.NoNamespaces && !l.Status().Namespaces {
		t.Skipf("no PID namespaces here: %v", l.Status().NamespaceErr)
	}
	return l
}

// startEscapee starts the escapee helper in a session of its own and
// prints "ready"; it reports false, said on stdout, when the escapee
// could not start.
func startEscapee() bool {
	exe, err := os.Executable()
	if err != nil {
		return false
	}
	cmd := exec.Command(exe, "helper", "escapee")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Println("start:", err)
		return false
	}
	fmt.Println("ready")
	return true
}

func helperArgv(t *testing.T, mode string, args ...string) []string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{exe, "helper", mode}, args...)
}

// needLandlock skips a test of confinement on a kernel without it.
func needLandlock(t *testing.T, l *Launcher) {
	t.Helper()
	if !l.Status().Confined() {
		t.Skipf("this kernel cannot confine: %v", l.Status().LandlockErr)
	}
}

// TestConfinedAccess runs a runner that tries to read and write a hidden
// directory, a file in it, a file in a sibling of its root, its own
// writable directory and a directory it may only read.
func TestConfinedAccess(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	data := filepath.Join(root, "data")
	runners := filepath.Join(root, "runners")
	own, other := filepath.Join(runners, "own"), filepath.Join(runners, "other")
	open := filepath.Join(root, "open")
	for _, d := range []string{data, own, other, open} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	key := filepath.Join(data, "admin.key")
	for _, f := range []string{key, filepath.Join(other, "notes"), filepath.Join(open, "readme")} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	l := launcher(t, Options{Hidden: []string{data, runners}})
	needLandlock(t, l)
	cmd := l.Command(helperArgv(t, "access", data, key, other, filepath.Join(other, "notes"), own, open, filepath.Join(open, "readme"), "/dev/null"), []string{own})
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("runner: %v\n%s", err, out)
	}
	want := map[string]string{
		"read " + data: "refused", "write " + data: "refused",
		"read " + key: "refused", "write " + key: "refused",
		"read " + other: "refused", "write " + other: "refused",
		"read " + filepath.Join(other, "notes"): "refused", "write " + filepath.Join(other, "notes"): "refused",
		"read " + own: "ok", "write " + own: "ok",
		"read " + open: "ok", "write " + open: "refused",
		"read " + filepath.Join(open, "readme"): "ok", "write " + filepath.Join(open, "readme"): "refused",
		"read /dev/null": "ok", "write /dev/null": "ok",
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			t.Fatalf("runner said %q", out)
		}
		got[f[0]+" "+f[1]] = f[2]
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %s", k, got[k], v)
		}
	}
	if b, err := os.ReadFile(key); err != nil || string(b) != "x" {
		t.Errorf("admin.key after the runner: %q, %v", b, err)
	}
}

// TestNothingOutlivesTheController starts a runner that leaves a child
// in a session of its own, both ignoring SIGTERM, SIGHUP and SIGPIPE;
// cutting the lifeline (what the controller's death does) must end both
// within 5 seconds, with and without a PID namespace.
func TestNothingOutlivesTheController(t *testing.T) {
	for _, noNS := range []bool{false, true} {
		t.Run(fmt.Sprintf("namespaces=%v", !noNS), func(t *testing.T) {
			t.Parallel()
			l := launcherOrSkip(t, Options{NoNamespaces: noNS})
			shim, pids := startStubborn(t, l)
			l.Close()
			waitGone(t, append(pids, shim.Process.Pid))
			_ = shim.Wait()
		})
	}
}

// TestRunnerExitEndsItsProcesses: when the runner itself exits, the
// process it left in another session goes too.
func TestRunnerExitEndsItsProcesses(t *testing.T) {
	for _, noNS := range []bool{false, true} {
		t.Run(fmt.Sprintf("namespaces=%v", !noNS), func(t *testing.T) {
			t.Parallel()
			l := launcherOrSkip(t, Options{NoNamespaces: noNS})
			shim, pids := startStubborn(t, l)
			runner := pids[0]
			if err := syscall.Kill(runner, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			err := shim.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 128+int(syscall.SIGKILL) {
				t.Errorf("shim ended with %v, want the runner's status 137", err)
			}
			waitGone(t, pids)
		})
	}
}

// startStubborn starts the stubborn helper and returns its shim and the
// host pids of the runner and of its escaped child.
func startStubborn(t *testing.T, l *Launcher) (*exec.Cmd, []int) {
	t.Helper()
	cmd := l.Command(helperArgv(t, "stubborn"), nil)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		l.Kill(cmd.Process.Pid)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("runner said %q (%v)", line, err)
	}
	go io.Copy(io.Discard, out)
	ds, err := procfs.Descendants(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	sessions := map[int]bool{}
	for _, d := range ds {
		pids = append(pids, d.Pid)
		sessions[d.Session] = true
	}
	if len(pids) != 2 || len(sessions) != 2 {
		t.Fatalf("the runner's processes: %+v, want the runner and a child in another session", ds)
	}
	return cmd, pids
}

// waitGone waits up to 5 seconds for every pid to be gone (a zombie
// counts as gone: it runs nothing and is only waiting to be reaped).
func waitGone(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for {
			st, err := procfs.Read(pid)
			if err != nil || st.Zombie() {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("process %d (%+v) still running 5 s later", pid, st)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// TestSignalsAndStatus: SIGTERM to the runner's process group reaches the
// runner once, and its exit status comes back through the shim, as do
// those of a command that exits at once and of one that does not exist.
func TestSignalsAndStatus(t *testing.T) {
	t.Parallel()
	l := launcher(t, Options{})
	cmd := l.Command(helperArgv(t, "term"), nil)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	if line, _ := r.ReadString('\n'); line != "ready\n" {
		t.Fatalf("runner said %q", line)
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(r)
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 || string(rest) != "term\n" {
		t.Errorf("after SIGTERM: %v, output %q; want status 3 after one \"term\"", err, rest)
	}

	for _, c := range []struct {
		argv []string
		code int
	}{
		{helperArgv(t, "exit", "7"), 7},
		{[]string{"/nonexistent/program"}, ExitNotFound},
	} {
		err := l.Command(c.argv, nil).Run()
		if !errors.As(err, &exit) || exit.ExitCode() != c.code {
			t.Errorf("%q: %v, want status %d", c.argv, err, c.code)
		}
	}
}
