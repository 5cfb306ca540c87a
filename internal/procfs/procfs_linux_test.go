package procfs

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestTreeEnvAndSurvivors starts a shell that starts a sleep in a new
// session: both are descendants of the test, the sleep in another
// session, each with the environment it was given; once killed, neither
// survives.
func TestTreeEnvAndSurvivors(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid program")
	}
	cmd := exec.Command("/bin/sh", "-c", "setsid sleep 1000 & echo started; wait")
	cmd.Env = append(os.Environ(), "PROCFS_TEST=marked")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	buf := make([]byte, 8)
	if _, err := out.Read(buf); err != nil {
		t.Fatal(err)
	}
	self, err := Read(os.Getpid())
	if err != nil || self.PPid != os.Getppid() || self.Zombie() || self.Start == 0 {
		t.Fatalf("Read(self) = %+v, %v", self, err)
	}
	// The shell says "started" once it has forked the sleep, which may
	// not have left the session yet (setsid runs in the child), nor be
	// done exec'ing (its environ reads empty meanwhile): wait until it is
	// the sleep, leading a session of its own.
	var tree []Stat
	deadline := time.Now().Add(10 * time.Second)
	for {
		tree, err = Descendants(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if sleeping(tree, cmd.Process.Pid) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A failure below must not leave the sleep behind for the deferred
	// Wait, which would wait for it for 1000s.
	defer func() {
		for _, p := range tree {
			_ = syscall.Kill(p.Pid, syscall.SIGKILL)
		}
	}()
	var sh, sleep Stat
	for _, p := range tree {
		switch p.PPid {
		case os.Getpid():
			sh = p
		case cmd.Process.Pid:
			sleep = p
		}
	}
	if sh.Pid != cmd.Process.Pid || sleep.Pid == 0 || sleep.Session == self.Session || sleep.Session != sleep.Pid {
		t.Fatalf("descendants %+v: want the shell, and its sleep leading a session of its own", tree)
	}
	if got := EnvValue(sleep.Pid, "PROCFS_TEST"); got != "marked" {
		t.Errorf("EnvValue = %q", got)
	}
	for _, p := range tree {
		_ = syscall.Kill(p.Pid, syscall.SIGKILL)
	}
	if left := Survivors(tree, 5*time.Second); len(left) != 0 {
		t.Errorf("survivors of SIGKILL: %+v", left)
	}
}

// sleeping reports whether a child of parent in tree leads a session and
// has the environment it was started with: the sleep, exec'd.
func sleeping(tree []Stat, parent int) bool {
	for _, p := range tree {
		if p.PPid == parent && p.Session == p.Pid && EnvValue(p.Pid, "PROCFS_TEST") == "marked" {
			return true
		}
	}
	return false
}
