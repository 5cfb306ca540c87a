package demo

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestSweepRemovesDeadDemosOnly: of a live demo's directory, a dead
// one's (its lock released, as the kernel does when a process dies), one
// without a lock file and a directory that is not a demo's, the sweep
// removes only the dead demo's.
func TestSweepRemovesDeadDemosOnly(t *testing.T) {
	parent := t.TempDir()
	live, owner, err := makeDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	b, err := os.ReadFile(filepath.Join(live, ownerFile))
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("the owner file says %q (%v), want this pid", b, err)
	}
	dead, deadOwner, err := makeDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dead, "data", "pids"), 0o700); err != nil {
		t.Fatal(err)
	}
	deadOwner.Close()
	unknown := filepath.Join(parent, dirPrefix+"unknown")
	other := filepath.Join(parent, "something-else")
	for _, d := range []string{unknown, other} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}

	removed, err := sweep(parent)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, []string{dead}) {
		t.Errorf("removed %q, want only %q", removed, dead)
	}
	for _, d := range []string{live, unknown, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the dead demo's directory: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(parent, "."+dirPrefix+"*"))
	if len(left) != 0 {
		t.Errorf("directories left half made: %q", left)
	}
}
