// Package fakeclient is a client.Client test double for the TUI's tests: it
// answers listings from canned data, returns the errors a test sets, and
// records every call with its arguments. It is safe for concurrent use, so
// a test can run the dashboard's commands on other goroutines.
package fakeclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
)

// Call is one recorded call. Env and App are the environment and app (or
// secret name, or runner id) the call names; the other fields are set by
// the calls that take them.
type Call struct {
	Method       string
	Env          string
	App          string
	Query        client.RunnerQuery
	Description  string            // CreateEnvironment
	Spec         client.ScaleSpec  // UpdateApp
	Force        bool              // RolloutApp
	ReplaceFirst bool              // StopRunner
	Revision     client.RevisionID // SetAlias, DeleteRevision
	// ValueDigest is Digest of the value SetSecret was given: a test can
	// check the value sent without the double keeping it.
	ValueDigest string
	// Exposed is SetSecret's defaultExposed.
	Exposed *bool
	// Logs is RunnerLogs' query.
	Logs client.LogQuery
}

// Digest is the SHA-256 of a secret value, in hex, as Call.ValueDigest
// holds it.
func Digest(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

// Client is the double. The zero value is not usable; call New.
type Client struct {
	mu       sync.Mutex
	target   client.Target
	envs     []client.Environment
	apps     map[string][]client.App      // by environment
	runners  map[string][]client.Runner   // by alias
	secrets  map[string][]client.Secret   // by environment
	revs     map[string][]client.Revision // by alias
	logs     map[client.RunnerID][]client.LogLine
	queues   map[string]int // by alias; nil until SetQueue
	infos    map[client.RunnerID]client.RunnerInfo
	errs     map[string]error // by method
	calls    []Call
	gate     chan struct{}
	inFlight int
	maxIn    int
}

// New returns an empty double that reports target.
func New(target client.Target) *Client {
	return &Client{
		target:  target,
		apps:    map[string][]client.App{},
		runners: map[string][]client.Runner{},
		secrets: map[string][]client.Secret{},
		revs:    map[string][]client.Revision{},
		logs:    map[client.RunnerID][]client.LogLine{},
		errs:    map[string]error{},
	}
}

// SetLogs gives runner id's log lines, oldest first. RunnerLogs yields
// those its query selects, then, following, waits for its context to end
// as a live runner's log does.
func (c *Client) SetLogs(id client.RunnerID, lines ...client.LogLine) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logs[id] = lines
}

// SetQueue makes QueueSize of app in env answer n. Until it is first
// called QueueSize answers ErrUnsupported, as a controller without fal's
// REST API does; after, an app without a size has an empty queue.
func (c *Client) SetQueue(env, app string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.queues == nil {
		c.queues = map[string]int{}
	}
	c.queues[names.Alias(app, env)] = n
}

// SetRunnerInfo makes RunnerInfo of info.ID answer info. Until it is
// first called RunnerInfo answers ErrUnsupported; after, an unknown runner
// is ErrNotFound.
func (c *Client) SetRunnerInfo(info client.RunnerInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.infos == nil {
		c.infos = map[client.RunnerID]client.RunnerInfo{}
	}
	c.infos[info.ID] = info
}

// selectLogs applies q's range, search and tail to lines, as fal's
// /logs/history does.
func selectLogs(lines []client.LogLine, q client.LogQuery) []client.LogLine {
	var out []client.LogLine
	for _, l := range lines {
		switch {
		case !q.Since.IsZero() && l.Time.Before(q.Since),
			!q.Until.IsZero() && l.Time.After(q.Until),
			q.Search != "" && !strings.Contains(l.Message, q.Search):
			continue
		}
		out = append(out, l)
	}
	if q.Tail > 0 && len(out) > q.Tail {
		out = out[len(out)-q.Tail:]
	}
	return out
}

// logStream yields its lines, then io.EOF, or when it follows, ctx's
// error once ctx ends.
type logStream struct {
	ctx    context.Context
	lines  []client.LogLine
	follow bool
}

func (s *logStream) Recv() (client.LogLine, error) {
	if len(s.lines) > 0 {
		l := s.lines[0]
		s.lines = s.lines[1:]
		return l, nil
	}
	if !s.follow {
		return client.LogLine{}, io.EOF
	}
	<-s.ctx.Done()
	return client.LogLine{}, s.ctx.Err()
}

var _ client.Client = (*Client)(nil)

// SetEnvironments, SetApps, SetRunners and SetSecrets replace canned data.
func (c *Client) SetEnvironments(envs ...client.Environment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.envs = slices.Clone(envs)
}

func (c *Client) SetApps(env string, apps ...client.App) {
	setCanned(c, c.apps, names.Env(env), apps)
}

func (c *Client) SetRunners(env, app string, runners ...client.Runner) {
	setCanned(c, c.runners, names.Alias(app, env), runners)
}

func (c *Client) SetSecrets(env string, secrets ...client.Secret) {
	setCanned(c, c.secrets, names.Env(env), secrets)
}

// SetRevisions replaces the revisions ListRevisions gives for app in env.
func (c *Client) SetRevisions(env, app string, revs ...client.Revision) {
	setCanned(c, c.revs, names.Alias(app, env), revs)
}

// setCanned replaces the list m keeps under key with a copy of vs. The
// maps are made by New and never replaced, so m may be read unlocked.
func setCanned[V any](c *Client, m map[string][]V, key string, vs []V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m[key] = slices.Clone(vs)
}

// Fail makes method (e.g. "ListApps") return err until Fail(method, nil).
func (c *Client) Fail(method string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		delete(c.errs, method)
		return
	}
	c.errs[method] = err
}

// FailAll makes every listing return err (a controller gone away), or
// succeed again with nil.
func (c *Client) FailAll(err error) {
	for _, m := range []string{"ListEnvironments", "ListApps", "ListAppRunners", "ListRunners", "ListSecrets", "ListRevisions"} {
		c.Fail(m, err)
	}
}

// Hold makes every listing wait until Release (or its context ends), so a
// test can observe calls in flight.
func (c *Client) Hold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gate == nil {
		c.gate = make(chan struct{})
	}
}

// Release lets held listings return.
func (c *Client) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gate != nil {
		close(c.gate)
		c.gate = nil
	}
}

// Calls returns the recorded calls, oldest first.
func (c *Client) Calls() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

// CallsTo returns the recorded calls of one method.
func (c *Client) CallsTo(method string) []Call {
	var out []Call
	for _, call := range c.Calls() {
		if call.Method == method {
			out = append(out, call)
		}
	}
	return out
}

// Reset forgets the recorded calls.
func (c *Client) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = nil
	c.maxIn = c.inFlight
}

// MaxInFlight is the largest number of calls that were running at once.
func (c *Client) MaxInFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxIn
}

// InFlight is the number of calls running now.
func (c *Client) InFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inFlight
}

// begin records a call and waits at the gate; the returned func ends it.
func (c *Client) begin(ctx context.Context, call Call) (func(), error) {
	c.mu.Lock()
	c.calls = append(c.calls, call)
	c.inFlight++
	c.maxIn = max(c.maxIn, c.inFlight)
	gate, err := c.gate, c.errs[call.Method]
	c.mu.Unlock()
	end := func() {
		c.mu.Lock()
		c.inFlight--
		c.mu.Unlock()
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return end, &client.Error{Kind: client.Other, Op: call.Method, Err: ctx.Err()}
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	return end, err
}

// answer records call and, unless it fails (see begin), answers what read
// gives, read with mu held.
func answer[T any](ctx context.Context, c *Client, call Call, read func() (T, error)) (T, error) {
	end, err := c.begin(ctx, call)
	defer end()
	if err != nil {
		var zero T
		return zero, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return read()
}

// act is answer for the calls that answer only an error.
func act(ctx context.Context, c *Client, call Call, apply func() error) error {
	_, err := answer(ctx, c, call, func() (struct{}, error) { return struct{}{}, apply() })
	return err
}

func (c *Client) ListEnvironments(ctx context.Context) ([]client.Environment, error) {
	return answer(ctx, c, Call{Method: "ListEnvironments"}, func() ([]client.Environment, error) {
		return slices.Clone(c.envs), nil
	})
}

func (c *Client) ListApps(ctx context.Context, env string) ([]client.App, error) {
	return answer(ctx, c, Call{Method: "ListApps", Env: env}, func() ([]client.App, error) {
		apps, ok := c.apps[names.Env(env)]
		if !ok && !c.hasEnv(env) {
			return nil, &client.Error{Kind: client.NotFound, Op: "list apps of " + names.Env(env), Msg: "environment " + names.Env(env) + " not found"}
		}
		return slices.Clone(apps), nil
	})
}

func (c *Client) ListAppRunners(ctx context.Context, env, app string, q client.RunnerQuery) ([]client.Runner, error) {
	return answer(ctx, c, Call{Method: "ListAppRunners", Env: env, App: app, Query: q}, func() ([]client.Runner, error) {
		var out []client.Runner
		for _, r := range c.runners[names.Alias(app, env)] {
			if r.State == client.StateTerminated && q.TerminatedSince.IsZero() {
				continue
			}
			out = append(out, r)
		}
		return out, nil
	})
}

func (c *Client) ListRunners(ctx context.Context, q client.RunnerQuery) ([]client.Runner, error) {
	return answer(ctx, c, Call{Method: "ListRunners", Query: q}, func() ([]client.Runner, error) {
		var out []client.Runner
		for _, rs := range c.runners {
			out = append(out, rs...)
		}
		return out, nil
	})
}

func (c *Client) ListSecrets(ctx context.Context, env string) ([]client.Secret, error) {
	return answer(ctx, c, Call{Method: "ListSecrets", Env: env}, func() ([]client.Secret, error) {
		return slices.Clone(c.secrets[names.Env(env)]), nil
	})
}

func (c *Client) ListRevisions(ctx context.Context, env, app string) ([]client.Revision, error) {
	return answer(ctx, c, Call{Method: "ListRevisions", Env: env, App: app}, func() ([]client.Revision, error) {
		return slices.Clone(c.revs[names.Alias(app, env)]), nil
	})
}

// hasEnv must be called with mu held.
func (c *Client) hasEnv(env string) bool {
	return slices.ContainsFunc(c.envs, func(e client.Environment) bool { return e.Name == names.Env(env) })
}

// The mutating calls are recorded with their arguments and otherwise do
// nothing, except UpdateApp, which applies the change to the canned app so
// that its answer is the app after, as a controller's is. Tests of actions
// set errors with Fail or check the recorded calls.

func (c *Client) CreateEnvironment(ctx context.Context, name, description string) (client.Environment, error) {
	return answer(ctx, c, Call{Method: "CreateEnvironment", Env: name, Description: description}, func() (client.Environment, error) {
		e := client.Environment{Name: name, Description: description}
		c.envs = append(c.envs, e)
		c.apps[name] = nil
		return e, nil
	})
}

// DeleteEnvironment removes the environment with its apps, runners and
// secrets, as a controller does.
func (c *Client) DeleteEnvironment(ctx context.Context, name string) error {
	return act(ctx, c, Call{Method: "DeleteEnvironment", Env: name}, func() error {
		c.envs = slices.DeleteFunc(c.envs, func(e client.Environment) bool { return e.Name == name })
		for _, a := range c.apps[name] {
			delete(c.runners, names.Alias(a.Name, name))
		}
		delete(c.apps, name)
		delete(c.secrets, name)
		return nil
	})
}

func (c *Client) UpdateApp(ctx context.Context, env, app string, spec client.ScaleSpec) (client.App, error) {
	return answer(ctx, c, Call{Method: "UpdateApp", Env: env, App: app, Spec: cloneSpec(spec)}, func() (client.App, error) {
		apps := c.apps[names.Env(env)]
		for i, a := range apps {
			if a.Name == app {
				apps[i].Scaling = spec.Apply(a.Scaling)
				return apps[i], nil
			}
		}
		return client.App{Name: app, Env: env, Scaling: spec.Apply(client.App{}.Scaling)}, nil
	})
}

func cloneSpec(s client.ScaleSpec) client.ScaleSpec {
	ptr := func(v *int) *int {
		if v == nil {
			return nil
		}
		n := *v
		return &n
	}
	return client.ScaleSpec{
		MinConcurrency: ptr(s.MinConcurrency), MaxConcurrency: ptr(s.MaxConcurrency),
		MaxMultiplexing: ptr(s.MaxMultiplexing), KeepAlive: ptr(s.KeepAlive),
		ConcurrencyBuffer: ptr(s.ConcurrencyBuffer), ConcurrencyBufferPerc: ptr(s.ConcurrencyBufferPerc),
		ScalingDelay: ptr(s.ScalingDelay), RequestTimeout: ptr(s.RequestTimeout), StartupTimeout: ptr(s.StartupTimeout),
		MachineTypes: slices.Clone(s.MachineTypes), Regions: slices.Clone(s.Regions),
	}
}

func (c *Client) RolloutApp(ctx context.Context, env, app string, force bool) error {
	end, err := c.begin(ctx, Call{Method: "RolloutApp", Env: env, App: app, Force: force})
	defer end()
	return err
}

func (c *Client) SetAlias(ctx context.Context, env, app string, rev client.RevisionID, mode *client.AuthMode, strategy *client.Strategy) (client.App, error) {
	end, err := c.begin(ctx, Call{Method: "SetAlias", Env: env, App: app, Revision: rev})
	defer end()
	return client.App{Name: app, Env: env, Revision: rev}, err
}

func (c *Client) DeleteAlias(ctx context.Context, env, app string) (client.RevisionID, error) {
	return answer(ctx, c, Call{Method: "DeleteAlias", Env: env, App: app}, func() (client.RevisionID, error) {
		var rev client.RevisionID
		c.apps[names.Env(env)] = slices.DeleteFunc(c.apps[names.Env(env)], func(a client.App) bool {
			if a.Name == app {
				rev = a.Revision
				return true
			}
			return false
		})
		delete(c.runners, names.Alias(app, env))
		return rev, nil
	})
}

func (c *Client) DeleteRevision(ctx context.Context, rev client.RevisionID) error {
	end, err := c.begin(ctx, Call{Method: "DeleteRevision", Revision: rev})
	defer end()
	return err
}

// SetSecret records the name and the value's digest only: a test double
// must not keep values either. It lists the secret from then on.
func (c *Client) SetSecret(ctx context.Context, env, name, value string, defaultExposed *bool) error {
	return act(ctx, c, Call{Method: "SetSecret", Env: env, App: name, ValueDigest: Digest(value), Exposed: defaultExposed}, func() error {
		e := names.Env(env)
		if !slices.ContainsFunc(c.secrets[e], func(s client.Secret) bool { return s.Name == name }) {
			c.secrets[e] = append(c.secrets[e], client.Secret{Name: name, Env: e})
		}
		return nil
	})
}

func (c *Client) UnsetSecret(ctx context.Context, env, name string) error {
	return act(ctx, c, Call{Method: "UnsetSecret", Env: env, App: name}, func() error {
		e := names.Env(env)
		c.secrets[e] = slices.DeleteFunc(c.secrets[e], func(s client.Secret) bool { return s.Name == name })
		return nil
	})
}

func (c *Client) StopRunner(ctx context.Context, id client.RunnerID, replaceFirst bool) error {
	end, err := c.begin(ctx, Call{Method: "StopRunner", App: string(id), ReplaceFirst: replaceFirst})
	defer end()
	return err
}

func (c *Client) KillRunner(ctx context.Context, id client.RunnerID) error {
	end, err := c.begin(ctx, Call{Method: "KillRunner", App: string(id)})
	defer end()
	return err
}

func (c *Client) Deploy(ctx context.Context, req client.DeployRequest, onLog func(client.LogLine)) (client.DeployResult, error) {
	end, err := c.begin(ctx, Call{Method: "Deploy", Env: req.Env, App: req.App})
	defer end()
	return client.DeployResult{}, err
}

// RunnerLogs answers with the error set by Fail("RunnerLogs", ...); else
// with the lines given to SetLogs for id that q selects; else
// ErrUnsupported, as a controller without fal's REST API does.
func (c *Client) RunnerLogs(ctx context.Context, id client.RunnerID, q client.LogQuery) (client.LogStream, error) {
	end, err := c.begin(ctx, Call{Method: "RunnerLogs", App: string(id), Logs: q})
	defer end()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	lines, ok := c.logs[id]
	c.mu.Unlock()
	if !ok {
		return nil, unsupported("logs of runner " + string(id))
	}
	return &logStream{ctx: ctx, lines: selectLogs(lines, q), follow: q.Follow}, nil
}

// RunnerInfo answers the error set by Fail, else what SetRunnerInfo gave.
func (c *Client) RunnerInfo(ctx context.Context, id client.RunnerID) (client.RunnerInfo, error) {
	return answer(ctx, c, Call{Method: "RunnerInfo", App: string(id)}, func() (client.RunnerInfo, error) {
		if c.infos == nil {
			return client.RunnerInfo{}, unsupported("runner " + string(id))
		}
		info, ok := c.infos[id]
		if !ok {
			return client.RunnerInfo{}, &client.Error{Kind: client.NotFound, Op: "runner " + string(id), Msg: "runner not found"}
		}
		return info, nil
	})
}

// QueueSize answers the error set by Fail, else what SetQueue gave.
func (c *Client) QueueSize(ctx context.Context, env, app string) (client.QueueSize, error) {
	return answer(ctx, c, Call{Method: "QueueSize", Env: env, App: app}, func() (client.QueueSize, error) {
		if c.queues == nil {
			return client.QueueSize{}, unsupported("queue of " + app)
		}
		return client.QueueSize{Size: c.queues[names.Alias(app, env)]}, nil
	})
}

// CurrentUser answers the error set by Fail, else ErrUnsupported.
func (c *Client) CurrentUser(ctx context.Context) (client.User, error) {
	end, err := c.begin(ctx, Call{Method: "CurrentUser"})
	defer end()
	if err == nil {
		err = unsupported("current user")
	}
	return client.User{}, err
}

func unsupported(op string) error {
	return &client.Error{Kind: client.Unsupported, Op: op, Msg: "no REST API"}
}

func (c *Client) Target() client.Target {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.target
}

func (c *Client) Close() error { return nil }

// Shell answers the error set by Fail("Shell", ...), else ErrUnsupported.
func (c *Client) Shell(ctx context.Context, id client.RunnerID, req client.ShellRequest) (client.Shell, error) {
	end, err := c.begin(ctx, Call{Method: "Shell", App: string(id)})
	defer end()
	if err == nil {
		err = &client.Error{Kind: client.Unsupported, Op: "shell on runner " + string(id), Msg: "no shell in the test double"}
	}
	return nil, err
}
