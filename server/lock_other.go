//go:build !unix

package server

// lockDir is a no-op where flock is missing; running two controllers on one
// data directory is then the user's care.
func lockDir(string) (func() error, error) { return func() error { return nil }, nil }
