package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server/store"
)

// Bounds on what a revision keeps besides its scaling: its entrypoint (a
// command line or a module:attr) and its metadata as JSON (where `faldash
// deploy` puts the argv). Both are stored with every revision.
const (
	MaxEntrypoint = 16 << 10
	MaxMetadata   = 64 << 10
)

// deployedAlias is the alias after a deploy of rev; old is the alias
// before it, nil when the deploy creates it, and spec is the scaling the
// deploy's machine requirements set.
//
// A new alias takes the revision's settings whole. An existing alias
// always takes max_multiplexing, startup_timeout and machine_types from
// the new revision: they describe the code (how many requests it serves at
// once, how long its setup takes, what hardware it needs), and fal resets
// them on every deploy. Its other scaling values (min/max concurrency,
// buffers, keep_alive, scaling delay, request timeout, regions) may have
// been tuned with UpdateApplication since, so they are kept, unless the
// deploy sets scale=true: then the fields its machine requirements set
// replace the alias's, and those it leaves unset are still kept (a deploy
// that only names max_concurrency does not reset a hand-tuned
// min_concurrency to the default). The result must pass Validate, or the
// deploy is refused whole. The auth mode changes only when the deploy sets
// one.
func deployedAlias(old *store.Alias, rev store.Revision, spec scaling.Spec, scale bool, mode *falpb.ApplicationAuthMode) (store.Alias, error) {
	if old == nil {
		return store.Alias{AuthMode: rev.AuthMode, Scaling: rev.Scaling}, nil
	}
	a := *old
	if scale {
		a.Scaling = spec.Apply(a.Scaling)
	}
	a.Scaling.MaxMultiplexing = rev.Scaling.MaxMultiplexing
	a.Scaling.StartupTimeout = rev.Scaling.StartupTimeout
	a.Scaling.MachineTypes = rev.Scaling.MachineTypes
	if mode != nil {
		a.AuthMode = int32(*mode)
	}
	if err := a.Scaling.Validate(); err != nil {
		return store.Alias{}, invalidSettings(fmt.Sprintf("the deploy would leave %s's scaling invalid (set the conflicting fields together): ", old.Ref.Alias()), err)
	}
	return a, nil
}

func validAuthMode(m *falpb.ApplicationAuthMode) error {
	if m != nil {
		if _, ok := falpb.ApplicationAuthMode_name[int32(*m)]; !ok {
			return status.Errorf(codes.InvalidArgument, "unknown auth_mode %d: want PRIVATE (0), PUBLIC (1) or SHARED (2)", int32(*m))
		}
	}
	return nil
}

func validStrategy(d *falpb.DeploymentStrategy) error {
	if d != nil {
		if _, ok := falpb.DeploymentStrategy_name[int32(*d)]; !ok {
			return status.Errorf(codes.InvalidArgument, "unknown deployment_strategy %d: want RECREATE (0) or ROLLING (1)", int32(*d))
		}
	}
	return nil
}

// invalidSettings is INVALID_ARGUMENT naming every field that is wrong.
func invalidSettings(prefix string, err error) error {
	return status.Error(codes.InvalidArgument, prefix+strings.ReplaceAll(err.Error(), "\n", "; "))
}

// RegisterApplication stores a new revision of an app, points the app's
// alias at it (see deployedAlias), streams a few builder log lines, tells
// the Runtime, and ends with the revision id and the app's URL. Every
// check (names, scaling, metadata's command, sizes) comes before the
// store is touched, so a refused deploy leaves nothing behind.
func (s *service) RegisterApplication(req *falpb.RegisterApplicationRequest, stream grpc.ServerStreamingServer[falpb.RegisterApplicationResult]) error {
	ctx := stream.Context()
	entry := req.GetEntrypoint()
	if strings.TrimSpace(entry) == "" {
		return status.Error(codes.InvalidArgument, "entrypoint is required: the command the app's runners start")
	}
	if strings.IndexByte(entry, 0) >= 0 {
		return status.Error(codes.InvalidArgument, "entrypoint holds a NUL byte")
	}
	if len(entry) > MaxEntrypoint {
		return status.Errorf(codes.InvalidArgument, "entrypoint is %d bytes, over the limit of %d", len(entry), MaxEntrypoint)
	}
	if req.GetApplicationName() == "" {
		return status.Error(codes.InvalidArgument, "application_name is required")
	}
	ref, err := appRef(req.GetApplicationName(), req.EnvironmentName)
	if err != nil {
		return err
	}
	if err := validAuthMode(req.AuthMode); err != nil {
		return err
	}
	if err := validStrategy(req.DeploymentStrategy); err != nil {
		return err
	}
	grace := intPtr(req.TerminationGracePeriodSeconds)
	if grace != nil && (*grace < 0 || *grace > scaling.MaxSeconds) {
		return status.Errorf(codes.InvalidArgument, "termination_grace_period_seconds must be between 0 and %d, not %d", scaling.MaxSeconds, *grace)
	}
	spec := specFromMachine(req.MachineRequirements)
	settings := spec.Apply(defaultSettings())
	if err := settings.Validate(); err != nil {
		return invalidSettings("machine_requirements: ", err)
	}
	meta, err := metadataJSON(req)
	if err != nil {
		return err
	}
	candidate := store.Revision{
		Ref:              ref,
		Entrypoint:       entry,
		Metadata:         meta,
		AuthMode:         int32(req.GetAuthMode()),
		Strategy:         int32(req.GetDeploymentStrategy()),
		TerminationGrace: grace,
		Scaling:          settings,
	}
	// What the supervisor will run, checked by the function it runs it
	// with: a revision no runner could start is refused before it is
	// stored or pointed at.
	if _, err := candidate.Command(); err != nil {
		return status.Errorf(codes.InvalidArgument, "no runner could start this revision: %v", err)
	}
	if _, err := candidate.WorkDir(); err != nil {
		return status.Errorf(codes.InvalidArgument, "no runner could start this revision: %v", err)
	}
	rev, alias, err := s.st.RegisterRevision(ctx, candidate, func(old *store.Alias, rev store.Revision) (store.Alias, error) {
		return deployedAlias(old, rev, spec, req.GetScale(), req.AuthMode)
	})
	if err != nil {
		return toStatus(err)
	}

	logs := []*falpb.Log{
		builderLog(rev.CreatedAt, "Registered revision %s of %s in environment %s", rev.ID, ref.App, ref.Env),
		builderLog(rev.CreatedAt, "Alias %s now serves revision %s (runners: min %d, max %d; requests per runner: %d; keep-alive: %ds)",
			ref.Alias(), rev.ID, alias.Scaling.MinConcurrency, alias.Scaling.MaxConcurrency,
			alias.Scaling.MaxMultiplexing, alias.Scaling.KeepAlive),
	}
	if err := stream.Send(&falpb.RegisterApplicationResult{Logs: logs}); err != nil {
		return err
	}
	s.runtimeCall(ctx, "deployed", ref, s.rtChanged)
	res := &falpb.RegisterApplicationResult{Result: &falpb.RegisterApplicationResultType{ApplicationId: rev.ID}}
	// Without a gateway the app is served nowhere: no URL rather than
	// fal.run's, which would name a place it is not.
	if gw := s.gateway(ctx); gw != "" {
		res.ServiceUrls = &falpb.ServiceURLs{Run: gw + "/" + s.user + "/" + ref.Alias()}
	}
	return stream.Send(res)
}

// metadataJSON is the request's metadata as the store keeps it, within
// MaxMetadata.
func metadataJSON(req *falpb.RegisterApplicationRequest) ([]byte, error) {
	if req.Metadata == nil {
		return []byte("{}"), nil
	}
	// The wire size first, so a huge Struct is refused before it is
	// converted.
	if n := proto.Size(req.Metadata); n > MaxMetadata {
		return nil, status.Errorf(codes.InvalidArgument, "metadata is %d bytes, over the limit of %d", n, MaxMetadata)
	}
	// encoding/json rather than protojson: its output is stable, so the
	// stored JSON is the same for the same metadata.
	meta, err := json.Marshal(req.Metadata.AsMap())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "metadata cannot be kept as JSON: %v", err)
	}
	if len(meta) > MaxMetadata {
		return nil, status.Errorf(codes.InvalidArgument, "metadata is %d bytes as JSON, over the limit of %d", len(meta), MaxMetadata)
	}
	return meta, nil
}

func builderLog(t time.Time, format string, args ...any) *falpb.Log {
	return &falpb.Log{
		Message:   fmt.Sprintf(format, args...),
		Source:    falpb.LogSource_BUILDER,
		Level:     falpb.LogLevel_INFO,
		Timestamp: timestamppb.New(t),
	}
}
