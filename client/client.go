// Package client is faldash's view of fal's control plane: domain types,
// one Client interface covering every call faldash makes, and its gRPC
// implementation for fal cloud and the embedded local controller alike.
//
// Callers deal in (app name, environment); full aliases such as
// `my-app--staging` are built and split only inside this package (through
// package names).
package client

import (
	"context"
	"strings"

	"github.com/faldash/faldash/internal/names"
)

// Client is every control-plane call faldash makes. Environment arguments
// may be empty, meaning main. Errors are *Error values.
type Client interface {
	ListEnvironments(ctx context.Context) ([]Environment, error)
	CreateEnvironment(ctx context.Context, name, description string) (Environment, error)
	DeleteEnvironment(ctx context.Context, name string) error

	// ListApps lists the apps (aliases) of env.
	ListApps(ctx context.Context, env string) ([]App, error)
	// ListRevisions lists the registered revisions of app in env; an empty
	// app lists every revision in env.
	ListRevisions(ctx context.Context, env, app string) ([]Revision, error)
	// UpdateApp changes the set fields of spec and returns the app after.
	UpdateApp(ctx context.Context, env, app string, spec ScaleSpec) (App, error)
	RolloutApp(ctx context.Context, env, app string, force bool) error
	// SetAlias points app in env at rev (creating the alias if needed).
	SetAlias(ctx context.Context, env, app string, rev RevisionID, mode *AuthMode, strategy *Strategy) (App, error)
	// DeleteAlias removes app's alias in env and returns the revision it
	// pointed at.
	DeleteAlias(ctx context.Context, env, app string) (RevisionID, error)
	// DeleteRevision deletes one registered revision (fal's
	// DeleteApplication).
	DeleteRevision(ctx context.Context, rev RevisionID) error

	// SetSecret sets name to value in env; defaultExposed, when not nil,
	// sets whether the secret is exposed by default (nil keeps the
	// controller's default, or the current value on overwrite).
	// UnsetSecret deletes it.
	SetSecret(ctx context.Context, env, name, value string, defaultExposed *bool) error
	UnsetSecret(ctx context.Context, env, name string) error
	ListSecrets(ctx context.Context, env string) ([]Secret, error)

	// ListAppRunners lists the runners of app in env.
	ListAppRunners(ctx context.Context, env, app string, q RunnerQuery) ([]Runner, error)
	// ListRunners lists every runner of the account.
	ListRunners(ctx context.Context, q RunnerQuery) ([]Runner, error)
	// StopRunner stops a runner gracefully (drain, then signal); with
	// replaceFirst a replacement becomes ready first.
	StopRunner(ctx context.Context, id RunnerID, replaceFirst bool) error
	// KillRunner ends a runner at once.
	KillRunner(ctx context.Context, id RunnerID) error

	// Deploy registers a new revision; onLog, if not nil, is called for each
	// streamed log line, in order, before Deploy returns.
	Deploy(ctx context.Context, req DeployRequest, onLog func(LogLine)) (DeployResult, error)

	// RunnerLogs reads a runner's logs through fal's REST API
	// (/logs/history, then /logs/stream when q.Follow): the newest q.Tail
	// lines in q's range, oldest first, and with Follow every later line
	// until ctx ends. A client without a REST API address answers
	// ErrUnsupported.
	RunnerLogs(ctx context.Context, id RunnerID, q LogQuery) (LogStream, error)
	// RunnerInfo is fal's REST /runners/{id}: when the runner started and
	// ended. An unknown runner is ErrNotFound.
	RunnerInfo(ctx context.Context, id RunnerID) (RunnerInfo, error)
	// QueueSize is the number of requests waiting for app in env (fal's
	// REST /applications/{user}/{alias}/queue).
	QueueSize(ctx context.Context, env, app string) (QueueSize, error)
	// CurrentUser is the account calls act as (fal's REST /users/current).
	CurrentUser(ctx context.Context) (User, error)

	// Shell opens a session on runner id (fal's ShellRunner): req's
	// command, or an interactive shell, on a terminal or plain pipes.
	Shell(ctx context.Context, id RunnerID, req ShellRequest) (Shell, error)

	// Target says what this client talks to, for the header.
	Target() Target
	Close() error
}

// LogStream yields log lines in order, oldest first; Recv returns io.EOF
// after the last one, or ctx's error once the context given to RunnerLogs
// ends.
type LogStream interface {
	Recv() (LogLine, error)
}

// Target describes the control plane a client is connected to.
type Target struct {
	Kind TargetKind
	// Addr is the host:port or unix socket path dialled.
	Addr string
	// User is the account's nickname, when known (used in endpoint URLs).
	User string
	// GatewayURL is the base URL a local controller serves its apps at;
	// empty means fal cloud's https://fal.run, unless NoGateway.
	GatewayURL string
	// NoGateway: the controller said it serves its apps nowhere (`faldash
	// serve --gateway off`), so they have no endpoint URL.
	NoGateway bool
	// RESTURL is the base URL of fal's REST API (logs, queue, runner info,
	// current user); empty when unknown.
	RESTURL string
	// Account is who calls act as, for the header: a team's nickname, the
	// signed-in user's, or empty when only a key is known.
	Account string
}

// EndpointURL is the URL app in env is called at on this target, ""
// when NoGateway.
func (t Target) EndpointURL(app, env string) string {
	if t.NoGateway {
		return ""
	}
	user := t.User
	if user == "" {
		user = "local"
	}
	if t.GatewayURL == "" {
		return names.EndpointURL(user, app, env)
	}
	return strings.TrimSuffix(t.GatewayURL, "/") + "/" + user + "/" + names.Alias(app, env)
}

// TargetKind tells fal cloud from a local controller.
type TargetKind int

const (
	TargetCloud TargetKind = iota // fal cloud (or any TLS host)
	TargetLocal                   // an embedded or `faldash serve` controller
	TargetDemo                    // a throwaway seeded local controller
)

func (k TargetKind) String() string {
	switch k {
	case TargetCloud:
		return "fal cloud"
	case TargetLocal:
		return "local"
	case TargetDemo:
		return "demo"
	}
	return "unknown"
}
