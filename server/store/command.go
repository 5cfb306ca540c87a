package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Command is the argv the revision's runners start: its metadata's
// "command" entry when it has one (an argv, as `faldash deploy -- COMMAND
// ARGS` sends it), else its entrypoint run as `/bin/sh -c ENTRYPOINT`.
// The controller checks a deploy with this same function before it stores
// the revision, and the supervisor starts runners with it, so whatever was
// accepted can be started. A "command" that is not a non-empty list of
// strings with a non-empty program, or any part that holds a NUL byte
// (exec refuses those), is an error saying which part is wrong.
func (r Revision) Command() ([]string, error) {
	meta, err := r.meta()
	if err != nil {
		return nil, err
	}
	raw, ok := meta["command"]
	if !ok || raw == nil {
		switch {
		case strings.TrimSpace(r.Entrypoint) == "":
			return nil, errors.New("the entrypoint is empty and the metadata has no command")
		case strings.IndexByte(r.Entrypoint, 0) >= 0:
			return nil, errors.New("the entrypoint holds a NUL byte")
		}
		return []string{"/bin/sh", "-c", r.Entrypoint}, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("metadata's command must be a list of strings (an argv), not %s", jsonKind(raw))
	}
	if len(list) == 0 {
		return nil, errors.New("metadata's command is an empty list: it needs at least the program")
	}
	argv := make([]string, len(list))
	for i, v := range list {
		s, ok := v.(string)
		switch {
		case !ok:
			return nil, fmt.Errorf("metadata's command[%d] is %s, not a string", i, jsonKind(v))
		case i == 0 && s == "":
			return nil, errors.New("metadata's command[0], the program, is empty")
		case strings.IndexByte(s, 0) >= 0:
			return nil, fmt.Errorf("metadata's command[%d] holds a NUL byte", i)
		}
		argv[i] = s
	}
	return argv, nil
}

// MaxWorkDir bounds the working directory a revision names (Linux's
// PATH_MAX).
const MaxWorkDir = 4096

// WorkDir is the directory the revision's runners start in: its
// metadata's "working_dir" entry, which `faldash deploy` sets to the
// directory it ran in, so that `-- python serve.py` finds serve.py as it
// would in that shell. "" (no entry) means each runner's own directory.
// An entry that is not an absolute path without NUL bytes is an error.
func (r Revision) WorkDir() (string, error) {
	meta, err := r.meta()
	if err != nil {
		return "", err
	}
	raw, ok := meta["working_dir"]
	if !ok || raw == nil {
		return "", nil
	}
	dir, ok := raw.(string)
	switch {
	case !ok:
		return "", fmt.Errorf("metadata's working_dir must be a string, not %s", jsonKind(raw))
	case !strings.HasPrefix(dir, "/"):
		return "", fmt.Errorf("metadata's working_dir %q is not an absolute path", dir)
	case len(dir) > MaxWorkDir:
		return "", fmt.Errorf("metadata's working_dir is %d bytes, over the limit of %d", len(dir), MaxWorkDir)
	case strings.IndexByte(dir, 0) >= 0:
		return "", errors.New("metadata's working_dir holds a NUL byte")
	}
	return dir, nil
}

// meta is the revision's metadata; none is an empty object.
func (r Revision) meta() (map[string]any, error) {
	var meta map[string]any
	if len(r.Metadata) > 0 {
		if err := json.Unmarshal(r.Metadata, &meta); err != nil {
			return nil, fmt.Errorf("metadata is not a JSON object: %w", err)
		}
	}
	return meta, nil
}

// jsonKind names the JSON type of a decoded value, for an error.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
