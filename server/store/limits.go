package store

import "errors"

// Limits on how much the store keeps. Each bounds what one listing sends
// back (every revision of an environment is in ListApplications) or what
// a runner is started with (every secret of its environment is one of its
// environment variables), so that no caller can make the controller keep,
// or every client receive, an unbounded amount. A local controller needs
// far less than any of them.
const (
	MaxEnvironments = 100
	// MaxRevisionsPerEnv counts the revisions of every app of an
	// environment; aliases point at them, so it bounds aliases too.
	MaxRevisionsPerEnv = 1000
	MaxSecretsPerEnv   = 200
	// MaxSecretBytesPerEnv bounds the names and values of an
	// environment's secrets together: Linux refuses to start a process
	// whose environment passes a quarter of its stack limit (2 MiB by
	// default), and the runner's own variables need room too.
	MaxSecretBytesPerEnv = 1 << 20
)

// ErrLimit is wrapped by the errors of writes that would pass one of the
// limits above; the message names the limit.
var ErrLimit = errors.New("limit reached")

// limits are the bounds a Store enforces: the constants above, smaller in
// tests.
type limits struct {
	environments, revisionsPerEnv, secretsPerEnv, secretBytesPerEnv int
}

var defaultLimits = limits{
	environments:      MaxEnvironments,
	revisionsPerEnv:   MaxRevisionsPerEnv,
	secretsPerEnv:     MaxSecretsPerEnv,
	secretBytesPerEnv: MaxSecretBytesPerEnv,
}
