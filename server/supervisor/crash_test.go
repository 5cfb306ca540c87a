package supervisor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/procfs"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server"
)

// crashReport is what the crashing controller tells its parent test.
type crashReport struct {
	// Runners maps each runner id to the pids of all its processes: its
	// shim, the runner and the runner's child in a session of its own.
	Runners map[string][]int `json:"runners"`
}

// runCrashingController is the helper mode "controller DATA RUNNERS
// [--no-namespaces]": a controller on DATA that deploys an app with two
// runners, each with a child in a session of its own, reports their pids
// on stdout once both are ready, and then waits to be killed.
func runCrashingController(args []string) int {
	if err := crashingController(args); err != nil {
		fmt.Fprintln(os.Stderr, "crashing controller:", err)
		return 1
	}
	return 0
}

func crashingController(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("want the data directory and the runner directory")
	}
	lis, err := server.Listen("127.0.0.1:0", false)
	if err != nil {
		return err
	}
	sup := New(testConfig(Config{ControllerAddr: lis.Addr().String(), RunnerDir: args[1], NoNamespaces: slices.Contains(args, "--no-namespaces")}))
	ctl, err := server.Open(server.Config{DataDir: args[0], Runtime: sup})
	if err != nil {
		return err
	}
	go func() { _ = ctl.Serve(lis) }()
	id, secret := ctl.AdminKey()
	cl, err := client.Dial(client.DialOptions{Addr: lis.Addr().String(), Credentials: client.Credentials{KeyID: id, KeySecret: secret}})
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	_, err = cl.Deploy(ctx, client.DeployRequest{
		App: "survivor", Entrypoint: "serve",
		Metadata: map[string]any{"command": []any{exe, helperArg, "serve", "--child"}},
		Scaling:  scaling.Spec{MinConcurrency: scaling.Int(2), MaxConcurrency: scaling.Int(2)},
	}, nil)
	if err != nil {
		return err
	}
	rep := crashReport{Runners: map[string][]int{}}
	for len(rep.Runners) < 2 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		rs, err := cl.ListAppRunners(ctx, "", "survivor", client.RunnerQuery{})
		if err != nil {
			return err
		}
		if len(inState(rs, client.StateIdle)) < 2 {
			continue
		}
		sup.mu.Lock()
		for id, r := range sup.runners {
			pids := []int{r.proc.pid}
			ds, _ := procfs.Descendants(r.proc.pid)
			for _, d := range ds {
				pids = append(pids, d.Pid)
			}
			// The shim, the runner and its child.
			if len(pids) >= 3 {
				rep.Runners[id] = pids
			}
		}
		sup.mu.Unlock()
	}
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		return err
	}
	// Hold on until the test kills this process.
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// TestNoRunnerOutlivesItsController runs a controller in a child process,
// kills it with SIGKILL while it has two runners, each with a child that
// left its session and ignores SIGTERM, SIGHUP and SIGPIPE: every one of
// those processes must be gone within 5 seconds, with PID namespaces and
// without. A new controller on the same data directory then lists the
// runners TERMINATED and starts the app's minimum again.
func TestNoRunnerOutlivesItsController(t *testing.T) {
	t.Parallel()
	for _, noNS := range []bool{false, true} {
		t.Run(fmt.Sprintf("namespaces=%v", !noNS), func(t *testing.T) {
			t.Parallel()
			dir, runnerDir := t.TempDir(), t.TempDir()
			args := []string{helperArg, "controller", dir, runnerDir}
			if noNS {
				args = append(args, "--no-namespaces")
			}
			rep := crashController(t, args)
			h := startIn(t, dir, Config{RunnerDir: runnerDir})
			rs := h.waitRunners("main", "survivor", "two new IDLE runners", func(rs []client.Runner) bool {
				return len(inState(rs, client.StateIdle)) == 2
			})
			for id := range rep.Runners {
				r, ok := find(rs, client.RunnerID(id))
				if !ok || r.State != client.StateTerminated || r.Alias != "survivor" || r.Revision == "" {
					t.Errorf("runner %s of the killed controller is listed as %+v", id, r)
				}
			}
			now, err := h.cl.ListAppRunners(h.ctx(), "main", "survivor", client.RunnerQuery{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range now {
				if _, old := rep.Runners[string(r.ID)]; old {
					t.Errorf("runner %s of the killed controller is listed without a start time", r.ID)
				}
			}
			for id := range rep.Runners {
				if _, err := os.Stat(filepath.Join(dir, "pids", id+".json")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the record of runner %s of the killed controller is still there (%v)", id, err)
				}
			}
		})
	}
}

// crashController starts the crashing controller helper with args, waits
// for its report, kills it with SIGKILL, and checks that every process it
// reported is gone within 5 seconds.
func crashController(t *testing.T, args []string) crashReport {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var rep crashReport
	decodeErr := json.NewDecoder(stdout).Decode(&rep)
	var all []int
	for _, pids := range rep.Runners {
		all = append(all, pids...)
	}
	t.Cleanup(func() {
		for _, pid := range all {
			if alive(pid) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	stdin.Close()
	if decodeErr != nil {
		t.Fatalf("the crashing controller reported nothing: %v", decodeErr)
	}
	if len(rep.Runners) != 2 {
		t.Fatalf("the crashing controller reported %v", rep.Runners)
	}
	allGone(t, "after kill -9 of the controller", all)
	return rep
}

// TestRecoveryKillsLeftovers gives a controller a data directory whose
// pid records name processes that are still running, as a controller
// whose runners escaped its end (a shim killed from outside) leaves it:
// the new controller kills each one that provably belongs to its runner
// (the recorded pid with its start time, or any process with the
// runner's FAL_JOB_ID), spares a process whose pid was reused, and lists
// the runners TERMINATED.
func TestRecoveryKillsLeftovers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "pids"), 0o700); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sleeper := func(jobID string) *exec.Cmd {
		cmd := exec.Command(exe, helperArg, "escapee")
		cmd.Env = append(os.Environ(), "FAL_JOB_ID="+jobID)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
		return cmd
	}
	record := func(rec pidRecord) {
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "pids", rec.Runner+".json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	leader := sleeper("")            // recorded with its start time
	straggler := sleeper("runner-b") // found by its FAL_JOB_ID
	stranger := sleeper("")          // its pid recorded with another start time
	record(pidRecord{Runner: "runner-a", Env: "main", App: "gone", Revision: "rev-1", Pid: leader.Process.Pid, StartTicks: startTicks(leader.Process.Pid)})
	record(pidRecord{Runner: "runner-b", Env: "main", App: "gone", Revision: "rev-1", Pid: 1 << 30})
	record(pidRecord{Runner: "runner-c", Env: "main", App: "gone", Revision: "rev-1", Pid: stranger.Process.Pid, StartTicks: startTicks(stranger.Process.Pid) + 1})

	h := startIn(t, dir, Config{})
	// Recovery is done before Open returns.
	for name, pid := range map[string]int{"recorded": leader.Process.Pid, "FAL_JOB_ID": straggler.Process.Pid} {
		if alive(pid) {
			t.Errorf("the leftover found by its %s (pid %d) is still running", name, pid)
		}
	}
	if !alive(stranger.Process.Pid) {
		t.Error("a process whose pid was reused was killed")
	}
	all, err := h.cl.ListRunners(h.ctx(), client.RunnerQuery{TerminatedSince: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"runner-a", "runner-b", "runner-c"} {
		if r, ok := find(all, client.RunnerID(id)); !ok || r.State != client.StateTerminated {
			t.Errorf("runner %s is listed as %+v", id, r)
		}
	}
	left, err := os.ReadDir(filepath.Join(dir, "pids"))
	if err != nil || len(left) != 0 {
		t.Errorf("records left: %v (%v)", left, err)
	}
}

// TestShutdownLeavesNoChild closes a controller with runners in every
// state that has a process (serving, ignoring SIGTERM, setting up) and one
// in FAILURE_DELAY: when Close returns, every process is gone.
func TestShutdownLeavesNoChild(t *testing.T) {
	t.Parallel()
	h := start(t, Config{DefaultGrace: 300 * time.Millisecond, BackoffStep: time.Minute})
	h.deploy("main", "serving", helperCommand(t, "serve", "--child"), scaling.Spec{MinConcurrency: scaling.Int(2), MaxConcurrency: scaling.Int(2)})
	h.deploy("main", "stubborn", helperCommand(t, "stubborn", "--child"), one())
	h.deploy("main", "setting-up", helperCommand(t, "serve", "--setup-delay", "1h"), one())
	h.deploy("main", "failing", helperCommand(t, "fail"), one())
	serving := h.waitRunners("main", "serving", "two IDLE runners", idle(2))
	stubborn := h.waitRunners("main", "stubborn", "one IDLE runner", idle(1))
	h.waitRunners("main", "setting-up", "one runner in SETUP", func(rs []client.Runner) bool { return len(inState(rs, client.StateSetup)) == 1 })
	h.waitRunners("main", "failing", "one runner in FAILURE_DELAY", func(rs []client.Runner) bool {
		return len(inState(rs, client.StateFailureDelay)) == 1
	})
	pids := h.livePids()
	if len(pids) != 4 {
		t.Fatalf("%d runner processes, want 4", len(pids))
	}
	var escapees []int
	for _, r := range append(serving, stubborn...) {
		escapees = append(escapees, h.escaped(r.ID)...)
	}
	h.close()
	for _, pid := range pids {
		// The supervisor reaps its children, so not even a zombie is left.
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("runner process %d outlived the controller (kill: %v)", pid, err)
		}
	}
	allGone(t, "after the controller closed", escapees)
	left, err := os.ReadDir(filepath.Join(h.dir, "pids"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("record %s left after a clean shutdown", e.Name())
	}
	if _, err := os.Stat(filepath.Dir(h.sup.runDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the runners' directory is still there after a clean shutdown that left nothing in it (%v)", err)
	}
}
