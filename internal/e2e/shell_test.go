package e2e

import (
	"regexp"
	"testing"
	"time"
)

// A person opens a shell on a runner from the dashboard, runs a command
// in it, exits, and is back where they were, told how the shell ended.
func TestShellFromTheDashboard(t *testing.T) {
	ctl := startServe(t)
	rev := ctl.deployRevision(t, "main", "shell-app", []string{"--min-concurrency", "1", "--max-concurrency", "1"})
	cl := ctl.dial(t)
	runner := waitSoleIdleRunner(t, cl, "shell-app", rev)

	tm := startTUI(t, "--host", ctl.addr, "--key-file", ctl.keyFile, "--env", "main", "--refresh", "500ms")
	m := tm.mark()
	tm.waitText(m, 20*time.Second, `shell-app`)
	tm.send("\r")
	tm.waitText(m, 20*time.Second, `fal › main › shell-app › runners`)
	tm.waitText(m, 20*time.Second, regexp.QuoteMeta(runner[:8]))

	m = tm.mark()
	tm.send("x")
	// Typed once the shell has the terminal: before, the keys are the
	// dashboard's.
	tm.waitText(m, 20*time.Second, `\[faldash\] shell on runner `+regexp.QuoteMeta(runner))
	tm.send("echo marker-$((6*7)); exit 5\r")
	tm.waitText(m, 20*time.Second, `marker-42`)
	// Then the dashboard again, drawn after the shell's output, as it was.
	tm.waitText(m, 20*time.Second, `marker-42(?s:.*)fal › main › shell-app › runners`)
	tm.waitText(m, 20*time.Second, `marker-42(?s:.*)shell on runner `+regexp.QuoteMeta(runner)+` exited with status 5`)
	tm.quit()
}
