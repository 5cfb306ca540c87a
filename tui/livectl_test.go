package tui

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ctltest"
	"github.com/faldash/faldash/internal/poll"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server/localctl"
	"github.com/faldash/faldash/server/supervisor"
	"github.com/faldash/faldash/views/runners"
)

// liveCtl is a real local controller on loopback ports and faldash's
// client for it. Its runners are `sleep` processes: they never serve, but
// they live, which is all scaling and killing need.
type liveCtl struct {
	t  *testing.T
	cl *client.GRPC
}

func startLiveCtl(t *testing.T) *liveCtl {
	t.Helper()
	_, cl := ctltest.Start(t, localctl.Options{Gateway: localctl.GatewayOff, REST: localctl.Off,
		Supervisor: supervisor.Config{DefaultGrace: time.Second, Interval: 50 * time.Millisecond}})
	return &liveCtl{t: t, cl: cl}
}

// deploy deploys app in main with min and max concurrency.
func (c *liveCtl) deploy(app string, minC, maxC int) {
	c.t.Helper()
	spec := client.ScaleSpec{MinConcurrency: scaling.Int(minC), MaxConcurrency: scaling.Int(maxC)}
	if _, err := c.cl.Deploy(c.t.Context(), client.DeployRequest{App: app, Entrypoint: "sleep 600", Scaling: spec}, nil); err != nil {
		c.t.Fatal(err)
	}
}

func (c *liveCtl) app(name string) client.App {
	c.t.Helper()
	apps, err := c.cl.ListApps(c.t.Context(), "")
	if err != nil {
		c.t.Fatal(err)
	}
	for _, a := range apps {
		if a.Name == name {
			return a
		}
	}
	c.t.Fatalf("no app %s", name)
	return client.App{}
}

// waitFor polls cond until it holds, failing the test at the deadline.
func (c *liveCtl) waitFor(what string, cond func() bool) {
	c.t.Helper()
	poll.Wait(c.t, 20*time.Second, 20*time.Millisecond, what, cond)
}

// live are app's runners that have not ended.
func (c *liveCtl) live(app string) []client.Runner {
	c.t.Helper()
	rs, err := c.cl.ListAppRunners(c.t.Context(), "", app, client.RunnerQuery{IncludePending: true})
	if err != nil {
		c.t.Fatal(err)
	}
	out := rs[:0]
	for _, r := range rs {
		if r.State != client.StateTerminated {
			out = append(out, r)
		}
	}
	return out
}

// updates records the UpdateApp calls made through a real client.
type updates struct {
	client.Client
	specs []client.ScaleSpec
}

func (u *updates) UpdateApp(ctx context.Context, env, app string, spec client.ScaleSpec) (client.App, error) {
	u.specs = append(u.specs, spec)
	return u.Client.UpdateApp(ctx, env, app, spec)
}

// `+` in the apps pane, Enter, `+` in the runners pane, all within one
// pause: the two presses build on one pending change, so the app ends at
// min 2. With a change per pane, each pane sent min=1.
func TestScalePressesInTwoPanesAddUp(t *testing.T) {
	ctl := startLiveCtl(t)
	ctl.deploy("shared", 0, 5)
	u := &updates{Client: ctl.cl}
	h := newHarnessOn(t, u, Config{Env: "main"})
	h.settle()
	h.viewContains("shared")
	h.key("+")
	h.viewContains("0→1/5")
	h.key("enter")
	h.viewContains("scaling: min 0→1 (pending)") // one change, seen from both panes
	h.key("+")
	h.viewContains("scaling: min 0→2 (pending)")
	fire[delivery](h) // both pauses end; only the last press's sends
	h.settle()

	if got := ctl.app("shared").Scaling.MinConcurrency; got != 2 {
		t.Errorf("min concurrency %d after two presses, want 2", got)
	}
	if len(u.specs) == 0 || len(u.specs) > 2 {
		t.Fatalf("%d UpdateApp calls, want one or two", len(u.specs))
	}
	last := u.specs[len(u.specs)-1]
	if last.MinConcurrency == nil || *last.MinConcurrency != 2 || last.MaxConcurrency != nil {
		t.Errorf("last UpdateApp %+v, want min 2 only", last)
	}
	h.viewContains("✓ scaled shared: min 0→2", "min 2 · max 5")
	h.key("2") // the apps pane heard the answer too
	h.viewContains(" 2/5 ")
	h.viewLacks("→")
}

// Two marked runners, one of which ended meanwhile: the kill reached one,
// and the other was already gone, which is no failure.
func TestKillSeveralWhenOneEnded(t *testing.T) {
	ctl := startLiveCtl(t)
	ctl.deploy("pair", 2, 2)
	ctl.waitFor("two live runners", func() bool { return len(ctl.live("pair")) == 2 })
	h := newHarnessOn(t, ctl.cl, Config{Env: "main"})
	h.settle()
	h.key("enter", " ", " ") // both marked
	ended := ctl.live("pair")[0].ID
	if err := ctl.cl.KillRunner(t.Context(), ended); err != nil {
		t.Fatal(err)
	}
	ctl.waitFor("the runner to end", func() bool {
		return errors.Is(ctl.cl.KillRunner(t.Context(), ended), client.ErrNotFound)
	})
	h.key("K", "y")
	h.viewContains("✓ 2 runners of pair: 1 killed, 1 already gone")
	h.viewLacks("failed")
	if marked := h.m.current().pane.(*runners.Pane).Marked(); len(marked) != 0 {
		t.Errorf("still marked: %v", marked)
	}
}
