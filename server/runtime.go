package server

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/server/store"
)

// AppRef names an app (one alias) in one environment.
type AppRef = store.AppRef

// ErrNoRunner is what a Runtime wraps when asked about a runner id it does
// not know; the controller answers NOT_FOUND.
var ErrNoRunner = errors.New("no such runner")

// Runtime runs the runner processes of the controller's apps. The store
// holds what should run (aliases, their revisions and scaling); a Runtime
// makes it so and reports what does run. Config.Runtime nil means no
// runners at all: listings are empty and every runner id is unknown.
//
// The controller calls a Runtime only after the change it reports has been
// committed, so a Runtime that reads State sees it. Methods other than
// Start and Stop must not block on process start-up or shutdown: they
// record the wish and return, and the Runtime's own loop carries it out.
// An error that wraps ErrNoRunner becomes NOT_FOUND; one that carries a
// gRPC status keeps it; anything else becomes INTERNAL.
type Runtime interface {
	// Start is called once by Open, after the store is ready and before
	// any call is served. The Runtime reconciles processes a previous run
	// left behind and starts what the store asks for.
	Start(ctx context.Context, host Host) error
	// Stop is called once by Close, after the gRPC server has stopped; it
	// ends every runner (signal, grace period, kill) before returning.
	Stop(ctx context.Context) error

	// AppChanged says an alias was created, pointed at another revision,
	// or had its scaling or auth mode changed: reconcile its runners with
	// State.
	AppChanged(ctx context.Context, app AppRef) error
	// AppRemoved says an alias is gone (deleted, or its environment was):
	// stop its runners.
	AppRemoved(ctx context.Context, app AppRef) error
	// Rollout replaces the app's runners with new ones of the alias's
	// current revision; force replaces them without draining first.
	Rollout(ctx context.Context, app AppRef, force bool) error

	// Runners lists runners matching f, as fal reports them.
	Runners(f RunnerFilter) []*falpb.RunnerInfo
	// StopRunner stops a runner gracefully: it drains, then gets the
	// shutdown signal; with replaceFirst a replacement is ready first.
	StopRunner(ctx context.Context, id string, replaceFirst bool) error
	// KillRunner ends a runner at once.
	KillRunner(ctx context.Context, id string) error
	// Rolling reports whether a rolling deployment of app is in progress.
	Rolling(app AppRef) bool
}

// RunnerFilter narrows Runtime.Runners. Runners that are PENDING are
// listed only with IncludePending; TERMINATED ones only when they ended at
// or after TerminatedSince (zero: never).
type RunnerFilter struct {
	// App, when set, keeps only that app's runners.
	App *AppRef
	// Env, when set (and App is not), keeps only that environment's.
	Env             string
	IncludePending  bool
	TerminatedSince time.Time
}

// Host is what the controller hands a Runtime at Start.
type Host struct {
	State   State
	Keys    *Keyring // to add a scoped key runners get as FAL_KEY
	DataDir string
	User    string
	// GatewayURL is Config.GatewayURL: where the app endpoints are served.
	GatewayURL string
	Logger     *slog.Logger
	Now        func() time.Time
}

// State is the committed desired state, read-only, as a Runtime needs it.
type State interface {
	// Deployment returns app's alias and the revision it points at; an
	// app that no longer exists gives an error wrapping store.ErrNotFound.
	Deployment(ctx context.Context, app AppRef) (Deployment, error)
	// Deployments returns every alias of every environment.
	Deployments(ctx context.Context) ([]Deployment, error)
	// SecretValues returns env's secrets, name → value, for the runners'
	// environment variables.
	SecretValues(ctx context.Context, env string) (map[string]string, error)
}

// Deployment is an alias with the revision it serves.
type Deployment = store.Deployment

// storeState implements State over the store.
type storeState struct{ st *store.Store }

func (s storeState) Deployment(ctx context.Context, app AppRef) (Deployment, error) {
	return s.st.Deployment(ctx, app)
}

func (s storeState) Deployments(ctx context.Context) ([]Deployment, error) {
	return s.st.Deployments(ctx)
}

func (s storeState) SecretValues(ctx context.Context, env string) (map[string]string, error) {
	return s.st.SecretValues(ctx, env)
}
