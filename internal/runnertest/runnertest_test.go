package runnertest

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

func TestMain(m *testing.M) {
	Main(m, map[string]func([]string) int{"exit": func(args []string) int {
		n, _ := strconv.Atoi(args[0])
		return n
	}})
}

// The test binary started with a mode's name runs that mode with the
// arguments after it, and exits with its status instead of testing.
func TestModeRunsInPlaceOfTheTests(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	err = exec.Command(exe, "exit", "7").Run()
	if code := exitCode(err); code != 7 {
		t.Errorf("mode exit 7 ended with %d (%v)", code, err)
	}
}

func exitCode(err error) int {
	if e, ok := err.(*exec.ExitError); ok {
		return e.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
