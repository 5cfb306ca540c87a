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
	"syscall"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/scaling"
	"github.com/faldash/faldash/server"
)

// crashReport is what the crashing controller tells its parent test.
type crashReport struct {
	Runners map[string]int `json:"runners"` // runner id → pid
}

// runCrashingController is the helper mode "controller DIR": a controller
// on DIR that deploys an app with two runners, reports their pids on
// stdout once both are ready, and then waits to be killed.
func runCrashingController(args []string) int {
	if err := crashingController(args); err != nil {
		fmt.Fprintln(os.Stderr, "crashing controller:", err)
		return 1
	}
	return 0
}

func crashingController(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("want one argument, the data directory")
	}
	lis, err := server.Listen("127.0.0.1:0", false)
	if err != nil {
		return err
	}
	sup := New(testConfig(Config{ControllerAddr: lis.Addr().String()}))
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
		Metadata: map[string]any{"command": []any{exe, helperArg, "serve"}},
		Scaling:  scaling.Spec{MinConcurrency: scaling.Int(2), MaxConcurrency: scaling.Int(2)},
	}, nil)
	if err != nil {
		return err
	}
	for {
		rs, err := cl.ListAppRunners(ctx, "", "survivor", client.RunnerQuery{})
		if err != nil {
			return err
		}
		if len(inState(rs, client.StateIdle)) == 2 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	rep := crashReport{Runners: map[string]int{}}
	sup.mu.Lock()
	for id, r := range sup.runners {
		rep.Runners[id] = r.proc.pid
	}
	sup.mu.Unlock()
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		return err
	}
	// Hold on until the test kills this process.
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// TestRecoveryAfterCrash runs a controller in a child process, kills it
// with SIGKILL while it has two runners, and starts a new controller on
// the same data directory: it must kill the runners left behind, list
// them TERMINATED, and start the app's minimum again.
func TestRecoveryAfterCrash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, helperArg, "controller", dir)
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
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	stdin.Close()
	if decodeErr != nil {
		t.Fatalf("the crashing controller reported nothing: %v", decodeErr)
	}
	if len(rep.Runners) != 2 {
		t.Fatalf("the crashing controller reported %v", rep.Runners)
	}
	for id, pid := range rep.Runners {
		if !alive(pid) {
			t.Fatalf("runner %s (pid %d) did not outlive its controller: the test proves nothing", id, pid)
		}
	}
	t.Cleanup(func() {
		for _, pid := range rep.Runners {
			if alive(pid) {
				_ = killGroup(pid, sigKill)
			}
		}
	})

	h := startIn(t, dir, Config{})
	for id, pid := range rep.Runners {
		// Recovery finishes before Open returns. The orphans' new parent
		// reaps them, so a zombie counts as gone.
		if alive(pid) {
			t.Errorf("runner %s (pid %d) left by the crash is still running", id, pid)
		}
	}
	rs := h.waitRunners("main", "survivor", "two new IDLE runners", func(rs []client.Runner) bool {
		return len(inState(rs, client.StateIdle)) == 2
	})
	for id := range rep.Runners {
		r, ok := find(rs, client.RunnerID(id))
		if !ok || r.State != client.StateTerminated || r.Alias != "survivor" || r.Revision == "" {
			t.Errorf("runner %s left by the crash is listed as %+v", id, r)
		}
	}
	now, err := h.cl.ListAppRunners(h.ctx(), "main", "survivor", client.RunnerQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range now {
		if _, old := rep.Runners[string(r.ID)]; old {
			t.Errorf("runner %s left by the crash is listed without a start time", r.ID)
		}
	}
	records, err := filepath.Glob(filepath.Join(dir, "pids", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range records {
		id := filepath.Base(f)
		if _, old := rep.Runners[id[:len(id)-len(".json")]]; old {
			t.Errorf("the record of runner %s left by the crash is still there", id)
		}
	}
}

// TestShutdownLeavesNoChild closes a controller with runners in every
// state that has a process (serving, ignoring SIGTERM, setting up) and one
// in FAILURE_DELAY: when Close returns, every process is gone.
func TestShutdownLeavesNoChild(t *testing.T) {
	t.Parallel()
	h := start(t, Config{DefaultGrace: 300 * time.Millisecond, BackoffStep: time.Minute})
	h.deploy("main", "serving", helperCommand(t, "serve"), scaling.Spec{MinConcurrency: scaling.Int(2), MaxConcurrency: scaling.Int(2)})
	h.deploy("main", "stubborn", helperCommand(t, "stubborn"), one())
	h.deploy("main", "setting-up", helperCommand(t, "serve", "--setup-delay", "1h"), one())
	h.deploy("main", "failing", helperCommand(t, "fail"), one())
	h.waitRunners("main", "serving", "two IDLE runners", idle(2))
	h.waitRunners("main", "stubborn", "one IDLE runner", idle(1))
	h.waitRunners("main", "setting-up", "one runner in SETUP", func(rs []client.Runner) bool { return len(inState(rs, client.StateSetup)) == 1 })
	h.waitRunners("main", "failing", "one runner in FAILURE_DELAY", func(rs []client.Runner) bool {
		return len(inState(rs, client.StateFailureDelay)) == 1
	})
	pids := h.livePids()
	if len(pids) != 4 {
		t.Fatalf("%d runner processes, want 4", len(pids))
	}
	h.close()
	for _, pid := range pids {
		// The supervisor reaps its children, so not even a zombie is left.
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("runner process %d outlived the controller (kill: %v)", pid, err)
		}
	}
	for _, sub := range []string{"pids", "runners"} {
		left, err := os.ReadDir(filepath.Join(h.dir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range left {
			t.Errorf("%s left in %s after a clean shutdown", e.Name(), sub)
		}
	}
}
