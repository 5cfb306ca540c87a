package supervisor

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/gateway"
)

func one() scaling.Spec {
	return scaling.Spec{MinConcurrency: scaling.Int(1), MaxConcurrency: scaling.Int(1)}
}

// gone fails unless pid has exited; kill(pid, 0) answering ESRCH is the
// proof for a child of the supervisor, which reaps its children.
func gone(t *testing.T, pid int) {
	t.Helper()
	eventually(t, "process "+strconv.Itoa(pid)+" to end", func() bool {
		return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	})
}

// TestStopDrainsThenTerminates holds a request on a runner, stops it, and
// checks that it drains (out of service, request still counted), then
// terminates once the request is released, while min_concurrency brings
// up another runner that takes the new requests.
func TestStopDrainsThenTerminates(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	h.deploy("main", "stop-app", helperCommand(t, "serve"), one())
	old := h.waitRunners("main", "stop-app", "one IDLE runner", idle(1))[0]
	pid := h.pid(old.ID)

	lease, err := h.sup.Acquire(h.ctx(), "stop-app", gateway.RequestInfo{RequestID: "req-1", CallerUserID: "me"})
	if err != nil {
		t.Fatal(err)
	}
	if lease.RunnerID != string(old.ID) {
		t.Fatalf("lease on %s, want %s", lease.RunnerID, old.ID)
	}
	if err := h.cl.StopRunner(h.ctx(), old.ID, false); err != nil {
		t.Fatal(err)
	}
	got, _ := find(h.runners("main", "stop-app"), old.ID)
	if got.State != client.StateDraining || got.InFlight != 1 || got.PresentInGroup == nil || !*got.PresentInGroup {
		t.Fatalf("stopped runner with a request: %+v", got)
	}
	// min_concurrency 1 wants a runner in service: a new one comes up and
	// takes the next request.
	rs := h.waitRunners("main", "stop-app", "a second runner IDLE", func(rs []client.Runner) bool {
		return len(inState(rs, client.StateIdle)) == 1
	})
	fresh := inState(rs, client.StateIdle)[0]
	next, err := h.sup.Acquire(h.ctx(), "stop-app", gateway.RequestInfo{RequestID: "req-2"})
	if err != nil {
		t.Fatal(err)
	}
	if next.RunnerID != string(fresh.ID) {
		t.Errorf("a request went to %s, not the runner in service %s", next.RunnerID, fresh.ID)
	}
	next.Release()
	if got, _ := find(h.runners("main", "stop-app"), old.ID); got.State != client.StateDraining {
		t.Fatalf("runner left DRAINING with a request in flight: %s", got.State)
	}

	lease.Release()
	h.waitRunners("main", "stop-app", "the stopped runner TERMINATED", func(rs []client.Runner) bool {
		r, _ := find(rs, old.ID)
		return r.State == client.StateTerminated
	})
	gone(t, pid)
	// Ended runners are listed only when asked for with a start time.
	now, err := h.cl.ListAppRunners(h.ctx(), "main", "stop-app", client.RunnerQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := find(now, old.ID); ok {
		t.Error("a TERMINATED runner is listed without a start time")
	}
	later, err := h.cl.ListAppRunners(h.ctx(), "main", "stop-app", client.RunnerQuery{TerminatedSince: time.Now().Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := find(later, old.ID); ok {
		t.Error("a runner that ended before the start time is listed")
	}
	if err := h.cl.StopRunner(h.ctx(), old.ID, false); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("stopping an ended runner: %v", err)
	}
}

// TestStopReplaceFirst stops a runner with replace_first: it must keep
// serving, marked WILL_REPLACE, until its replacement (DID_REPLACE) is
// ready, and only then end.
func TestStopReplaceFirst(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	h.deploy("main", "replace-app", helperCommand(t, "serve", "--setup-delay", "300ms"), one())
	old := h.waitRunners("main", "replace-app", "one IDLE runner", idle(1))[0]
	if err := h.cl.StopRunner(h.ctx(), old.ID, true); err != nil {
		t.Fatal(err)
	}
	sawWaiting := false
	var fresh client.RunnerID
	h.waitRunners("main", "replace-app", "the replaced runner TERMINATED", func(rs []client.Runner) bool {
		o, _ := find(rs, old.ID)
		var rep *client.Runner
		for i, r := range rs {
			if r.ID != old.ID {
				rep = &rs[i]
			}
		}
		if rep == nil || rep.Replacement != client.DidReplace || len(rs) != 2 {
			t.Fatalf("no single DID_REPLACE replacement: %+v", rs)
		}
		fresh = rep.ID
		if o.State != client.StateTerminated && o.Replacement != client.WillReplace {
			t.Fatalf("the runner being replaced is not WILL_REPLACE: %+v", o)
		}
		repReady := rep.State == client.StateIdle || rep.State == client.StateRunning
		switch o.State {
		case client.StateIdle:
			if !repReady {
				sawWaiting = true
			}
		case client.StateDraining, client.StateTerminating, client.StateTerminated:
			if !repReady {
				t.Fatalf("the old runner left service (%s) before its replacement was ready (%s)", o.State, rep.State)
			}
		default:
			t.Fatalf("unexpected state of the old runner: %s", o.State)
		}
		return o.State == client.StateTerminated
	})
	if !sawWaiting {
		t.Error("never saw the old runner serving while its replacement set up")
	}
	if rs := live(h.runners("main", "replace-app")); len(rs) != 1 || rs[0].ID != fresh {
		t.Errorf("after the replacement: %+v", rs)
	}
}

// TestStopStubbornRunner stops a runner that ignores SIGTERM: it must be
// killed when the grace period is over.
func TestStopStubbornRunner(t *testing.T) {
	t.Parallel()
	h := start(t, Config{DefaultGrace: 300 * time.Millisecond})
	h.deploy("main", "stubborn", helperCommand(t, "stubborn"), one())
	r := h.waitRunners("main", "stubborn", "one IDLE runner", idle(1))[0]
	pid := h.pid(r.ID)
	if _, err := h.cl.UpdateApp(h.ctx(), "main", "stubborn", scaling.Spec{MinConcurrency: scaling.Int(0)}); err != nil {
		t.Fatal(err)
	}
	if err := h.cl.StopRunner(h.ctx(), r.ID, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := find(h.runners("main", "stubborn"), r.ID); got.State != client.StateTerminating {
		t.Errorf("an idle runner stopped is %s, want TERMINATING", got.State)
	}
	h.waitRunners("main", "stubborn", "the runner TERMINATED", func(rs []client.Runner) bool {
		got, _ := find(rs, r.ID)
		return got.State == client.StateTerminated
	})
	gone(t, pid)
}

// TestKillRunner kills a runner whose process left a child in a session
// of its own that ignores SIGTERM: every process must be gone at once.
func TestKillRunner(t *testing.T) {
	t.Parallel()
	h := start(t, Config{DefaultGrace: time.Minute})
	h.deploy("main", "kill-app", helperCommand(t, "serve", "--child"), scaling.Spec{MinConcurrency: scaling.Int(1)})
	r := h.waitRunners("main", "kill-app", "one IDLE runner", idle(1))[0]
	pids := h.escaped(r.ID)
	if err := h.cl.KillRunner(h.ctx(), r.ID); err != nil {
		t.Fatal(err)
	}
	// The grace period is a minute: only SIGKILL ends it this soon.
	allGone(t, "a killed runner", pids)
	h.waitRunners("main", "kill-app", "the runner TERMINATED and another IDLE", func(rs []client.Runner) bool {
		got, _ := find(rs, r.ID)
		return got.State == client.StateTerminated && len(inState(rs, client.StateIdle)) == 1
	})
	if err := h.cl.KillRunner(h.ctx(), r.ID); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("killing an ended runner: %v", err)
	}
	if err := h.cl.KillRunner(h.ctx(), "no-such-runner"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("killing an unknown runner: %v", err)
	}
}

// TestEscapeesEndWithTheirRunner ends runners in every way a runner ends
// (a graceful stop, a stop past the grace period, a rollout, a redeploy,
// deleting the app) while each has a child in a session of its own that
// ignores SIGTERM, SIGHUP and SIGPIPE: every such child ends with its
// runner, with PID namespaces and without.
func TestEscapeesEndWithTheirRunner(t *testing.T) {
	t.Parallel()
	for _, noNS := range []bool{false, true} {
		t.Run(fmt.Sprintf("namespaces=%v", !noNS), func(t *testing.T) {
			t.Parallel()
			h := start(t, Config{DefaultGrace: 300 * time.Millisecond, NoNamespaces: noNS})
			if !noNS && !h.sup.Isolation().Namespaces {
				t.Skipf("no PID namespaces here: %v", h.sup.Isolation().NamespaceErr)
			}
			argv := helperCommand(t, "serve", "--child")
			for _, app := range []string{"stopped", "stubborn", "rolled", "redeployed", "deleted"} {
				cmd := argv
				if app == "stubborn" {
					cmd = helperCommand(t, "stubborn", "--child")
				}
				h.deploy("main", app, cmd, one())
			}
			first := map[string]client.Runner{}
			pids := map[string][]int{}
			for _, app := range []string{"stopped", "stubborn", "rolled", "redeployed", "deleted"} {
				first[app] = h.waitRunners("main", app, app+" IDLE", idle(1))[0]
				pids[app] = h.escaped(first[app].ID)
			}
			ctx := h.ctx()
			for _, app := range []string{"stopped", "stubborn"} {
				if _, err := h.cl.UpdateApp(ctx, "main", app, scaling.Spec{MinConcurrency: scaling.Int(0)}); err != nil {
					t.Fatal(err)
				}
				if err := h.cl.StopRunner(ctx, first[app].ID, false); err != nil {
					t.Fatal(err)
				}
			}
			if err := h.cl.RolloutApp(ctx, "main", "rolled", true); err != nil {
				t.Fatal(err)
			}
			h.deploy("main", "redeployed", argv, one())
			if _, err := h.cl.DeleteAlias(ctx, "main", "deleted"); err != nil {
				t.Fatal(err)
			}
			for app, ps := range pids {
				allGone(t, app, ps)
			}
		})
	}
}

// TestRollout replaces both runners of an app: each is WILL_REPLACE while
// its replacement sets up, the app is rolling meanwhile, and at the end
// only new runners are left.
func TestRollout(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	h.deploy("main", "roll", helperCommand(t, "serve", "--setup-delay", "300ms"),
		scaling.Spec{MinConcurrency: scaling.Int(2), MaxConcurrency: scaling.Int(2)})
	before := h.waitRunners("main", "roll", "two IDLE runners", idle(2))
	if err := h.cl.RolloutApp(h.ctx(), "main", "roll", false); err != nil {
		t.Fatal(err)
	}
	rs := h.runners("main", "roll")
	for _, o := range before {
		if r, _ := find(rs, o.ID); r.Replacement != client.WillReplace || r.State != client.StateIdle {
			t.Errorf("right after the rollout, old runner %+v", r)
		}
	}
	if !h.rolling("roll") {
		t.Error("the app is not rolling during the rollout")
	}
	after := h.waitRunners("main", "roll", "two new IDLE runners", func(rs []client.Runner) bool {
		l := live(rs)
		return len(l) == 2 && len(inState(l, client.StateIdle)) == 2 &&
			!slices.ContainsFunc(l, func(r client.Runner) bool { _, old := find(before, r.ID); return old })
	})
	for _, o := range before {
		if r, _ := find(after, o.ID); r.State != client.StateTerminated {
			t.Errorf("old runner %s is %s", o.ID, r.State)
		}
	}
	for _, r := range live(after) {
		if r.Replacement != client.DidReplace {
			t.Errorf("new runner %s is %v, want DID_REPLACE", r.ID, r.Replacement)
		}
	}
	eventually(t, "the rollout to finish", func() bool { return !h.rolling("roll") })
}

func (h *harness) rolling(app string) bool {
	h.t.Helper()
	apps, err := h.cl.ListApps(h.ctx(), "main")
	if err != nil {
		h.t.Fatal(err)
	}
	for _, a := range apps {
		if a.Name == app {
			return a.IsRolling
		}
	}
	h.t.Fatalf("no app %s", app)
	return false
}

// TestRedeploy deploys new revisions: ROLLING replaces the runners of the
// old revision one by one while they serve; RECREATE ends them before the
// new revision's start.
func TestRedeploy(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	argv := helperCommand(t, "serve", "--setup-delay", "200ms")
	rev1 := h.deploy("main", "redeploy", argv, one())
	h.waitRunners("main", "redeploy", "one IDLE runner", idle(1))

	rolling := client.StrategyRolling
	rev2 := h.deploy("main", "redeploy", argv, scaling.Spec{}, func(r *client.DeployRequest) { r.Strategy = &rolling })
	h.waitRunners("main", "redeploy", "the rolling redeploy", func(rs []client.Runner) bool {
		var old, fresh []client.Runner
		for _, r := range live(rs) {
			if r.Revision == rev1 {
				old = append(old, r)
			} else {
				fresh = append(fresh, r)
			}
		}
		for _, o := range old {
			if o.State != client.StateIdle && len(inState(fresh, client.StateIdle)) == 0 {
				t.Fatalf("a rev1 runner left service before a rev2 runner was ready: %+v", rs)
			}
		}
		return len(old) == 0 && len(fresh) == 1 && fresh[0].State == client.StateIdle && fresh[0].Revision == rev2
	})

	recreate := client.StrategyRecreate
	rev3 := h.deploy("main", "redeploy", argv, scaling.Spec{}, func(r *client.DeployRequest) { r.Strategy = &recreate })
	h.waitRunners("main", "redeploy", "the recreating redeploy", func(rs []client.Runner) bool {
		var old, fresh int
		for _, r := range live(rs) {
			if r.Revision == rev2 {
				old++
			} else {
				fresh++
			}
		}
		if old > 0 && fresh > 0 {
			t.Fatalf("a rev3 runner started while a rev2 one was alive: %+v", rs)
		}
		return fresh == 1 && len(inState(live(rs), client.StateIdle)) == 1
	})
	if rs := live(h.runners("main", "redeploy")); rs[0].Revision != rev3 {
		t.Errorf("runner of revision %s, want %s", rs[0].Revision, rev3)
	}
}

// TestSetupFailureBackoff deploys a command that fails during setup: its
// runner waits in FAILURE_DELAY, is retried in the same slot, and each
// back-off is one step longer than the one before, up to the maximum.
func TestSetupFailureBackoff(t *testing.T) {
	t.Parallel()
	step, most := 100*time.Millisecond, 250*time.Millisecond
	h := start(t, Config{BackoffStep: step, BackoffMax: most})
	h.deploy("main", "broken", helperCommand(t, "fail"), one())
	rs := h.waitRunners("main", "broken", "FAILURE_DELAY", func(rs []client.Runner) bool {
		return len(inState(rs, client.StateFailureDelay)) == 1
	})
	id := inState(rs, client.StateFailureDelay)[0].ID

	var delays []time.Duration
	var failedAt, retryAt time.Time
	eventually(t, "four failed setups", func() bool {
		h.sup.mu.Lock()
		defer h.sup.mu.Unlock()
		r := h.sup.runners[string(id)]
		delays, failedAt, retryAt = slices.Clone(r.delays), r.failedAt, r.retryAt
		return len(delays) >= 4
	})
	want := []time.Duration{step, 2 * step, most, most}
	if !slices.Equal(delays[:4], want) {
		t.Errorf("back-offs %v, want %v", delays[:4], want)
	}
	if got := retryAt.Sub(failedAt); got != delays[len(delays)-1] {
		t.Errorf("retry %v after the failure, want %v", got, delays[len(delays)-1])
	}
	// Every attempt ran in the one slot: no other runner was started.
	if rs := h.runners("main", "broken"); len(rs) != 1 || rs[0].ID != id {
		t.Errorf("runners of a failing app: %+v", rs)
	}
	lines, _, err := h.sup.LogHistory(string(id), server.LogQuery{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr int
	for _, l := range lines {
		switch {
		case l.Stream == "stdout" && l.Line == "setting up":
			stdout++
		case l.Stream == "stderr" && l.Line == "boom: setup failed":
			stderr++
		}
	}
	if stdout < 4 || stderr < 4 {
		t.Errorf("the failed attempts' output: %d stdout and %d stderr lines in %+v", stdout, stderr, lines)
	}
}

// TestStartupTimeout kills a runner that is not ready within the app's
// startup_timeout, and counts it as a failed setup.
func TestStartupTimeout(t *testing.T) {
	t.Parallel()
	h := start(t, Config{BackoffStep: time.Minute})
	h.deploy("main", "slow", helperCommand(t, "serve", "--setup-delay", "1h"),
		scaling.Spec{MinConcurrency: scaling.Int(1), StartupTimeout: scaling.Int(1)})
	rs := h.waitRunners("main", "slow", "SETUP", func(rs []client.Runner) bool {
		return len(inState(rs, client.StateSetup)) == 1
	})
	// Setting up, it is in its app's group: fal's CLI and the dashboard
	// would mark it lost otherwise.
	if p := rs[0].PresentInGroup; p == nil || !*p {
		t.Errorf("a runner setting up is listed as not in its group: %+v", rs[0])
	}
	pid := h.pid(rs[0].ID)
	h.waitRunners("main", "slow", "FAILURE_DELAY", func(rs []client.Runner) bool {
		return len(inState(rs, client.StateFailureDelay)) == 1
	})
	gone(t, pid)
}

// TestDeleteStopsRunners deletes an alias and an environment: their
// runners end, and the gateway no longer knows the apps.
func TestDeleteStopsRunners(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	if _, err := h.cl.CreateEnvironment(h.ctx(), "dev", ""); err != nil {
		t.Fatal(err)
	}
	argv := helperCommand(t, "serve")
	h.deploy("main", "doomed", argv, one())
	h.deploy("dev", "doomed", argv, one())
	a := h.waitRunners("main", "doomed", "a runner in main", idle(1))[0]
	b := h.waitRunners("dev", "doomed", "a runner in dev", idle(1))[0]
	pa, pb := h.pid(a.ID), h.pid(b.ID)

	if _, err := h.cl.DeleteAlias(h.ctx(), "main", "doomed"); err != nil {
		t.Fatal(err)
	}
	if err := h.cl.DeleteEnvironment(h.ctx(), "dev"); err != nil {
		t.Fatal(err)
	}
	gone(t, pa)
	gone(t, pb)
	for _, alias := range []string{"doomed", "doomed--dev"} {
		if _, err := h.sup.Acquire(h.ctx(), alias, gateway.RequestInfo{}); !errors.Is(err, gateway.ErrUnknownApp) {
			t.Errorf("Acquire on deleted %s: %v", alias, err)
		}
	}
	eventually(t, "both runners TERMINATED", func() bool {
		all, err := h.cl.ListRunners(h.ctx(), client.RunnerQuery{IncludePending: true, TerminatedSince: time.Now().Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return len(all) == 2 && len(inState(all, client.StateTerminated)) == 2
	})
}

// TestCommands runs an app given as a shell command line (no argv in its
// metadata), and two whose command cannot start (a program that does not
// exist, one that is not on PATH): those wait in FAILURE_DELAY without
// leaving anything behind. (A command that is not an argv is refused at
// deploy.)
func TestCommands(t *testing.T) {
	t.Parallel()
	h := start(t, Config{BackoffStep: time.Minute})
	exe := helperCommand(t, "serve")[0]
	shell := "exec '" + strings.ReplaceAll(exe, "'", `'\''`) + "' " + helperArg + " serve"
	if _, err := h.cl.Deploy(h.ctx(), client.DeployRequest{App: "shell", Entrypoint: shell, Scaling: one()}, nil); err != nil {
		t.Fatal(err)
	}
	for app, md := range map[string]map[string]any{
		"missing":     {"command": []any{"/nonexistent/program"}},
		"not-on-path": {"command": []any{"no-such-program-on-path"}},
	} {
		if _, err := h.cl.Deploy(h.ctx(), client.DeployRequest{App: app, Entrypoint: "x", Metadata: md, Scaling: one()}, nil); err != nil {
			t.Fatal(err)
		}
	}
	h.waitRunners("main", "shell", "the shell command's runner IDLE", idle(1))
	for _, app := range []string{"missing", "not-on-path"} {
		h.waitRunners("main", app, app+" in FAILURE_DELAY", func(rs []client.Runner) bool {
			return len(rs) == 1 && rs[0].State == client.StateFailureDelay
		})
	}
	dirs, err := os.ReadDir(h.sup.runDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != 1 {
		t.Errorf("runner directories %v, want only the serving runner's", dirs)
	}
}
