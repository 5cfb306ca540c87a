package demo

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/poll"
	"github.com/faldash/faldash/internal/runnertest"
	"github.com/faldash/faldash/server/supervisor"
)

// TestMain lets the test binary stand in for faldash: the demo's apps run
// `<exe> sample-runner ...`, and this binary is that exe.
func TestMain(m *testing.M) {
	runnertest.Main(m, nil)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	poll.Wait(t, 20*time.Second, 20*time.Millisecond, what, cond)
}

// children lists the live processes whose parent is this one.
func children(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	me := os.Getpid()
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...; comm may hold spaces and parens.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
		f := strings.Fields(rest)
		if len(f) > 1 && f[1] == strconv.Itoa(me) {
			out = append(out, pid)
		}
	}
	return out
}

func TestDemo(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts child processes through /proc")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	d, err := Start(t.Context(), Options{
		Exe:       exe,
		TimeScale: 0.05,
		Traffic:   TrafficOptions{Period: 3 * time.Second, Peak: 20, Tick: 20 * time.Millisecond, Timeout: 10 * time.Second},
		Supervisor: supervisor.Config{
			BackoffStep: 200 * time.Millisecond, BackoffMax: time.Second, DefaultGrace: 2 * time.Second,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := d.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := t.Context()
	if c.Target().Kind != client.TargetDemo {
		t.Errorf("target kind %v", c.Target().Kind)
	}

	envs, err := c.ListEnvironments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	descs := map[string]string{}
	for _, e := range envs {
		descs[e.Name] = e.Description
	}
	if descs["main"] == "" || descs["staging"] == "" || descs["dev"] == "" || len(descs) != 3 {
		t.Errorf("environments %+v", envs)
	}

	wantApps := map[string][]string{"main": {"text-to-image", "whisper"}, "staging": {"llm-chat"}, "dev": {"broken-model", "embeddings"}}
	wantSecrets := map[string][]string{"main": {"HF_TOKEN", "SENTRY_DSN"}, "staging": {"DATABASE_URL", "HF_TOKEN"}, "dev": {"DEBUG_LEVEL", "HF_TOKEN"}}
	for env, want := range wantApps {
		list, err := c.ListApps(ctx, env)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range list {
			got = append(got, a.Name)
			if a.Name == "text-to-image" {
				s := a.Scaling
				if s.MinConcurrency != 1 || s.MaxConcurrency != 5 || s.MaxMultiplexing != 2 || s.KeepAlive != 20 || s.ConcurrencyBuffer == nil || *s.ConcurrencyBuffer != 1 {
					t.Errorf("text-to-image scaling %+v", s)
				}
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("apps in %s: %v, want %v", env, got, want)
		}
		secrets, err := c.ListSecrets(ctx, env)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range secrets {
			names = append(names, s.Name)
		}
		slices.Sort(names)
		if !slices.Equal(names, wantSecrets[env]) {
			t.Errorf("secrets in %s: %v, want %v", env, names, wantSecrets[env])
		}
	}

	hasState := func(env, app string, states ...client.RunnerState) bool {
		rs, err := c.ListAppRunners(ctx, env, app, client.RunnerQuery{IncludePending: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if slices.Contains(states, r.State) {
				return true
			}
		}
		return false
	}
	waitFor(t, "a ready text-to-image runner", func() bool {
		return hasState("main", "text-to-image", client.StateIdle, client.StateRunning)
	})
	waitFor(t, "broken-model in FAILURE_DELAY", func() bool {
		return hasState("dev", "broken-model", client.StateFailureDelay)
	})
	waitFor(t, "traffic answered through the gateway", func() bool { return d.TrafficStats().OK > 0 })

	kids := children(t)
	if len(kids) == 0 {
		t.Fatal("no runner processes are children of the test")
	}
	dir := d.Dir()
	if err := d.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("demo directory %s after Close: %v", dir, err)
	}
	if left := children(t); len(left) != 0 {
		t.Errorf("child processes left after Close: %v", left)
	}
	for _, pid := range kids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("runner pid %d after Close: %v", pid, err)
		}
	}
}
