//go:build !unix

package client

import "context"

// lockFile does not lock where flock is missing: fal's own lock degrades
// the same way when portalocker is unavailable, and the token file is
// still replaced whole by a rename.
func lockFile(context.Context, string, func()) (func(), error) { return func() {}, nil }
