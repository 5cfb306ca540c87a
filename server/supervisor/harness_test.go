package supervisor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/poll"
	"github.com/faldash/faldash/internal/procfs"
	"github.com/faldash/faldash/internal/samplerunner"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server"
)

// helperArg makes the test binary act as a runner (or as a controller that
// is about to crash) instead of running tests. A runner gets only PATH,
// HOME, LANG, LC_* and TMPDIR from its parent, so the mode travels in argv.
const helperArg = "-supervisor-test-helper"

func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == helperArg {
		os.Exit(helperMain(os.Args[2], os.Args[3:]))
	}
	os.Exit(m.Run())
}

// helperMain runs one helper mode:
//   - serve [--print-env] [--child] [--try PATH]... [sample runner
//     flags]: prints its environment as one line "env <JSON list>",
//     starts a child in a session of its own that ignores SIGTERM, SIGHUP
//     and SIGPIPE, tries to read and write each PATH printing "read PATH
//     ok|refused" and "write PATH ok|refused", then runs the sample
//     runner;
//   - fail: writes a line to each stream and exits 1 during setup;
//   - stubborn [--child]: serves on PORT and ignores SIGTERM (with
//     --child, after starting the child serve --child starts);
//   - escapee: ignores SIGTERM, SIGHUP and SIGPIPE and sleeps for an
//     hour;
//   - escape: see escape in shell_test.go;
//   - controller DIR [--no-namespaces]: see runCrashingController.
func helperMain(mode string, args []string) int {
	switch mode {
	case "serve":
		for len(args) > 0 {
			switch args[0] {
			case "--print-env":
				b, err := json.Marshal(os.Environ())
				if err != nil {
					return 3
				}
				fmt.Printf("env %s\n", b)
				args = args[1:]
				continue
			case "--child":
				if err := startEscapee(); err != nil {
					fmt.Fprintln(os.Stderr, err)
					return 3
				}
				args = args[1:]
				continue
			case "--try":
				if len(args) < 2 {
					return 3
				}
				tryAccess(args[1])
				args = args[2:]
				continue
			}
			break
		}
		return samplerunner.Main(args, os.Getenv, os.Stdout, os.Stderr)
	case "fail":
		fmt.Println("setting up")
		fmt.Fprintln(os.Stderr, "boom: setup failed")
		return 1
	case "stubborn":
		if slices.Contains(args, "--child") {
			if err := startEscapee(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 3
			}
		}
		signal.Ignore(syscall.SIGTERM)
		l, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		fmt.Println("stubborn runner: ignoring SIGTERM")
		for {
			c, err := l.Accept()
			if err != nil {
				return 3
			}
			c.Close()
		}
	case "escape":
		return escape()
	case "escapee":
		signal.Ignore(syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
		time.Sleep(time.Hour)
		return 0
	case "controller":
		return runCrashingController(args)
	}
	fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
	return 2
}

// startEscapee starts a child that does what a runner's process must not
// get away with: it leaves the runner's process group and session, and
// ignores the signals that end a process politely.
func startEscapee() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, helperArg, "escapee")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return cmd.Start()
}

// tryAccess tries to read path (a file's bytes, a directory's names) and
// to write it (append to a file, create a file in a directory), and says
// how each went on stdout. $VARIABLES in path are expanded, so a runner
// can name its own directories.
func tryAccess(path string) {
	path = os.ExpandEnv(path)
	say := func(what string, err error) {
		if err != nil {
			fmt.Printf("%s %s refused: %v\n", what, path, err)
		} else {
			fmt.Printf("%s %s ok\n", what, path)
		}
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		say("read", err)
		say("write", err)
	case fi.IsDir():
		_, err := os.ReadDir(path)
		say("read", err)
		say("write", os.WriteFile(filepath.Join(path, "written-by-a-runner"), []byte("x"), 0o600))
	default:
		_, err := os.ReadFile(path)
		say("read", err)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err == nil {
			err = f.Close()
		}
		say("write", err)
	}
}

// helperCommand is the argv of a runner running helper mode.
func helperCommand(t testing.TB, mode string, args ...string) []string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{exe, helperArg, mode}, args...)
}

// harness is a real controller with a supervisor, on a loopback port, and
// a real client of it.
type harness struct {
	t    *testing.T
	dir  string
	addr string
	sup  *Supervisor
	ctl  *server.Controller
	cl   *client.GRPC

	closeOnce sync.Once
}

// testConfig is short settings, so back-off and grace periods take
// fractions of a second.
func testConfig(cfg Config) Config {
	if cfg.BackoffStep == 0 {
		cfg.BackoffStep = 150 * time.Millisecond
	}
	if cfg.BackoffMax == 0 {
		cfg.BackoffMax = time.Second
	}
	if cfg.DefaultGrace == 0 {
		cfg.DefaultGrace = 500 * time.Millisecond
	}
	if cfg.Interval == 0 {
		cfg.Interval = 50 * time.Millisecond
	}
	return cfg
}

func start(t *testing.T, cfg Config) *harness {
	t.Helper()
	return startIn(t, t.TempDir(), cfg)
}

// logTo is a logger for the controller writing every level to w.
func logTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func startIn(t *testing.T, dir string, cfg Config, opts ...func(*server.Config)) *harness {
	t.Helper()
	lis, err := server.Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	cfg = testConfig(cfg)
	if cfg.RunnerDir == "" {
		cfg.RunnerDir = t.TempDir()
	}
	cfg.ControllerAddr = lis.Addr().String()
	sup := New(cfg)
	scfg := server.Config{DataDir: dir, Runtime: sup}
	for _, o := range opts {
		o(&scfg)
	}
	ctl, err := server.Open(scfg)
	if err != nil {
		lis.Close()
		t.Fatalf("open controller: %v", err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = ctl.Serve(lis)
	}()
	id, secret := ctl.AdminKey()
	cl, err := client.Dial(client.DialOptions{
		Addr:        lis.Addr().String(),
		Credentials: client.Credentials{KeyID: id, KeySecret: secret},
		Kind:        client.TargetLocal,
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, dir: ctl.DataDir(), addr: lis.Addr().String(), sup: sup, ctl: ctl, cl: cl}
	t.Cleanup(func() {
		h.close()
		<-served
	})
	return h
}

// close stops the controller and checks that no runner process is left.
func (h *harness) close() {
	h.closeOnce.Do(func() {
		pids := h.livePids()
		h.cl.Close()
		if err := h.ctl.Close(); err != nil {
			h.t.Errorf("close controller: %v", err)
		}
		for _, pid := range pids {
			if alive(pid) {
				h.t.Errorf("runner process %d is still alive after the controller closed", pid)
				_ = killGroup(pid, sigKill)
			}
		}
	})
}

// livePids lists the pids of every runner process now running.
func (h *harness) livePids() []int {
	h.sup.mu.Lock()
	defer h.sup.mu.Unlock()
	var pids []int
	for _, r := range h.sup.runners {
		if r.proc != nil {
			pids = append(pids, r.proc.pid)
		}
	}
	slices.Sort(pids)
	return pids
}

// pid is runner id's current process, 0 when it has none.
func (h *harness) pid(id client.RunnerID) int {
	h.sup.mu.Lock()
	defer h.sup.mu.Unlock()
	if r := h.sup.runners[string(id)]; r != nil && r.proc != nil {
		return r.proc.pid
	}
	return 0
}

func (h *harness) ctx() context.Context { return h.t.Context() }

// deploy registers argv as a new revision of app in env with spec.
func (h *harness) deploy(env, app string, argv []string, spec scaling.Spec, opts ...func(*client.DeployRequest)) client.RevisionID {
	h.t.Helper()
	cmd := make([]any, len(argv))
	for i, a := range argv {
		cmd[i] = a
	}
	req := client.DeployRequest{
		App:        app,
		Env:        env,
		Entrypoint: fmt.Sprintf("%q", argv),
		Metadata:   map[string]any{"command": cmd},
		Scaling:    spec,
	}
	for _, o := range opts {
		o(&req)
	}
	res, err := h.cl.Deploy(h.ctx(), req, nil)
	if err != nil {
		h.t.Fatalf("deploy %s in %s: %v", app, env, err)
	}
	return res.Revision
}

// runners lists app's runners, pending and ended ones included.
func (h *harness) runners(env, app string) []client.Runner {
	h.t.Helper()
	rs, err := h.cl.ListAppRunners(h.ctx(), env, app, client.RunnerQuery{IncludePending: true, TerminatedSince: time.Now().Add(-time.Hour)})
	if err != nil {
		h.t.Fatalf("list runners of %s: %v", app, err)
	}
	return rs
}

// live keeps the runners that have not ended.
func live(rs []client.Runner) []client.Runner {
	return slices.DeleteFunc(slices.Clone(rs), func(r client.Runner) bool { return r.State == client.StateTerminated })
}

func inState(rs []client.Runner, st client.RunnerState) []client.Runner {
	return slices.DeleteFunc(slices.Clone(rs), func(r client.Runner) bool { return r.State != st })
}

func find(rs []client.Runner, id client.RunnerID) (client.Runner, bool) {
	for _, r := range rs {
		if r.ID == id {
			return r, true
		}
	}
	return client.Runner{}, false
}

// waitRunners polls app's runners until cond holds for them, and returns
// them.
func (h *harness) waitRunners(env, app, what string, cond func([]client.Runner) bool) []client.Runner {
	h.t.Helper()
	var rs []client.Runner
	eventually(h.t, what, func() bool {
		rs = h.runners(env, app)
		return cond(rs)
	})
	return rs
}

const waitLimit = 20 * time.Second

// eventually polls cond until it holds, failing the test at waitLimit.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	poll.Wait(t, waitLimit, 20*time.Millisecond, what, cond)
}

func idle(n int) func([]client.Runner) bool {
	return func(rs []client.Runner) bool {
		return len(inState(rs, client.StateIdle)) == n && len(live(rs)) == n
	}
}

// stdout is what runner id has printed on stdout so far, line by line.
func (h *harness) stdout(id client.RunnerID) []string {
	h.t.Helper()
	lines, _, err := h.sup.LogHistory(string(id), server.LogQuery{}, 0)
	if err != nil {
		h.t.Fatalf("logs of %s: %v", id, err)
	}
	var out []string
	for _, l := range lines {
		if l.Stream == "stdout" {
			out = append(out, l.Line)
		}
	}
	return out
}

// runnerEnv is the environment runner id printed (helper flag
// --print-env), as a map.
func (h *harness) runnerEnv(id client.RunnerID) map[string]string {
	h.t.Helper()
	for _, l := range h.stdout(id) {
		if b, ok := strings.CutPrefix(l, "env "); ok {
			var list []string
			if err := json.Unmarshal([]byte(b), &list); err != nil {
				h.t.Fatalf("runner %s printed a bad environment: %v", id, err)
			}
			env := map[string]string{}
			for _, kv := range list {
				name, value, _ := strings.Cut(kv, "=")
				env[name] = value
			}
			return env
		}
	}
	h.t.Fatalf("runner %s printed no environment", id)
	return nil
}

// processes lists the host pids of runner id's shim and of every process
// below it, in the runner's session or not.
func (h *harness) processes(id client.RunnerID) []int {
	h.t.Helper()
	shim := h.pid(id)
	if shim == 0 {
		h.t.Fatalf("runner %s has no process", id)
	}
	ds, err := procfs.Descendants(shim)
	if err != nil {
		h.t.Fatal(err)
	}
	pids := []int{shim}
	for _, d := range ds {
		pids = append(pids, d.Pid)
	}
	return pids
}

// escaped waits until runner id (started with --child) has its child in a
// session of its own, and returns every pid of the runner.
func (h *harness) escaped(id client.RunnerID) []int {
	h.t.Helper()
	var pids []int
	eventually(h.t, "the runner's child in a session of its own", func() bool {
		pids = h.processes(id)
		sessions := map[int]bool{}
		for _, pid := range pids {
			if st, err := procfs.Read(pid); err == nil {
				sessions[st.Session] = true
			}
		}
		// The shim and the runner share the controller's session.
		return len(pids) >= 3 && len(sessions) >= 2
	})
	return pids
}

// allGone fails unless every pid is gone (or a zombie) within 5 seconds.
func allGone(t *testing.T, what string, pids []int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for _, pid := range pids {
		for alive(pid) {
			if time.Now().After(deadline) {
				st, _ := procfs.Read(pid)
				t.Fatalf("%s: process %d (%+v) still running 5 s later", what, pid, st)
			}
			<-tick.C
		}
	}
}
