package client

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/scaling"
)

func i32(v int32) *int32   { return &v }
func str(v string) *string { return &v }

var when = time.Date(2025, 3, 14, 15, 9, 26, 535000000, time.UTC)

func TestAppFromPBEveryField(t *testing.T) {
	in := &falpb.AliasInfo{
		Alias:                 "my-app--staging",
		Revision:              "rev-1",
		AuthMode:              falpb.ApplicationAuthMode_SHARED,
		MaxConcurrency:        10,
		MaxMultiplexing:       4,
		KeepAlive:             300,
		ActiveRunners:         3,
		MinConcurrency:        1,
		MachineTypes:          []string{"GPU-A100", "GPU-H100"},
		RequestTimeout:        i32(60),
		StartupTimeout:        i32(600),
		ValidRegions:          []string{"us-east"},
		ConcurrencyBuffer:     i32(2),
		ConcurrencyBufferPerc: i32(25),
		ScalingDelaySeconds:   i32(30),
		EnvironmentName:       str("staging"),
		IsRolling:             true,
	}
	want := App{
		Name: "my-app", Env: "staging", Alias: "my-app--staging",
		Revision: "rev-1", AuthMode: AuthShared, ActiveRunners: 3, IsRolling: true,
		Scaling: scaling.Settings{
			MinConcurrency: 1, MaxConcurrency: 10, MaxMultiplexing: 4, KeepAlive: 300,
			ConcurrencyBuffer: scaling.Int(2), ConcurrencyBufferPerc: scaling.Int(25),
			ScalingDelay: scaling.Int(30), RequestTimeout: scaling.Int(60), StartupTimeout: scaling.Int(600),
			MachineTypes: []string{"GPU-A100", "GPU-H100"}, Regions: []string{"us-east"},
		},
	}
	// The environment the server reports wins over the one asked about.
	if got := appFromPB(in, "other"); !reflect.DeepEqual(got, want) {
		t.Errorf("appFromPB =\n%+v\nwant\n%+v", got, want)
	}
}

func TestAppFromPBAbsentFields(t *testing.T) {
	tests := []struct {
		name      string
		in        *falpb.AliasInfo
		env       string
		wantName  string
		wantEnv   string
		wantAlias string
	}{
		{"main, env unreported", &falpb.AliasInfo{Alias: "my-app"}, "", "my-app", "main", "my-app"},
		{"staging from the request", &falpb.AliasInfo{Alias: "my-app--staging"}, "staging", "my-app", "staging", "my-app--staging"},
		{"bare alias in staging still gets the full alias", &falpb.AliasInfo{Alias: "my-app", EnvironmentName: str("staging")}, "", "my-app", "staging", "my-app--staging"},
		{"empty reported env means the requested one", &falpb.AliasInfo{Alias: "a--dev", EnvironmentName: str("")}, "dev", "a", "dev", "a--dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appFromPB(tt.in, tt.env)
			if got.Name != tt.wantName || got.Env != tt.wantEnv || got.Alias != tt.wantAlias {
				t.Errorf("got name %q env %q alias %q", got.Name, got.Env, got.Alias)
			}
			s := got.Scaling
			if s.ConcurrencyBuffer != nil || s.ConcurrencyBufferPerc != nil || s.ScalingDelay != nil ||
				s.RequestTimeout != nil || s.StartupTimeout != nil {
				t.Errorf("absent optional fields became set: %+v", s)
			}
			if got.AuthMode != AuthPrivate {
				t.Errorf("auth mode = %v", got.AuthMode)
			}
		})
	}
}

func TestRevisionFromPB(t *testing.T) {
	in := &falpb.ApplicationInfo{
		ApplicationId:         "rev-9",
		CreatedAt:             timestamppb.New(when),
		MaxConcurrency:        5,
		MaxMultiplexing:       2,
		KeepAlive:             10,
		ActiveRunners:         1,
		MinConcurrency:        0,
		MachineTypes:          []string{"XS"},
		RequestTimeout:        i32(1),
		StartupTimeout:        i32(2),
		ValidRegions:          []string{"eu"},
		ConcurrencyBuffer:     i32(3),
		ConcurrencyBufferPerc: i32(4),
		ScalingDelaySeconds:   i32(5),
		EnvironmentName:       str("dev"),
	}
	want := Revision{
		ID: "rev-9", Env: "dev", CreatedAt: when, ActiveRunners: 1,
		Scaling: scaling.Settings{
			MaxConcurrency: 5, MaxMultiplexing: 2, KeepAlive: 10,
			ConcurrencyBuffer: scaling.Int(3), ConcurrencyBufferPerc: scaling.Int(4),
			ScalingDelay: scaling.Int(5), RequestTimeout: scaling.Int(1), StartupTimeout: scaling.Int(2),
			MachineTypes: []string{"XS"}, Regions: []string{"eu"},
		},
	}
	if got := revisionFromPB(in, ""); !reflect.DeepEqual(got, want) {
		t.Errorf("revisionFromPB =\n%+v\nwant\n%+v", got, want)
	}
	bare := revisionFromPB(&falpb.ApplicationInfo{ApplicationId: "r"}, "")
	if bare.Env != "main" || !bare.CreatedAt.IsZero() || bare.Scaling.RequestTimeout != nil {
		t.Errorf("bare revision = %+v", bare)
	}
}

func TestSecretAndEnvironmentFromPB(t *testing.T) {
	s := secretFromPB(&falpb.Secret{Name: "HF_TOKEN", CreatedTime: timestamppb.New(when),
		EnvironmentName: str("staging"), DefaultExposed: proto.Bool(true)}, "main")
	if s != (Secret{Name: "HF_TOKEN", Env: "staging", CreatedAt: when, DefaultExposed: true}) {
		t.Errorf("secret = %+v", s)
	}
	s = secretFromPB(&falpb.Secret{Name: "X"}, "dev")
	if s != (Secret{Name: "X", Env: "dev"}) {
		t.Errorf("bare secret = %+v", s)
	}

	e := environmentFromPB(&falpb.EnvironmentInfo{Name: "main", Description: str("production"),
		IsDefault: true, CreatedAt: timestamppb.New(when)})
	if e != (Environment{Name: "main", Description: "production", IsDefault: true, CreatedAt: when}) {
		t.Errorf("environment = %+v", e)
	}
	// A missing timestamp is the zero time, not 1970.
	if e := environmentFromPB(&falpb.EnvironmentInfo{Name: "dev"}); !e.CreatedAt.IsZero() {
		t.Errorf("missing created_at = %v", e.CreatedAt)
	}
}

func TestRunnerFromPBEveryField(t *testing.T) {
	md, err := structpb.NewStruct(map[string]any{
		"leases": []any{
			map[string]any{"request_id": "req-1", "caller_user_id": "user-7", "leased_at_epoch": 1700000000.5},
			map[string]any{"request_id": "req-2", "caller_user_id": "user-8", "leased_at_epoch": "1700000001"},
			"not a lease",
		},
		"present_in_group": false,
		"node":             "gpu-12",
	})
	if err != nil {
		t.Fatal(err)
	}
	in := &falpb.RunnerInfo{
		RunnerId:            "r-1",
		InFlightRequests:    2,
		ExpirationCountdown: i32(42),
		Uptime:              12.5,
		ExternalMetadata:    md,
		Revision:            "rev-1",
		Alias:               "my-app--staging",
		State:               falpb.RunnerInfo_DEAD.Enum(),
		Replacement:         falpb.RunnerInfo_WILL_REPLACE,
		MachineType:         "GPU-H100",
	}
	got := seen(runnersOverWire(t, "staging", true, in)[0])
	expires := 42 * time.Second
	present := false
	want := runnerSeen{
		Runner: Runner{
			ID: "r-1", Alias: "my-app--staging", App: "my-app", Revision: "rev-1",
			State: StateTerminated, InFlight: 2, ExpiresIn: &expires, Uptime: 12500 * time.Millisecond,
			MachineType: "GPU-H100", Replacement: WillReplace, PresentInGroup: &present,
		},
		Leases: []Lease{
			{RequestID: "req-1", CallerUserID: "user-7", LeasedAt: time.Unix(1700000000, 500000000)},
			{RequestID: "req-2", CallerUserID: "user-8", LeasedAt: time.Unix(1700000001, 0)},
		},
		Metadata: md.AsMap(),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("runnerFromPB =\n%+v\nwant\n%+v", got, want)
	}
	if got.Metadata["node"] != "gpu-12" {
		t.Errorf("metadata lost a field: %v", got.Metadata)
	}
}

func TestRunnerFromPBAbsentFields(t *testing.T) {
	got := runnersOverWire(t, "", false, &falpb.RunnerInfo{RunnerId: "r", Alias: "a--dev"})[0]
	want := Runner{ID: "r", Alias: "a--dev", State: StateUnknown}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("runnerFromPB =\n%+v\nwant\n%+v", got, want)
	}
}

// runnersOverWire converts rs as a listing does: encoded as fal's answer,
// decoded by listingCodec's decoder.
func runnersOverWire(t testing.TB, env string, envKnown bool, rs ...*falpb.RunnerInfo) []Runner {
	t.Helper()
	wire, err := proto.Marshal(&falpb.ListAliasRunnersResponse{Runners: rs})
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeRunners(wire)
	if err != nil {
		t.Fatal(err)
	}
	if envKnown {
		got = withApps(got, env)
	}
	return got
}

// The listing decoder reads RunnerInfo by field number: a field added to
// fal's message, or one whose type changed, would be skipped or misread.
func TestListingKnowsEveryField(t *testing.T) {
	want := map[protowire.Number]protoreflect.Kind{
		fieldRunnerID: protoreflect.StringKind, fieldInFlight: protoreflect.Int32Kind,
		fieldExpiration: protoreflect.Int32Kind, fieldUptime: protoreflect.FloatKind,
		fieldMetadata: protoreflect.MessageKind, fieldRevision: protoreflect.StringKind,
		fieldAlias: protoreflect.StringKind, fieldState: protoreflect.EnumKind,
		fieldReplacement: protoreflect.EnumKind, fieldMachineType: protoreflect.StringKind,
	}
	fields := (&falpb.RunnerInfo{}).ProtoReflect().Descriptor().Fields()
	if fields.Len() != len(want) {
		t.Errorf("RunnerInfo has %d fields, the decoder reads %d", fields.Len(), len(want))
	}
	for i := range fields.Len() {
		f := fields.Get(i)
		if k, ok := want[f.Number()]; !ok || k != f.Kind() || f.Cardinality() != protoreflect.Optional {
			t.Errorf("RunnerInfo field %d (%s, %v %v) is not read as it is", f.Number(), f.Name(), f.Cardinality(), f.Kind())
		}
	}
	for _, m := range []proto.Message{&falpb.ListAliasRunnersResponse{}, &falpb.ListRunnersResponse{}} {
		d := m.ProtoReflect().Descriptor()
		f := d.Fields().ByNumber(fieldListRunners)
		if d.Fields().Len() != 1 || f == nil || !f.IsList() || f.Message().FullName() != fields.Get(0).ContainingMessage().FullName() {
			t.Errorf("%s is not a list of RunnerInfo in field %d", d.FullName(), fieldListRunners)
		}
	}
}

// runnerSeen is a runner as its users see it, metadata decoded.
type runnerSeen struct {
	Runner
	Metadata map[string]any
	Leases   []Lease
}

func seen(r Runner) runnerSeen {
	md, leases := r.Metadata(), r.Leases()
	r.metadata = nil
	return runnerSeen{r, md, leases}
}

func TestRunnerStates(t *testing.T) {
	tests := map[falpb.RunnerInfo_State]RunnerState{
		falpb.RunnerInfo_RUNNING:       StateRunning,
		falpb.RunnerInfo_PENDING:       StatePending,
		falpb.RunnerInfo_SETUP:         StateSetup,
		falpb.RunnerInfo_DEAD:          StateTerminated,
		falpb.RunnerInfo_DOCKER_PULL:   StateDockerPull,
		falpb.RunnerInfo_DRAINING:      StateDraining,
		falpb.RunnerInfo_TERMINATING:   StateTerminating,
		falpb.RunnerInfo_TERMINATED:    StateTerminated,
		falpb.RunnerInfo_IDLE:          StateIdle,
		falpb.RunnerInfo_FAILURE_DELAY: StateFailureDelay,
		falpb.RunnerInfo_State(42):     StateUnknown,
	}
	for in, want := range tests {
		if got := runnerStateFromPB(proto.Int32(int32(in))); got != want {
			t.Errorf("state %v -> %v, want %v", in, got, want)
		}
	}
	if got := runnerStateFromPB(nil); got != StateUnknown {
		t.Errorf("absent state -> %v", got)
	}
	// Every value the enum declares is known.
	for n := range falpb.RunnerInfo_State_name {
		if runnerStateFromPB(proto.Int32(n)) == StateUnknown {
			t.Errorf("state %d has no mapping", n)
		}
	}
	// A state travels on the wire with presence: RUNNING is 0, so an
	// explicit RUNNING must survive encoding, and an unset one stay unset.
	for _, r := range []*falpb.RunnerInfo{{State: falpb.RunnerInfo_RUNNING.Enum()}, {}} {
		b, err := proto.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back falpb.RunnerInfo
		if err := proto.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if got, want := runnersOverWire(t, "", false, &back)[0].State, runnersOverWire(t, "", false, r)[0].State; got != want {
			t.Errorf("state %v changed on the wire", r.State)
		}
	}
}

func TestUpdateRequestToPB(t *testing.T) {
	full := ScaleSpec{
		MinConcurrency: scaling.Int(1), MaxConcurrency: scaling.Int(9), MaxMultiplexing: scaling.Int(2),
		KeepAlive: scaling.Int(30), ConcurrencyBuffer: scaling.Int(1), ConcurrencyBufferPerc: scaling.Int(10),
		ScalingDelay: scaling.Int(5), RequestTimeout: scaling.Int(60), StartupTimeout: scaling.Int(900),
		MachineTypes: []string{"GPU-A100"}, Regions: []string{"us-west", "us-east"},
	}
	got, err := updateRequestToPB("staging", "my-app", full)
	if err != nil {
		t.Fatal(err)
	}
	want := &falpb.UpdateApplicationRequest{
		ApplicationName: "my-app--staging", EnvironmentName: str("staging"),
		MinConcurrency: i32(1), MaxConcurrency: i32(9), MaxMultiplexing: i32(2), KeepAlive: i32(30),
		ConcurrencyBuffer: i32(1), ConcurrencyBufferPerc: i32(10), ScalingDelaySeconds: i32(5),
		RequestTimeout: i32(60), StartupTimeout: i32(900),
		MachineTypes: []string{"GPU-A100"}, ValidRegions: []string{"us-west", "us-east"},
	}
	if !proto.Equal(got, want) {
		t.Errorf("full spec =\n%v\nwant\n%v", got, want)
	}

	got, err = updateRequestToPB("", "my-app", ScaleSpec{MinConcurrency: scaling.Int(0)})
	if err != nil {
		t.Fatal(err)
	}
	want = &falpb.UpdateApplicationRequest{ApplicationName: "my-app", EnvironmentName: str("main"), MinConcurrency: i32(0)}
	if !proto.Equal(got, want) {
		t.Errorf("one field =\n%v\nwant\n%v", got, want)
	}
	if got.MaxConcurrency != nil || got.KeepAlive != nil || got.MachineTypes != nil || got.ValidRegions != nil {
		t.Errorf("nil fields were sent: %v", got)
	}

	if _, err := updateRequestToPB("", "a", ScaleSpec{MaxConcurrency: scaling.Int(1 << 40)}); err == nil ||
		!strings.Contains(err.Error(), "max_concurrency") {
		t.Errorf("overflow: %v", err)
	}
}

func TestDeployRequestToPB(t *testing.T) {
	mode, strategy := AuthPublic, StrategyRolling
	req := DeployRequest{
		App: "my-app", Env: "dev", Entrypoint: "python serve.py",
		Metadata:    map[string]any{"owner": "me", "tags": []any{"a"}},
		AuthMode:    &mode,
		Strategy:    &strategy,
		Scaling:     ScaleSpec{MinConcurrency: scaling.Int(1), MachineTypes: []string{"CPU"}},
		GracePeriod: 1500 * time.Millisecond,
	}
	got, err := deployRequestToPB(req)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := structpb.NewStruct(req.Metadata)
	want := &falpb.RegisterApplicationRequest{
		Code:                          &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "python serve.py"},
		ApplicationName:               str("my-app--dev"),
		EnvironmentName:               str("dev"),
		AuthMode:                      falpb.ApplicationAuthMode_PUBLIC.Enum(),
		DeploymentStrategy:            falpb.DeploymentStrategy_ROLLING.Enum(),
		Metadata:                      md,
		MachineRequirements:           &falpb.MachineRequirements{MinConcurrency: i32(1), MachineTypes: []string{"CPU"}},
		Scale:                         proto.Bool(true),
		TerminationGracePeriodSeconds: i32(2),
	}
	if !proto.Equal(got, want) {
		t.Errorf("deploy request =\n%v\nwant\n%v", got, want)
	}

	bare, err := deployRequestToPB(DeployRequest{App: "a", Entrypoint: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if bare.MachineRequirements != nil || bare.Scale != nil || bare.Metadata != nil || bare.AuthMode != nil ||
		bare.DeploymentStrategy != nil || bare.TerminationGracePeriodSeconds != nil || bare.GetEnvironmentName() != "main" ||
		bare.GetApplicationName() != "a" {
		t.Errorf("bare deploy request sets too much: %v", bare)
	}

	for name, bad := range map[string]DeployRequest{
		"no entrypoint":  {App: "a"},
		"bad metadata":   {App: "a", Entrypoint: "x", Metadata: map[string]any{"f": func() {}}},
		"overflow":       {App: "a", Entrypoint: "x", Scaling: ScaleSpec{KeepAlive: scaling.Int(1 << 40)}},
		"grace too long": {App: "a", Entrypoint: "x", GracePeriod: time.Duration(1<<32) * time.Second},
	} {
		if _, err := deployRequestToPB(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLogLineFromPB(t *testing.T) {
	got := logLineFromPB(&falpb.Log{Message: "hi", Source: falpb.LogSource_BRIDGE,
		Level: falpb.LogLevel_WARNING, Timestamp: timestamppb.New(when)})
	if got != (LogLine{Time: when, Source: "bridge", Level: "warning", Message: "hi"}) {
		t.Errorf("log line = %+v", got)
	}
}

func TestSecondsToDuration(t *testing.T) {
	tests := map[float64]time.Duration{
		0:       0,
		-1:      0,
		0.25:    250 * time.Millisecond,
		86400.5: 24*time.Hour + 500*time.Millisecond,
	}
	for in, want := range tests {
		if got := secondsToDuration(in); got != want {
			t.Errorf("secondsToDuration(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestTargetEndpointURL(t *testing.T) {
	cases := []struct {
		target   Target
		app, env string
		want     string
	}{
		{Target{User: "alice"}, "my-app", "main", "https://fal.run/alice/my-app"},
		{Target{User: "alice"}, "my-app", "staging", "https://fal.run/alice/my-app--staging"},
		{Target{}, "my-app", "", "https://fal.run/local/my-app"},
		{Target{User: "local", GatewayURL: "http://127.0.0.1:7778/"}, "my-app", "dev", "http://127.0.0.1:7778/local/my-app--dev"},
	}
	for _, c := range cases {
		if got := c.target.EndpointURL(c.app, c.env); got != c.want {
			t.Errorf("%+v.EndpointURL(%q, %q) = %q, want %q", c.target, c.app, c.env, got, c.want)
		}
	}
}
