package apps

import (
	"strings"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
)

func app(name, env string) client.App {
	return client.App{Name: name, Env: env, Revision: "0123456789abcdef", AuthMode: client.AuthShared, ActiveRunners: 2,
		Scaling: scaling.Settings{MinConcurrency: 1, MaxConcurrency: 3, MaxMultiplexing: 2, KeepAlive: 90,
			ConcurrencyBuffer: scaling.Int(2), ConcurrencyBufferPerc: scaling.Int(50),
			MachineTypes: []string{"GPU-A100", "GPU-H100"}, Regions: []string{"eu"}}}
}

func build(t *testing.T, target client.Target, env string, apps ...client.App) (*Pane, *fakeclient.Client) {
	t.Helper()
	now := panetest.Now
	fc := fakeclient.New(target)
	fc.SetApps(env, apps...)
	p := New(panetest.Deps(fc, &now), env)
	p.SetSize(200, 10)
	panetest.Load(t, p, now)
	return p, fc
}

func TestFetchListsAppsOfItsEnvironment(t *testing.T) {
	_, fc := build(t, client.Target{}, "staging", app("a", "staging"))
	calls := fc.CallsTo("ListApps")
	if len(calls) != 1 || calls[0].Env != "staging" {
		t.Errorf("calls %+v", calls)
	}
}

func TestCells(t *testing.T) {
	cloud := client.Target{Kind: client.TargetCloud, User: "alice"}
	p, _ := build(t, cloud, "staging", app("my-app", "staging"))
	row, _ := p.table.Cells("my-app")
	want := map[int]string{
		colName: "my-app", colRevision: "01234567", colAuth: "shared", colRunners: "2", colQueue: "-", colMinMax: "1/3",
		colBuffer: "2,50%", colMultiplexing: "2", colKeepAlive: "1m30s", colMachines: "GPU-A100,GPU-H100",
		colRegions: "eu", colURL: "fal.run/alice/my-app--staging",
	}
	for col, w := range want {
		if got := row[col]; got != w {
			t.Errorf("column %d = %q, want %q", col, got, w)
		}
	}

	main, _ := build(t, cloud, "main", app("my-app", "main"))
	if row, _ := main.table.Cells("my-app"); row[colURL] != "fal.run/alice/my-app" {
		t.Errorf("main's endpoint %q has a suffix", row[colURL])
	}
	local, _ := build(t, client.Target{Kind: client.TargetLocal, User: "local", GatewayURL: "http://127.0.0.1:7778"}, "staging", app("my-app", "staging"))
	if row, _ := local.table.Cells("my-app"); row[colURL] != "127.0.0.1:7778/local/my-app--staging" {
		t.Errorf("a local controller's endpoint is %q, not on its gateway", row[colURL])
	}
}

func TestBuffer(t *testing.T) {
	for _, tc := range []struct {
		n, perc *int
		want    string
	}{
		{nil, nil, "-"}, {scaling.Int(3), nil, "3"}, {nil, scaling.Int(10), "10%"}, {scaling.Int(1), scaling.Int(5), "1,5%"},
	} {
		if got := buffer(scaling.Settings{ConcurrencyBuffer: tc.n, ConcurrencyBufferPerc: tc.perc}); got != tc.want {
			t.Errorf("buffer = %q, want %q", got, tc.want)
		}
	}
}

func TestEnterOpensRunners(t *testing.T) {
	p, _ := build(t, client.Target{}, "staging", app("a", "staging"), app("b", "staging"))
	p.Update(uitest.Key("down"))
	msgs := panetest.Msgs(p.Update(uitest.Key("enter")))
	if len(msgs) != 1 || msgs[0] != (pane.Open{Key: pane.RunnersKey("staging", "b")}) {
		t.Errorf("enter gave %#v", msgs)
	}
	if a, ok := p.Selected(); !ok || a.Name != "b" {
		t.Errorf("selected %+v", a)
	}
}

func TestSortByRunnersNumerically(t *testing.T) {
	a, b, c := app("a", "main"), app("b", "main"), app("c", "main")
	a.ActiveRunners, b.ActiveRunners, c.ActiveRunners = 10, 9, 100
	p, _ := build(t, client.Target{}, "main", a, b, c)
	p.table.SetSort(colRunners, false)
	if got := strings.Join(p.table.IDs(), ","); got != "b,a,c" {
		t.Errorf("by runners: %s", got)
	}
}

func TestHelpShowsActionsUnlessReadOnly(t *testing.T) {
	p, _ := build(t, client.Target{}, "main")
	descs := func() string {
		var all []string
		for _, g := range p.FullHelp() {
			for _, b := range g {
				all = append(all, b.Help().Desc)
			}
		}
		return strings.Join(all, ", ")
	}
	for _, want := range []string{"min concurrency +1", "max concurrency -1", "scale…", "rollout", "revisions", "runner environment", "delete app"} {
		if !strings.Contains(descs(), want) {
			t.Errorf("help lacks %q: %s", want, descs())
		}
	}
	p.SetReadOnly(true)
	for _, hidden := range []string{"concurrency", "scale…", "rollout", "delete app"} {
		if strings.Contains(descs(), hidden) {
			t.Errorf("read-only help shows %q: %s", hidden, descs())
		}
	}
	if !strings.Contains(descs(), "revisions") || !strings.Contains(descs(), "unlock writing") {
		t.Errorf("read-only help lacks revisions or unlock: %s", descs())
	}
}
