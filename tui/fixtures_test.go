package tui

import (
	"fmt"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/scaling"
)

func dur(d time.Duration) *time.Duration { return &d }

// withMetadata is r carrying md, which a fixture writes to always encode.
func withMetadata(r client.Runner, md map[string]any) client.Runner {
	r, err := r.WithMetadata(md)
	if err != nil {
		panic(err)
	}
	return r
}

// seeded is a controller with three environments, apps in main and
// staging, runners of staging's my-app in several states, and secrets.
func seeded() *fakeclient.Client { return seedInto(fakeclient.New(demoTarget())) }

// seedInto gives fc seeded's data.
func seedInto(fc *fakeclient.Client) *fakeclient.Client {
	fc.SetEnvironments(
		client.Environment{Name: "main", Description: "production", IsDefault: true, CreatedAt: t0.Add(-30 * 24 * time.Hour)},
		client.Environment{Name: "staging", Description: "pre-production checks", CreatedAt: t0.Add(-72 * time.Hour)},
		client.Environment{Name: "dev", Description: "scratch space", CreatedAt: t0.Add(-90 * time.Minute)},
	)
	fc.SetApps("main",
		client.App{Name: "my-app", Env: "main", Alias: "my-app", Revision: "3f2a9c1e-77aa-4b1e-9d2e-1c0ffee00001",
			AuthMode: client.AuthPrivate, ActiveRunners: 2,
			Scaling: scaling.Settings{MinConcurrency: 1, MaxConcurrency: 4, MaxMultiplexing: 1, KeepAlive: 300,
				ConcurrencyBuffer: scaling.Int(1), MachineTypes: []string{"GPU-A100"}, Regions: []string{"us-east"}}},
	)
	fc.SetApps("staging",
		client.App{Name: "my-app", Env: "staging", Alias: "my-app--staging", Revision: "a1b2c3d4-0000-4000-8000-000000000002",
			AuthMode: client.AuthPublic, ActiveRunners: 3,
			Scaling: scaling.Settings{MinConcurrency: 0, MaxConcurrency: 10, MaxMultiplexing: 4, KeepAlive: 60,
				ConcurrencyBufferPerc: scaling.Int(20), MachineTypes: []string{"GPU-H100", "GPU-A100"}}},
		client.App{Name: "image-gen", Env: "staging", Alias: "image-gen--staging", Revision: "ffee0011-2222-4333-8444-555566667777",
			AuthMode: client.AuthShared, ActiveRunners: 0,
			Scaling: scaling.Settings{MinConcurrency: 0, MaxConcurrency: 2, MaxMultiplexing: 1, KeepAlive: 10,
				MachineTypes: []string{"XS"}}},
	)
	fc.SetApps("dev")
	fc.SetQueue("staging", "my-app", 3)
	fc.SetRunners("staging", "my-app",
		client.Runner{ID: "r-0001", Alias: "my-app--staging", App: "my-app", Revision: "a1b2c3d4-0000-4000-8000-000000000002",
			State: client.StateRunning, InFlight: 2, Uptime: 65 * time.Minute, MachineType: "GPU-H100"}.
			WithLeases(client.Lease{RequestID: "req-1", CallerUserID: "u-1", LeasedAt: t0.Add(-3 * time.Second)}),
		client.Runner{ID: "r-0002", Alias: "my-app--staging", App: "my-app", Revision: "a1b2c3d4-0000-4000-8000-000000000002",
			State: client.StateIdle, ExpiresIn: dur(45 * time.Second), Uptime: 12 * time.Minute, MachineType: "GPU-H100"},
		withMetadata(client.Runner{ID: "r-0003", Alias: "my-app--staging", App: "my-app", Revision: "0badc0de-0000-4000-8000-000000000001",
			State: client.StateSetup, Uptime: 20 * time.Second, MachineType: "GPU-A100", Replacement: client.WillReplace},
			map[string]any{"node": "n-7", "gpu": map[string]any{"count": 1.0}}),
		client.Runner{ID: "r-0004", Alias: "my-app--staging", App: "my-app", Revision: "0badc0de-0000-4000-8000-000000000001",
			State: client.StateFailureDelay, MachineType: "GPU-A100"},
		client.Runner{ID: "r-0000", Alias: "my-app--staging", App: "my-app", Revision: "0badc0de-0000-4000-8000-000000000001",
			State: client.StateTerminated, Uptime: 3 * time.Hour, MachineType: "GPU-A100", Replacement: client.DidReplace},
	)
	fc.SetSecrets("staging",
		client.Secret{Name: "HF_TOKEN", Env: "staging", CreatedAt: t0.Add(-48 * time.Hour), DefaultExposed: true},
		client.Secret{Name: "DB_URL", Env: "staging", CreatedAt: t0.Add(-5 * time.Minute)},
	)
	return fc
}

// cloudTeam is seeded's data on fal cloud, acting as a team, with
// staging's r-0001 lost and busy, and logs as fal's REST API gives them.
func cloudTeam() *fakeclient.Client {
	fc := seedInto(fakeclient.New(client.Target{Kind: client.TargetCloud, Addr: "api.alpha.fal.ai:443",
		User: "alice", Account: "my-team", RESTURL: "https://rest.alpha.fal.ai"}))
	lost := false
	var leases []client.Lease
	for i := range 7 {
		leases = append(leases, client.Lease{RequestID: fmt.Sprintf("0b7c5e1a-%04d-4c4d-9e2f-5a6b7c8d9e0f", i),
			CallerUserID: "github|1234567", LeasedAt: t0.Add(-time.Duration(3+40*i) * time.Second)})
	}
	fc.SetRunners("staging", "my-app",
		client.Runner{ID: "r-0001", Alias: "my-app--staging", App: "my-app", Revision: "a1b2c3d4-0000-4000-8000-000000000002",
			State: client.StateRunning, InFlight: 7, Uptime: 65 * time.Minute, MachineType: "GPU-H100",
			PresentInGroup: &lost}.WithLeases(leases...),
		client.Runner{ID: "r-0002", Alias: "my-app--staging", App: "my-app", Revision: "a1b2c3d4-0000-4000-8000-000000000002",
			State: client.StateIdle, ExpiresIn: dur(45 * time.Second), Uptime: 12 * time.Minute, MachineType: "GPU-H100"},
	)
	fc.SetLogs("r-0001",
		client.LogLine{Time: t0.Add(-26 * time.Hour), Level: "info", Message: "worker started"},
		client.LogLine{Time: t0.Add(-8 * time.Second), Level: "stdout", Message: "Loading model weights"},
		client.LogLine{Time: t0.Add(-7500 * time.Millisecond), Level: "info", Message: "model ready in 41.2s"},
		client.LogLine{Time: t0.Add(-5 * time.Second), Level: "warning", Message: "GPU memory 92% used"},
		client.LogLine{Time: t0.Add(-3 * time.Second), Level: "stderr",
			Message: "Traceback (most recent call last):\n  File \"app.py\", line 12, in predict\nValueError: bad prompt"},
		client.LogLine{Time: t0.Add(-2 * time.Second), Level: "error", Message: "request 0b7c5e1a-0000 failed: ValueError"},
		client.LogLine{Time: t0.Add(-1 * time.Second), Level: "stdout", Message: "POST /predict 200 in 812ms"},
	)
	return fc
}

// cet is Central European Time, for log times drawn as someone there
// sees them.
var cet = time.FixedZone("CET", 3600)
