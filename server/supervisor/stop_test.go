package supervisor

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/internal/syncbuf"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/gateway"
)

// progress records StopProgress's calls.
type progress struct {
	mu    sync.Mutex
	calls [][2]int
}

func (p *progress) report(left, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, [2]int{left, total})
}

func (p *progress) got() [][2]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// Stop says how many runners it is ending, then counts them down as each
// process is gone, so a dashboard quitting can say so instead of a blank
// wait.
func TestStopReportsProgress(t *testing.T) {
	var p progress
	h := start(t, Config{StopProgress: p.report})
	h.deploy("main", "two", helperCommand(t, "serve"), scaling.Spec{MinConcurrency: scaling.Int(2), MaxConcurrency: scaling.Int(2)})
	h.waitRunners("main", "two", "two IDLE runners", idle(2))
	h.close()
	want := [][2]int{{2, 2}, {1, 2}, {0, 2}}
	if got := p.got(); !slices.Equal(got, want) {
		t.Errorf("progress %v, want %v", got, want)
	}
}

func TestStopWithoutRunnersReportsNothing(t *testing.T) {
	var p progress
	h := start(t, Config{StopProgress: p.report})
	h.close()
	if got := p.got(); len(got) != 0 {
		t.Errorf("progress %v with no runner", got)
	}
}

// A runner's end is logged as its start is, with what ended it and how
// its process exited.
func TestRunnerStopIsLogged(t *testing.T) {
	var logged syncbuf.Buffer
	h := startIn(t, t.TempDir(), Config{}, func(c *server.Config) { c.Logger = logTo(&logged) })
	h.deploy("main", "logged", helperCommand(t, "serve"), one())
	rs := h.waitRunners("main", "logged", "an IDLE runner", idle(1))
	if err := h.cl.StopRunner(h.ctx(), rs[0].ID, false); err != nil {
		t.Fatal(err)
	}
	stopped := func() string {
		for _, l := range strings.Split(logged.String(), "\n") {
			if strings.Contains(l, `msg="runner stopped"`) && strings.Contains(l, string(rs[0].ID)) {
				return l
			}
		}
		return ""
	}
	eventually(t, "the runner's stop in the log", func() bool { return stopped() != "" })
	line := stopped()
	for _, want := range []string{"app=logged", "env=main", `reason="stopped on request"`, "exit="} {
		if !strings.Contains(line, want) {
			t.Errorf("stop line lacks %s: %s", want, line)
		}
	}

	// Scaling to zero releases the replacement: the autoscaler's doing.
	next := live(h.waitRunners("main", "logged", "a new IDLE runner", idle(1)))[0]
	if _, err := h.cl.UpdateApp(h.ctx(), "main", "logged", scaling.Spec{MinConcurrency: scaling.Int(0), KeepAlive: scaling.Int(0)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the autoscaler's release in the log", func() bool {
		return strings.Contains(logged.String(), "runner="+string(next.ID)+` app=logged env=main reason="released by the autoscaler"`)
	})
}

// A deploy's working directory is where its runners start, so a command
// naming files relative to it (`python serve.py`) finds them; it stays
// read-only to them, as the rest of the filesystem is.
func TestRunnerStartsInTheDeploysWorkingDirectory(t *testing.T) {
	h := start(t, Config{})
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "model.txt"), []byte("weights"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.deploy("main", "wd", helperCommand(t, "serve", "--try", "model.txt"), one(), func(r *client.DeployRequest) {
		r.Metadata["working_dir"] = src
	})
	rs := h.waitRunners("main", "wd", "an IDLE runner", idle(1))
	out := strings.Join(h.stdout(rs[0].ID), "\n")
	if !strings.Contains(out, "read model.txt ok") {
		t.Errorf("the runner did not find model.txt in its working directory:\n%s", out)
	}
	if h.sup.Isolation().LandlockABI > 0 && !strings.Contains(out, "write model.txt refused") {
		t.Errorf("the runner could write in the deploy's directory:\n%s", out)
	}
}

// Once the controller begins to stop, a request asks for a runner in
// vain: the gateway answers it 503 rather than queue it.
func TestRefuseRequests(t *testing.T) {
	h := start(t, Config{})
	h.deploy("main", "refused", helperCommand(t, "serve"), one())
	h.waitRunners("main", "refused", "an IDLE runner", idle(1))
	h.sup.RefuseRequests()
	if _, err := h.sup.Acquire(h.ctx(), "refused", gateway.RequestInfo{}); !errors.Is(err, gateway.ErrStopping) {
		t.Errorf("Acquire after RefuseRequests: %v", err)
	}
}
