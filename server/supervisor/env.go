package supervisor

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/faldash/faldash/server/store"
)

// command is the argv a revision's runners start and the directory they
// start in, "" for their own (see the package comment, and
// store.Revision's Command and WorkDir, which the controller also checks
// deploys with).
func command(rev store.Revision) (argv []string, dir string, err error) {
	argv, err = rev.Command()
	if err == nil {
		dir, err = rev.WorkDir()
	}
	if err != nil {
		return nil, "", fmt.Errorf("revision %s: %w", rev.ID, err)
	}
	return argv, dir, nil
}

// inherited reports whether a variable of the controller's own
// environment passes into runners.
func inherited(name string) bool {
	switch name {
	case "PATH", "HOME", "LANG", "TMPDIR":
		return true
	}
	return strings.HasPrefix(name, "LC_")
}

// runnerEnv builds a runner's whole environment from the controller's
// (filtered), the environment's secrets and the platform variables, each
// layer overriding the one before. The result is sorted, one entry per
// name.
func runnerEnv(environ []string, secrets, platform map[string]string) ([]string, error) {
	vars := make(map[string]string)
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if ok && inherited(name) {
			vars[name] = value
		}
	}
	for _, name := range slices.Sorted(maps.Keys(secrets)) {
		value := secrets[name]
		// SetSecret refuses both since names.ValidateSecret and
		// names.ValidateSecretValue do; a store written before that may
		// still hold one, and exec would fail for every runner.
		if name == "" || strings.ContainsAny(name, "=\x00") {
			return nil, fmt.Errorf("secret %q of this environment is not an environment variable name; unset it", name)
		}
		if strings.IndexByte(value, 0) >= 0 {
			return nil, fmt.Errorf("secret %q of this environment holds a NUL byte, which no environment variable can carry; set it again without one", name)
		}
		vars[name] = value
	}
	maps.Copy(vars, platform)
	out := make([]string, 0, len(vars))
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		out = append(out, name+"="+vars[name])
	}
	return out, nil
}
