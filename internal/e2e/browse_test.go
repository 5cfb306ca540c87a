package e2e

import (
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/scaling"
)

// A person opens faldash against a controller with a deployed app, walks
// from the environments to the app's runners, watches them change state,
// and quits.
func TestBrowseToRunnersAndWatchThemChange(t *testing.T) {
	ctl := startServe(t)
	ctl.deploy(t, "main", "e2e-app", "--min-concurrency", "1", "--max-concurrency", "3", "--keep-alive", "60")
	cl := ctl.dial(t)

	tm := startTUI(t, "--host", ctl.addr, "--key-file", ctl.keyFile, "--refresh", "500ms")
	m := tm.mark()
	tm.waitText(m, 20*time.Second, `fal › environments`)
	tm.waitText(m, 20*time.Second, `main`)

	m = tm.mark()
	tm.send("\r")
	tm.waitText(m, 20*time.Second, `fal › main › apps`)
	tm.waitText(m, 20*time.Second, `e2e-app`)

	m = tm.mark()
	tm.send("\r")
	tm.waitText(m, 20*time.Second, `fal › main › e2e-app › runners`)
	tm.waitText(m, 30*time.Second, `idle`)

	// More runners are wanted: new ones appear, set up, and go idle.
	m = tm.mark()
	if _, err := cl.UpdateApp(t.Context(), "main", "e2e-app", client.ScaleSpec{MinConcurrency: scaling.Int(3)}); err != nil {
		t.Fatal(err)
	}
	tm.waitText(m, 30*time.Second, `3 live`)
	waitFor(t, 30*time.Second, "three idle runners", func() bool {
		rs, err := cl.ListAppRunners(t.Context(), "main", "e2e-app", client.RunnerQuery{})
		if err != nil {
			return false
		}
		idle := 0
		for _, r := range rs {
			if r.State == client.StateIdle {
				idle++
			}
		}
		return idle == 3
	})
	tm.waitText(m, 30*time.Second, `3 idle`)
	tm.quit()
}
