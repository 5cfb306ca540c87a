package supervisor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/samplerunner"
	"github.com/faldash/faldash/scaling"
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
//   - serve [--env-dir DIR] [--child-pid-file FILE] [sample runner flags]:
//     writes the environment to DIR/<FAL_JOB_ID>.json, optionally starts a
//     child process in its group, then runs the sample runner;
//   - fail: writes a line to each stream and exits 1 during setup;
//   - stubborn: serves on PORT and ignores SIGTERM;
//   - sleep: sleeps for an hour;
//   - controller DIR: see runCrashingController.
func helperMain(mode string, args []string) int {
	switch mode {
	case "serve":
		for len(args) >= 2 {
			switch args[0] {
			case "--env-dir":
				if err := writeEnv(args[1]); err != nil {
					fmt.Fprintln(os.Stderr, err)
					return 3
				}
			case "--child-pid-file":
				if err := startChild(args[1]); err != nil {
					fmt.Fprintln(os.Stderr, err)
					return 3
				}
			default:
				return samplerunner.Main(args, os.Getenv, os.Stdout, os.Stderr)
			}
			args = args[2:]
		}
		return samplerunner.Main(args, os.Getenv, os.Stdout, os.Stderr)
	case "fail":
		fmt.Println("setting up")
		fmt.Fprintln(os.Stderr, "boom: setup failed")
		return 1
	case "stubborn":
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
	case "sleep":
		time.Sleep(time.Hour)
		return 0
	case "controller":
		return runCrashingController(args)
	}
	fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
	return 2
}

func writeEnv(dir string) error {
	b, err := json.Marshal(os.Environ())
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, os.Getenv("FAL_JOB_ID")+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, os.Getenv("FAL_JOB_ID")+".json"))
}

// startChild starts a long sleep in the runner's process group, to show
// that the group dies with the runner.
func startChild(pidFile string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	p, err := os.StartProcess(exe, []string{exe, helperArg, "sleep"}, &os.ProcAttr{
		Env:   os.Environ(),
		Files: []*os.File{nil, nil, nil},
	})
	if err != nil {
		return err
	}
	return os.WriteFile(pidFile, fmt.Appendf(nil, "%d", p.Pid), 0o600)
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
	deadline := time.Now().Add(waitLimit)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func idle(n int) func([]client.Runner) bool {
	return func(rs []client.Runner) bool {
		return len(inState(rs, client.StateIdle)) == n && len(live(rs)) == n
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
