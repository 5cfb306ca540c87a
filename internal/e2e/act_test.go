package e2e

import (
	"errors"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
)

// countRunners counts app's runners in state.
func countRunners(t *testing.T, cl client.Client, env, app string, state client.RunnerState) int {
	t.Helper()
	rs, err := cl.ListAppRunners(t.Context(), env, app, client.RunnerQuery{})
	if err != nil {
		return -1
	}
	n := 0
	for _, r := range rs {
		if r.State == state {
			n++
		}
	}
	return n
}

// A person scales an app from 0 to 2 runners with the keyboard and watches
// both come up.
func TestScaleFromZeroToTwoWithKeys(t *testing.T) {
	ctl := startServe(t)
	ctl.deploy(t, "main", "scale-me", "--min-concurrency", "0", "--max-concurrency", "3", "--keep-alive", "300")
	cl := ctl.dial(t)

	tm := startTUI(t, "--host", ctl.addr, "--key-file", ctl.keyFile, "--env", "main", "--refresh", "500ms")
	m := tm.mark()
	tm.waitText(m, 20*time.Second, `scale-me`)

	tm.send("+", "+")
	waitFor(t, 20*time.Second, "min_concurrency 2 on the controller", func() bool {
		apps, err := cl.ListApps(t.Context(), "main")
		return err == nil && len(apps) == 1 && apps[0].Scaling.MinConcurrency == 2
	})
	waitFor(t, 30*time.Second, "two idle runners", func() bool { return countRunners(t, cl, "main", "scale-me", client.StateIdle) == 2 })

	m = tm.mark()
	tm.send("\r")
	tm.waitText(m, 20*time.Second, `fal › main › scale-me › runners`)
	tm.waitText(m, 20*time.Second, `2 idle`)
	tm.quit()
}

// A person deletes a non-main environment by typing its name; its apps and
// secrets are gone and main is untouched.
func TestDeleteEnvironmentByTypingItsName(t *testing.T) {
	ctl := startServe(t)
	cl := ctl.dial(t)
	ctx := t.Context()
	if _, err := cl.CreateEnvironment(ctx, "doomed", "to be deleted"); err != nil {
		t.Fatal(err)
	}
	ctl.deploy(t, "doomed", "victim", "--min-concurrency", "1")
	ctl.deploy(t, "main", "survivor")
	for _, env := range []string{"main", "doomed"} {
		if err := cl.SetSecret(ctx, env, "API_TOKEN", "value-"+env, nil); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 30*time.Second, "the doomed app's runner", func() bool { return countRunners(t, cl, "doomed", "victim", client.StateIdle) == 1 })

	tm := startTUI(t, "--host", ctl.addr, "--key-file", ctl.keyFile)
	m := tm.mark()
	tm.waitText(m, 20*time.Second, `doomed`)
	tm.send("G") // the last row: environments list main first, then by creation
	m = tm.mark()
	tm.send("d")
	tm.waitText(m, 20*time.Second, `victim`) // the modal lists what will be destroyed
	// Enter on a prefix deletes nothing.
	tm.send("doom", "\r")
	m = tm.mark()
	tm.send("ed", "\r")
	waitFor(t, 30*time.Second, "doomed to be deleted", func() bool {
		envs, err := cl.ListEnvironments(ctx)
		if err != nil {
			return false
		}
		for _, e := range envs {
			if e.Name == "doomed" {
				return false
			}
		}
		return true
	})
	tm.waitText(m, 20*time.Second, `fal › environments`)
	tm.quit()

	if _, err := cl.ListApps(ctx, "doomed"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("apps of the deleted environment: %v", err)
	}
	if _, err := cl.ListSecrets(ctx, "doomed"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("secrets of the deleted environment: %v", err)
	}
	apps, err := cl.ListApps(ctx, "main")
	if err != nil || len(apps) != 1 || apps[0].Name != "survivor" {
		t.Errorf("main's apps after the delete: %+v, %v", apps, err)
	}
	secrets, err := cl.ListSecrets(ctx, "main")
	if err != nil || len(secrets) != 1 {
		t.Errorf("main's secrets after the delete: %+v, %v", secrets, err)
	}
	waitFor(t, 30*time.Second, "the deleted environment's runner to end", func() bool {
		rs, err := cl.ListRunners(ctx, client.RunnerQuery{})
		if err != nil {
			return false
		}
		for _, r := range rs {
			if r.Alias == "victim--doomed" && r.State != client.StateTerminated {
				return false
			}
		}
		return true
	})
}
