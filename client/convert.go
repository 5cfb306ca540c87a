package client

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/scaling"
)

// Conversions between falpb messages and the domain types. Aliases are
// split with names.SplitAlias in the environment the server reported, or
// the one asked about when it did not say.

func timeFromPB(ts *timestamppb.Timestamp) time.Time {
	// A nil Timestamp's AsTime is 1970, which would read as a real date.
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

func timeToPB(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func optInt(p *int32) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	return &v
}

// respondedEnv is the environment an answer is about: the one the server
// named, else the one requested; empty means main either way.
func respondedEnv(reported *string, requested string) string {
	if reported != nil && *reported != "" {
		return *reported
	}
	return names.Env(requested)
}

func environmentFromPB(e *falpb.EnvironmentInfo) Environment {
	return Environment{
		Name:        e.GetName(),
		Description: e.GetDescription(),
		IsDefault:   e.GetIsDefault(),
		CreatedAt:   timeFromPB(e.GetCreatedAt()),
	}
}

func authModeFromPB(m falpb.ApplicationAuthMode) AuthMode {
	switch m {
	case falpb.ApplicationAuthMode_PUBLIC:
		return AuthPublic
	case falpb.ApplicationAuthMode_SHARED:
		return AuthShared
	}
	return AuthPrivate
}

func authModeToPB(m AuthMode) falpb.ApplicationAuthMode {
	switch m {
	case AuthPublic:
		return falpb.ApplicationAuthMode_PUBLIC
	case AuthShared:
		return falpb.ApplicationAuthMode_SHARED
	}
	return falpb.ApplicationAuthMode_PRIVATE
}

func strategyToPB(s Strategy) falpb.DeploymentStrategy {
	if s == StrategyRolling {
		return falpb.DeploymentStrategy_ROLLING
	}
	return falpb.DeploymentStrategy_RECREATE
}

func appFromPB(a *falpb.AliasInfo, requestedEnv string) App {
	env := respondedEnv(a.EnvironmentName, requestedEnv)
	name := names.SplitAlias(a.GetAlias(), env)
	return App{
		Name:          name,
		Env:           env,
		Alias:         names.Alias(name, env),
		Revision:      RevisionID(a.GetRevision()),
		AuthMode:      authModeFromPB(a.GetAuthMode()),
		ActiveRunners: int(a.GetActiveRunners()),
		IsRolling:     a.GetIsRolling(),
		Scaling: scalingFromPB(a, a.ConcurrencyBuffer, a.ConcurrencyBufferPerc, a.ScalingDelaySeconds,
			a.RequestTimeout, a.StartupTimeout),
	}
}

// scalingPB is what AliasInfo and ApplicationInfo share of an app's
// scaling; their optional fields, whose presence a getter would lose, are
// passed beside it.
type scalingPB interface {
	GetMinConcurrency() int32
	GetMaxConcurrency() int32
	GetMaxMultiplexing() int32
	GetKeepAlive() int32
	GetMachineTypes() []string
	GetValidRegions() []string
}

func scalingFromPB(a scalingPB, buffer, bufferPerc, delay, requestTimeout, startupTimeout *int32) scaling.Settings {
	return scaling.Settings{
		MinConcurrency:        int(a.GetMinConcurrency()),
		MaxConcurrency:        int(a.GetMaxConcurrency()),
		MaxMultiplexing:       int(a.GetMaxMultiplexing()),
		KeepAlive:             int(a.GetKeepAlive()),
		ConcurrencyBuffer:     optInt(buffer),
		ConcurrencyBufferPerc: optInt(bufferPerc),
		ScalingDelay:          optInt(delay),
		RequestTimeout:        optInt(requestTimeout),
		StartupTimeout:        optInt(startupTimeout),
		MachineTypes:          slices.Clone(a.GetMachineTypes()),
		Regions:               slices.Clone(a.GetValidRegions()),
	}
}

func revisionFromPB(a *falpb.ApplicationInfo, requestedEnv string) Revision {
	return Revision{
		ID:            RevisionID(a.GetApplicationId()),
		Env:           respondedEnv(a.EnvironmentName, requestedEnv),
		CreatedAt:     timeFromPB(a.GetCreatedAt()),
		ActiveRunners: int(a.GetActiveRunners()),
		Scaling: scalingFromPB(a, a.ConcurrencyBuffer, a.ConcurrencyBufferPerc, a.ScalingDelaySeconds,
			a.RequestTimeout, a.StartupTimeout),
	}
}

func secretFromPB(s *falpb.Secret, requestedEnv string) Secret {
	return Secret{
		Name:           s.GetName(),
		Env:            respondedEnv(s.EnvironmentName, requestedEnv),
		CreatedAt:      timeFromPB(s.GetCreatedTime()),
		DefaultExposed: s.GetDefaultExposed(),
	}
}

// runnerStateFromPB maps an absent state, or one newer than this client
// knows, to StateUnknown rather than guessing RUNNING (the enum's zero).
func runnerStateFromPB(s *int32) RunnerState {
	if s == nil {
		return StateUnknown
	}
	switch falpb.RunnerInfo_State(*s) {
	case falpb.RunnerInfo_RUNNING:
		return StateRunning
	case falpb.RunnerInfo_PENDING:
		return StatePending
	case falpb.RunnerInfo_SETUP:
		return StateSetup
	case falpb.RunnerInfo_DEAD, falpb.RunnerInfo_TERMINATED:
		return StateTerminated
	case falpb.RunnerInfo_DOCKER_PULL:
		return StateDockerPull
	case falpb.RunnerInfo_DRAINING:
		return StateDraining
	case falpb.RunnerInfo_TERMINATING:
		return StateTerminating
	case falpb.RunnerInfo_IDLE:
		return StateIdle
	case falpb.RunnerInfo_FAILURE_DELAY:
		return StateFailureDelay
	}
	return StateUnknown
}

func replaceStateFromPB(r int32) ReplaceState {
	switch falpb.RunnerInfo_ReplaceState(r) {
	case falpb.RunnerInfo_WILL_REPLACE:
		return WillReplace
	case falpb.RunnerInfo_DID_REPLACE:
		return DidReplace
	}
	return NoReplace
}

// secondsToDuration rounds to the millisecond: uptime travels as a float32,
// whose last digits are noise.
func secondsToDuration(s float64) time.Duration {
	if s <= 0 || math.IsNaN(s) {
		return 0
	}
	if s > math.MaxInt64/float64(time.Second) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond)
}

func logLineFromPB(l *falpb.Log) LogLine {
	return LogLine{
		Time:    timeFromPB(l.GetTimestamp()),
		Source:  strings.ToLower(l.GetSource().String()),
		Level:   strings.ToLower(l.GetLevel().String()),
		Message: l.GetMessage(),
	}
}

// int32Field converts an optional count for the wire; a value int32 cannot
// hold is refused rather than wrapped around.
func int32Field(field string, v *int) (*int32, error) {
	if v == nil {
		return nil, nil
	}
	if *v < math.MinInt32 || *v > math.MaxInt32 {
		return nil, fmt.Errorf("%s %d is out of range", field, *v)
	}
	n := int32(*v)
	return &n, nil
}

// wireSpec is a ScaleSpec as the optional int32 fields fal's
// UpdateApplicationRequest and MachineRequirements share.
type wireSpec struct {
	keepAlive, maxMultiplexing, maxConcurrency, minConcurrency *int32
	requestTimeout, startupTimeout                             *int32
	buffer, bufferPerc, scalingDelay                           *int32
	machineTypes, regions                                      []string
}

func wireSpecOf(s ScaleSpec) (wireSpec, error) {
	var w wireSpec
	fields := []struct {
		name string
		src  *int
		dst  **int32
	}{
		{"keep_alive", s.KeepAlive, &w.keepAlive},
		{"max_multiplexing", s.MaxMultiplexing, &w.maxMultiplexing},
		{"max_concurrency", s.MaxConcurrency, &w.maxConcurrency},
		{"min_concurrency", s.MinConcurrency, &w.minConcurrency},
		{"request_timeout", s.RequestTimeout, &w.requestTimeout},
		{"startup_timeout", s.StartupTimeout, &w.startupTimeout},
		{"concurrency_buffer", s.ConcurrencyBuffer, &w.buffer},
		{"concurrency_buffer_perc", s.ConcurrencyBufferPerc, &w.bufferPerc},
		{"scaling_delay_seconds", s.ScalingDelay, &w.scalingDelay},
	}
	for _, f := range fields {
		v, err := int32Field(f.name, f.src)
		if err != nil {
			return wireSpec{}, err
		}
		*f.dst = v
	}
	w.machineTypes = slices.Clone(s.MachineTypes)
	w.regions = slices.Clone(s.Regions)
	return w, nil
}

// updateRequestToPB builds UpdateApplication for app in env: the full alias
// and the environment, as fal's SDK sends them; unset spec fields stay
// unset so the controller keeps their values.
func updateRequestToPB(env, app string, s ScaleSpec) (*falpb.UpdateApplicationRequest, error) {
	w, err := wireSpecOf(s)
	if err != nil {
		return nil, err
	}
	return &falpb.UpdateApplicationRequest{
		ApplicationName:       names.Alias(app, env),
		EnvironmentName:       envPB(env),
		KeepAlive:             w.keepAlive,
		MaxMultiplexing:       w.maxMultiplexing,
		MaxConcurrency:        w.maxConcurrency,
		MinConcurrency:        w.minConcurrency,
		RequestTimeout:        w.requestTimeout,
		StartupTimeout:        w.startupTimeout,
		ConcurrencyBuffer:     w.buffer,
		ConcurrencyBufferPerc: w.bufferPerc,
		ScalingDelaySeconds:   w.scalingDelay,
		MachineTypes:          w.machineTypes,
		ValidRegions:          w.regions,
	}, nil
}

func machineRequirementsToPB(s ScaleSpec) (*falpb.MachineRequirements, error) {
	if s.IsEmpty() {
		return nil, nil
	}
	w, err := wireSpecOf(s)
	if err != nil {
		return nil, err
	}
	return &falpb.MachineRequirements{
		KeepAlive:             w.keepAlive,
		MaxMultiplexing:       w.maxMultiplexing,
		MaxConcurrency:        w.maxConcurrency,
		MinConcurrency:        w.minConcurrency,
		RequestTimeout:        w.requestTimeout,
		StartupTimeout:        w.startupTimeout,
		ConcurrencyBuffer:     w.buffer,
		ConcurrencyBufferPerc: w.bufferPerc,
		ScalingDelaySeconds:   w.scalingDelay,
		MachineTypes:          w.machineTypes,
		ValidRegions:          w.regions,
	}, nil
}

// deployRequestToPB builds RegisterApplication. Scaling from the request
// travels as machine requirements with scale set, so the new revision's
// settings replace the alias's; with no scaling the alias keeps its own.
func deployRequestToPB(r DeployRequest) (*falpb.RegisterApplicationRequest, error) {
	if r.Entrypoint == "" {
		return nil, fmt.Errorf("no entrypoint given")
	}
	req := &falpb.RegisterApplicationRequest{
		Code:            &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: r.Entrypoint},
		EnvironmentName: envPB(r.Env),
	}
	if r.App != "" {
		// The full alias beside the environment, as fal's SDK sends it.
		alias := names.Alias(r.App, r.Env)
		req.ApplicationName = &alias
	}
	if r.AuthMode != nil {
		m := authModeToPB(*r.AuthMode)
		req.AuthMode = &m
	}
	if r.Strategy != nil {
		s := strategyToPB(*r.Strategy)
		req.DeploymentStrategy = &s
	}
	if r.Metadata != nil {
		md, err := structpb.NewStruct(r.Metadata)
		if err != nil {
			return nil, fmt.Errorf("metadata: %w", err)
		}
		req.Metadata = md
	}
	mr, err := machineRequirementsToPB(r.Scaling)
	if err != nil {
		return nil, err
	}
	if mr != nil {
		req.MachineRequirements = mr
		scale := true
		req.Scale = &scale
	}
	if r.GracePeriod > 0 {
		// Round up: a grace period of 1.5 s must not shrink to 1 s.
		secs := (r.GracePeriod + time.Second - 1) / time.Second
		g, err := int32Field("termination grace period (seconds)", new(int(secs)))
		if err != nil {
			return nil, err
		}
		req.TerminationGracePeriodSeconds = g
	}
	return req, nil
}

// envPB names env explicitly on the wire, main included, as fal's SDK does.
func envPB(env string) *string {
	e := names.Env(env)
	return &e
}
