// Package cmdline is how a local app's command travels in a revision:
// the argv in the revision's metadata (what the runner supervisor runs),
// and the same command as a readable shell line in its entrypoint (what
// people see, and what runs through /bin/sh -c when metadata has none).
package cmdline

import "strings"

// MetadataKey is the revision metadata entry holding the argv.
const MetadataKey = "command"

// Metadata is a revision's metadata for argv, in the JSON-compatible form
// fal's metadata Struct takes.
func Metadata(argv []string) map[string]any {
	list := make([]any, len(argv))
	for i, a := range argv {
		list[i] = a
	}
	return map[string]any{MetadataKey: list}
}

// Join quotes each argument for a POSIX shell only when it needs it, so
// `python app.py --port 8080` reads as typed and `sh -c 'echo $X'` keeps
// its meaning when run with /bin/sh -c.
func Join(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		parts[i] = Quote(a)
	}
	return strings.Join(parts, " ")
}

// Quote returns s as one shell word.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, unsafe) < 0 {
		return s
	}
	// Inside single quotes nothing is special but the quote itself, which
	// is closed, escaped and reopened.
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func unsafe(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return false
	}
	return !strings.ContainsRune("_@%+=:,./-", r)
}
