package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/poll"
	"github.com/faldash/faldash/server/localctl"
)

// exe is the faldash binary built once for the package's tests.
var exe string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "faldash-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	exe = filepath.Join(dir, "faldash")
	build := exec.Command("go", "build", "-o", exe, "github.com/faldash/faldash")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build faldash:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	poll.Wait(t, within, 50*time.Millisecond, what, cond)
}

// controller is `faldash serve` running as its own process.
type controller struct {
	addr, keyFile, dir string
	cmd                *exec.Cmd
}

var listenLine = regexp.MustCompile(`listening on (\S+)`)

// startServe runs `faldash serve` on free loopback ports with extra
// flags, until the test ends.
func startServe(t *testing.T, extra ...string) *controller {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--gateway", "127.0.0.1:0", "--rest", "127.0.0.1:0", "--data", dir}, extra...)
	cmd := exec.Command(exe, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	c := &controller{dir: dir, cmd: cmd, keyFile: filepath.Join(dir, "admin.key")}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(30 * time.Second)
	for c.addr == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("faldash serve exited before listening")
			}
			if m := listenLine.FindStringSubmatch(l); m != nil && c.addr == "" && !strings.Contains(l, "gateway") {
				c.addr = m[1]
			}
		case <-timeout:
			t.Fatal("faldash serve did not say where it listens")
		}
	}
	go func() {
		for range lines {
		}
	}()
	return c
}

func (c *controller) dial(t *testing.T) client.Client {
	t.Helper()
	creds, err := client.ReadKeyFile(c.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.Dial(client.DialOptions{Addr: c.addr, Credentials: creds, Kind: client.TargetLocal})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// deploy runs `faldash deploy` for a sample runner app.
func (c *controller) deploy(t *testing.T, env, app string, flags ...string) {
	t.Helper()
	args := append([]string{"deploy", "--host", c.addr, "--key-file", c.keyFile, "--app", app, "--env", env}, flags...)
	args = append(args, "--", exe, "sample-runner", "--setup-delay", "300ms")
	out, err := exec.Command(exe, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("faldash deploy: %v\n%s", err, out)
	}
}

// term is the faldash TUI running in a pseudo-terminal.
type term struct {
	t   *testing.T
	cmd *exec.Cmd
	pty *os.File
	mu  sync.Mutex
	raw bytes.Buffer
	// done is closed when the program has exited, with its error in err.
	done chan struct{}
	err  error
}

func startTUI(t *testing.T, args ...string) *term {
	t.Helper()
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "NO_COLOR=1", "FAL_KEY=", "FAL_KEY_ID=", "FAL_KEY_SECRET=",
		"FAL_CONFIG_PATH="+filepath.Join(t.TempDir(), "none.toml"), "XDG_CONFIG_HOME="+t.TempDir())
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 120, Rows: 40})
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, cmd: cmd, pty: f, done: make(chan struct{})}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := f.Read(buf)
			if n > 0 {
				tm.mu.Lock()
				tm.raw.Write(buf[:n])
				tm.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { tm.err = cmd.Wait(); close(tm.done) }()
	t.Cleanup(func() {
		select {
		case <-tm.done:
		default:
			cmd.Process.Kill()
			<-tm.done
		}
		f.Close()
	})
	return tm
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]`)

// text is everything the program has drawn, without escape sequences.
func (tm *term) text() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return ansi.ReplaceAllString(tm.raw.String(), "\n")
}

// mark returns a position in the output; since reports text drawn after it.
func (tm *term) mark() int {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.raw.Len()
}

func (tm *term) since(m int) string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return ansi.ReplaceAllString(tm.raw.String()[m:], "\n")
}

// waitText waits until the output drawn after mark m matches re.
func (tm *term) waitText(m int, within time.Duration, re string) {
	tm.t.Helper()
	r := regexp.MustCompile(re)
	waitFor(tm.t, within, fmt.Sprintf("the screen to show %q", re), func() bool { return r.MatchString(tm.since(m)) })
}

func (tm *term) send(keys ...string) {
	tm.t.Helper()
	for _, k := range keys {
		if _, err := tm.pty.Write([]byte(k)); err != nil {
			tm.t.Fatal(err)
		}
	}
}

// quit presses q and waits for a clean exit.
func (tm *term) quit() {
	tm.t.Helper()
	tm.send("q")
	select {
	case <-tm.done:
		if tm.err != nil {
			tm.t.Fatalf("faldash exited with %v\n%s", tm.err, tm.text())
		}
	case <-time.After(15 * time.Second):
		tm.t.Fatal("faldash did not exit after q")
	}
	tm.mu.Lock()
	raw := tm.raw.String()
	tm.mu.Unlock()
	if !strings.Contains(raw, "\x1b[?1049l") {
		tm.t.Error("faldash did not leave the alternate screen")
	}
}

// demoTUI is `faldash --demo` in a pseudo-terminal, with its temporary
// directory under a TMPDIR of the test's own, so the test finds the
// demo's controller: its data directory and the endpoints it wrote there.
func demoTUI(t *testing.T) (tm *term, data string, ends localctl.Endpoints) {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	tm = startTUI(t, "--demo")
	tm.waitText(0, 60*time.Second, `staging`)
	waitFor(t, 30*time.Second, "the demo's controller", func() bool {
		found, _ := filepath.Glob(filepath.Join(tmp, "faldash-demo-*", "data", localctl.EndpointsFile))
		if len(found) == 1 {
			data = filepath.Dir(found[0])
		}
		return data != ""
	})
	ends, err := localctl.ReadEndpoints(data)
	if err != nil {
		t.Fatal(err)
	}
	return tm, data, ends
}
