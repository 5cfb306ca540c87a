package supervisor

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/faldash/faldash/server/store"
)

// command is the argv a revision's runners start (see the package comment).
func command(rev store.Revision) ([]string, error) {
	var meta map[string]any
	if len(rev.Metadata) > 0 {
		if err := json.Unmarshal(rev.Metadata, &meta); err != nil {
			return nil, fmt.Errorf("revision %s: metadata is not a JSON object: %w", rev.ID, err)
		}
	}
	raw, ok := meta["command"]
	if !ok || raw == nil {
		if strings.TrimSpace(rev.Entrypoint) == "" {
			return nil, fmt.Errorf("revision %s has no entrypoint", rev.ID)
		}
		return []string{"/bin/sh", "-c", rev.Entrypoint}, nil
	}
	list, ok := raw.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("revision %s: metadata's command must be a non-empty list of strings", rev.ID)
	}
	argv := make([]string, len(list))
	for i, v := range list {
		s, ok := v.(string)
		if !ok || (i == 0 && s == "") {
			return nil, fmt.Errorf("revision %s: metadata's command must be a non-empty list of strings", rev.ID)
		}
		argv[i] = s
	}
	return argv, nil
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
	for name, value := range secrets {
		if name == "" || strings.ContainsAny(name, "=\x00") || strings.ContainsRune(value, 0) {
			// The store's names cannot hold these; a value with NUL would
			// make exec fail for every runner of the environment.
			return nil, errors.New("a secret of this environment cannot be passed as an environment variable (NUL byte or bad name)")
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
