package client

import (
	"time"

	"github.com/faldash/faldash/internal/scaling"
)

// Environment is an isolated space for apps and secrets in one account.
type Environment struct {
	Name        string
	Description string
	IsDefault   bool
	CreatedAt   time.Time
}

// AuthMode says who may call an app's endpoint.
type AuthMode int

const (
	AuthPrivate AuthMode = iota
	AuthPublic
	AuthShared
)

func (m AuthMode) String() string {
	switch m {
	case AuthPrivate:
		return "private"
	case AuthPublic:
		return "public"
	case AuthShared:
		return "shared"
	}
	return "unknown"
}

// Strategy is how a new revision replaces running runners.
type Strategy int

const (
	StrategyRecreate Strategy = iota
	StrategyRolling
)

// RevisionID names one deployed revision of an app (fal's application_id).
type RevisionID string

// App is an app as seen in one environment: its alias, the revision that
// alias points at, and its scaling.
type App struct {
	Name          string // bare name, without the --env suffix
	Env           string
	Alias         string // full alias: Name in main, Name--Env elsewhere
	Revision      RevisionID
	AuthMode      AuthMode
	ActiveRunners int
	Scaling       scaling.Settings
	IsRolling     bool // a rolling deployment is in progress
}

// Revision is one registered revision of an app (fal's ApplicationInfo).
type Revision struct {
	ID            RevisionID
	Env           string
	CreatedAt     time.Time
	ActiveRunners int
	Scaling       scaling.Settings
}

// ScaleSpec is a change of an app's scaling: nil fields keep their value.
type ScaleSpec = scaling.Spec

// RunnerID names one runner (one process on the local controller).
type RunnerID string

// RunnerState is a runner's place in its lifecycle, named as fal names it.
type RunnerState string

const (
	StateRunning      RunnerState = "RUNNING"
	StatePending      RunnerState = "PENDING"
	StateSetup        RunnerState = "SETUP"
	StateDockerPull   RunnerState = "DOCKER_PULL"
	StateDraining     RunnerState = "DRAINING"
	StateTerminating  RunnerState = "TERMINATING"
	StateTerminated   RunnerState = "TERMINATED" // also fal's old DEAD
	StateIdle         RunnerState = "IDLE"
	StateFailureDelay RunnerState = "FAILURE_DELAY" // fal's CLI: "crash backoff"
	StateUnknown      RunnerState = "UNKNOWN"       // the server did not say
)

// ReplaceState marks a runner that a rollout or graceful stop replaces.
type ReplaceState int

const (
	NoReplace ReplaceState = iota
	WillReplace
	DidReplace
)

// Lease is one request a runner holds, from fal's external metadata.
type Lease struct {
	RequestID    string
	CallerUserID string
	LeasedAt     time.Time
}

// Runner is one runner of an app.
type Runner struct {
	ID       RunnerID
	Alias    string // full alias
	App      string // bare app name, when the environment is known
	Revision RevisionID
	State    RunnerState
	InFlight int
	// ExpiresIn is the keep-alive left before an idle runner is released;
	// nil when the runner is not counting down.
	ExpiresIn   *time.Duration
	Uptime      time.Duration
	MachineType string
	Replacement ReplaceState
	// PresentInGroup is fal's present_in_group: false for a runner fal no
	// longer sees in its group (lost); nil when the runner did not say.
	PresentInGroup *bool
	// metadata is fal's external_metadata as it came on the wire, an
	// encoded google.protobuf.Struct (nil: the runner had none). Only the
	// detail of one runner needs it decoded, so a listing of many runners
	// keeps the bytes and Metadata and Leases decode them when asked.
	metadata []byte
}

// RunnerQuery narrows a runner listing.
type RunnerQuery struct {
	IncludePending bool
	// TerminatedSince, when set, also lists runners terminated since then.
	TerminatedSince time.Time
}

// Secret is a secret's name and metadata. Values are never returned.
type Secret struct {
	Name           string
	Env            string
	CreatedAt      time.Time
	DefaultExposed bool
}

// DeployRequest registers a new revision of an app (fal's
// RegisterApplication with an entrypoint).
type DeployRequest struct {
	App        string
	Env        string
	Entrypoint string
	// Metadata travels as fal's metadata Struct (JSON-compatible values).
	Metadata map[string]any
	AuthMode *AuthMode
	Strategy *Strategy
	Scaling  ScaleSpec
	// GracePeriod is the runner's termination grace period; 0 leaves the
	// controller's default.
	GracePeriod time.Duration
}

// LogLine is one log line: streamed during a deploy, or a runner's.
type LogLine struct {
	Time    time.Time
	Source  string // builder, bridge or user
	Level   string // trace, debug, info, warning, error, stdout, stderr
	Message string
}

// DeployResult is what a successful deploy returns.
type DeployResult struct {
	Revision RevisionID
	// URLs are the endpoints the controller reported; Run is the main one.
	Run, Playground, Queue, WS, Log string
}

// LogQuery selects runner log lines, as fal's /logs/history and
// /logs/stream parameters do.
type LogQuery struct {
	// Tail is how many of the newest lines in range to return first;
	// 0 means every line in range.
	Tail int
	// Follow keeps the stream open for lines written after those.
	Follow bool
	// Search keeps only lines containing it (fal's search parameter).
	Search string
	// Since and Until bound the lines' timestamps; zero means open.
	Since, Until time.Time
}

// RunnerInfo is what fal's REST API says of one runner.
type RunnerInfo struct {
	ID        RunnerID
	StartedAt time.Time // zero when unknown
	EndedAt   time.Time // zero while the runner is alive
}

// QueueSize is how many requests wait for an app's runners.
type QueueSize struct {
	Size int
	// ByUser counts waiting requests per caller, when asked for.
	ByUser map[string]int
}

// User is an account as fal's REST API describes it (/users/current,
// /users/teams).
type User struct {
	Nickname   string
	UserID     string
	FullName   string
	IsPersonal bool
}
