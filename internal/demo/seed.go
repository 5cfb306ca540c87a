package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/cmdline"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/scaling"
)

// mainDescription is main's: the controller creates main itself, and
// fal has no call that describes an environment afterwards.
const mainDescription = "Production: what users call; the default environment"

// environments are the demo's environments besides main, with their
// descriptions.
var environments = []struct{ Name, Description string }{
	{"staging", "Pre-production: release candidates get real traffic here first"},
	{"dev", "Experiments; anything goes"},
}

// secrets are the demo's secrets, by environment. The values are dummies;
// they differ per environment so a runner's environment shows whose it
// got.
var secrets = map[string]map[string]string{
	names.DefaultEnvironment: {
		"HF_TOKEN":   "hf_demo_main_not_a_real_token",
		"SENTRY_DSN": "https://demo-main@sentry.invalid/1",
	},
	"staging": {
		"HF_TOKEN":     "hf_demo_staging_not_a_real_token",
		"DATABASE_URL": "postgres://demo:demo@db.staging.invalid:5432/app",
	},
	"dev": {
		"HF_TOKEN":    "hf_demo_dev_not_a_real_token",
		"DEBUG_LEVEL": "verbose",
	},
}

// app is one demo app: where it lives, how the sample runner behaves, and
// how it scales.
type app struct {
	Name, Env string
	// SetupDelay, Latency and Jitter are the sample runner's, before
	// Options.TimeScale.
	SetupDelay, Latency, Jitter time.Duration
	FailRate                    float64
	FailSetup                   bool
	Scaling                     scaling.Spec
	// Traffic says whether the generator sends it requests.
	Traffic bool
}

// apps are the demo's apps, each scaled differently so the runners pane
// has something to show for each setting.
var apps = []app{
	{
		Name: "text-to-image", Env: names.DefaultEnvironment,
		SetupDelay: 3 * time.Second, Latency: 900 * time.Millisecond, Jitter: 400 * time.Millisecond,
		Scaling: scaling.Spec{MinConcurrency: scaling.Int(1), MaxConcurrency: scaling.Int(5), MaxMultiplexing: scaling.Int(2),
			KeepAlive: scaling.Int(20), ConcurrencyBuffer: scaling.Int(1), RequestTimeout: scaling.Int(30)},
		Traffic: true,
	},
	{
		Name: "whisper", Env: names.DefaultEnvironment,
		SetupDelay: 2 * time.Second, Latency: 500 * time.Millisecond, Jitter: 200 * time.Millisecond, FailRate: 0.02,
		Scaling: scaling.Spec{MinConcurrency: scaling.Int(0), MaxConcurrency: scaling.Int(3), KeepAlive: scaling.Int(10),
			ScalingDelay: scaling.Int(5)},
		Traffic: true,
	},
	{
		Name: "llm-chat", Env: "staging",
		SetupDelay: 4 * time.Second, Latency: 1500 * time.Millisecond, Jitter: 700 * time.Millisecond,
		Scaling: scaling.Spec{MinConcurrency: scaling.Int(1), MaxConcurrency: scaling.Int(4), MaxMultiplexing: scaling.Int(2),
			KeepAlive: scaling.Int(15)},
		Traffic: true,
	},
	{
		Name: "embeddings", Env: "dev",
		SetupDelay: time.Second, Latency: 120 * time.Millisecond, Jitter: 60 * time.Millisecond,
		Scaling: scaling.Spec{MinConcurrency: scaling.Int(0), MaxConcurrency: scaling.Int(2), MaxMultiplexing: scaling.Int(4),
			KeepAlive: scaling.Int(10)},
		Traffic: true,
	},
	{
		Name: "broken-model", Env: "dev",
		SetupDelay: 2 * time.Second, FailSetup: true,
		Scaling: scaling.Spec{MinConcurrency: scaling.Int(1), MaxConcurrency: scaling.Int(1), KeepAlive: scaling.Int(10)},
	},
}

// runnerGrace is the sample runners' own grace period and, with a second
// more, the one the controller gives them: short, so the demo exits fast.
const runnerGrace = 2 * time.Second

// command is the sample runner's argv for app.
func (a app) command(exe string, scale float64) []string {
	d := func(v time.Duration) string { return time.Duration(float64(v) * scale).String() }
	argv := []string{exe, "sample-runner",
		"--setup-delay", d(a.SetupDelay), "--latency", d(a.Latency), "--jitter", d(a.Jitter),
		"--grace", runnerGrace.String()}
	if a.FailRate > 0 {
		argv = append(argv, "--fail-rate", fmt.Sprint(a.FailRate))
	}
	if a.FailSetup {
		argv = append(argv, "--fail-setup")
	}
	return argv
}

// seed fills a fresh controller through the client, as a person would.
func seed(ctx context.Context, c client.Client, exe string, scale float64) error {
	for _, e := range environments {
		if _, err := c.CreateEnvironment(ctx, e.Name, e.Description); err != nil {
			return fmt.Errorf("seed the demo: %w", err)
		}
	}
	for env, values := range secrets {
		for name, value := range values {
			if err := c.SetSecret(ctx, env, name, value, nil); err != nil {
				return fmt.Errorf("seed the demo: %w", err)
			}
		}
	}
	for _, a := range apps {
		argv := a.command(exe, scale)
		_, err := c.Deploy(ctx, client.DeployRequest{
			App:         a.Name,
			Env:         a.Env,
			Entrypoint:  cmdline.Join(argv),
			Metadata:    cmdline.Metadata(argv),
			Scaling:     a.Scaling,
			GracePeriod: runnerGrace + time.Second,
		}, nil)
		if err != nil {
			return fmt.Errorf("seed the demo: %w", err)
		}
	}
	return nil
}
