package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// exec runs fal with args and returns its standard output and exit
// status, whatever the status.
func (f *falCLI) exec(t *testing.T, args ...string) (string, int) {
	t.Helper()
	stdout, stderr, code, err := f.call(t, falCallTimeout, args...)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("fal %s: %v\nstderr:\n%s", strings.Join(args, " "), err, stderr)
	}
	return stdout, code
}

// fal's own CLI opens shells on a runner of `faldash serve`: `runners
// exec` prints the command's output and exits with its status, a runner
// that does not exist is refused, and `runners shell` in a terminal is
// an interactive shell on a terminal of its own.
func TestFalCLIShell(t *testing.T) {
	path := falCLIPath(t)
	ctl := startServe(t)
	restURL, _ := serveURLs(t, ctl)
	fal := newFalCLI(t, path, ctl, restURL)
	cl := ctl.dial(t)
	rev := ctl.deployRevision(t, "main", "shell-app", []string{"--min-concurrency", "1", "--max-concurrency", "1"})
	runner := waitSoleIdleRunner(t, cl, "shell-app", rev)

	out, code := fal.exec(t, "runners", "exec", runner, "--", "sh", "-c", `echo "out-$((6*7)) $FAL_JOB_ID"; echo to-stderr >&2; exit 4`)
	if code != 4 || out != "out-42 "+runner+"\nto-stderr\n" {
		t.Errorf("fal runners exec: status %d, output %q", code, out)
	}
	out, code = fal.exec(t, "runners", "exec", "no-such-runner", "--", "true")
	if code == 0 || !strings.Contains(out, "no-such-runner") || !strings.Contains(out, "no such runner") {
		t.Errorf("fal runners exec on an unknown runner: status %d, output %q", code, out)
	}

	// In a terminal, fal first asks PyPI for a newer version of itself,
	// and fails without a network; its setting turns that off.
	config := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(config, []byte("check_updates = false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "runners", "shell", runner)
	cmd.Env = append(fal.env, "TERM=xterm-256color", "FAL_CONFIG_PATH="+config)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var mu sync.Mutex
	var screen bytes.Buffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	shown := func() string {
		mu.Lock()
		defer mu.Unlock()
		return screen.String()
	}
	var waitErr error
	done := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			_ = cmd.Process.Kill()
			<-done
		}
	})
	// fal flushes what was typed before it put the terminal in raw
	// mode, so the test types once the shell's prompt is there.
	waitFor(t, falCallTimeout, "the shell's prompt", func() bool { return shown() != "" })
	if _, err := f.Write([]byte("stty size; echo hi-$((1+1)); exit 3\r")); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("fal runners shell showed %q", shown())
		}
	}()
	waitFor(t, falCallTimeout, "the shell's answer", func() bool {
		return strings.Contains(shown(), "30 100\r\n") && strings.Contains(shown(), "hi-2\r\n")
	})
	select {
	case <-done:
		var exit *exec.ExitError
		if !errors.As(waitErr, &exit) || exit.ExitCode() != 3 {
			t.Errorf("fal runners shell ended with %v, want status 3; it showed %q", waitErr, shown())
		}
	case <-time.After(falCallTimeout):
		t.Fatalf("fal runners shell did not end after exit 3; it showed %q", shown())
	}
}
