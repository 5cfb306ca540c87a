package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/scaling"
)

// fakeController records every request with its metadata and answers
// from canned values; queued errors are returned, one per call, before the
// canned answer.
type fakeController struct {
	falpb.UnimplementedIsolateControllerServer

	mu       sync.Mutex
	calls    map[string]int
	requests map[string][]proto.Message
	md       []metadata.MD
	errs     map[string][]error

	alias   *falpb.AliasInfo
	runners []*falpb.RunnerInfo
	deploy  []*falpb.RegisterApplicationResult
	// blockSecrets makes ListSecrets wait for the call's context to end.
	blockSecrets bool
}

func newFake() *fakeController {
	return &fakeController{
		calls:    map[string]int{},
		requests: map[string][]proto.Message{},
		errs:     map[string][]error{},
	}
}

func (f *fakeController) record(ctx context.Context, method string, req proto.Message) error {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[method]++
	f.requests[method] = append(f.requests[method], req)
	f.md = append(f.md, md)
	if q := f.errs[method]; len(q) > 0 {
		f.errs[method] = q[1:]
		return q[0]
	}
	return nil
}

func (f *fakeController) failNext(method string, errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs[method] = append(f.errs[method], errs...)
}

func (f *fakeController) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func (f *fakeController) last(method string) proto.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	reqs := f.requests[method]
	if len(reqs) == 0 {
		return nil
	}
	return reqs[len(reqs)-1]
}

func (f *fakeController) lastMD() metadata.MD {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.md[len(f.md)-1]
}

func (f *fakeController) ListEnvironments(ctx context.Context, req *falpb.ListEnvironmentsRequest) (*falpb.ListEnvironmentsResponse, error) {
	if err := f.record(ctx, "ListEnvironments", req); err != nil {
		return nil, err
	}
	return &falpb.ListEnvironmentsResponse{Environments: []*falpb.EnvironmentInfo{
		{Name: "main", IsDefault: true, CreatedAt: timestamppb.New(when)},
		{Name: "staging", Description: str("pre-prod")},
	}}, nil
}

func (f *fakeController) CreateEnvironment(ctx context.Context, req *falpb.CreateEnvironmentRequest) (*falpb.CreateEnvironmentResponse, error) {
	if err := f.record(ctx, "CreateEnvironment", req); err != nil {
		return nil, err
	}
	return &falpb.CreateEnvironmentResponse{Environment: &falpb.EnvironmentInfo{Name: req.Name, Description: req.Description}}, nil
}

func (f *fakeController) DeleteEnvironment(ctx context.Context, req *falpb.DeleteEnvironmentRequest) (*falpb.DeleteEnvironmentResponse, error) {
	if err := f.record(ctx, "DeleteEnvironment", req); err != nil {
		return nil, err
	}
	return &falpb.DeleteEnvironmentResponse{}, nil
}

func (f *fakeController) ListAliases(ctx context.Context, req *falpb.ListAliasesRequest) (*falpb.ListAliasesResult, error) {
	if err := f.record(ctx, "ListAliases", req); err != nil {
		return nil, err
	}
	return &falpb.ListAliasesResult{Aliases: []*falpb.AliasInfo{f.alias}}, nil
}

func (f *fakeController) ListApplications(ctx context.Context, req *falpb.ListApplicationsRequest) (*falpb.ListApplicationsResult, error) {
	if err := f.record(ctx, "ListApplications", req); err != nil {
		return nil, err
	}
	return &falpb.ListApplicationsResult{Applications: []*falpb.ApplicationInfo{{ApplicationId: "rev-1"}}}, nil
}

func (f *fakeController) UpdateApplication(ctx context.Context, req *falpb.UpdateApplicationRequest) (*falpb.UpdateApplicationResult, error) {
	if err := f.record(ctx, "UpdateApplication", req); err != nil {
		return nil, err
	}
	return &falpb.UpdateApplicationResult{AliasInfo: f.alias}, nil
}

func (f *fakeController) RolloutApplication(ctx context.Context, req *falpb.RolloutApplicationRequest) (*falpb.RolloutApplicationResult, error) {
	if err := f.record(ctx, "RolloutApplication", req); err != nil {
		return nil, err
	}
	return &falpb.RolloutApplicationResult{}, nil
}

func (f *fakeController) SetAlias(ctx context.Context, req *falpb.SetAliasRequest) (*falpb.SetAliasResult, error) {
	if err := f.record(ctx, "SetAlias", req); err != nil {
		return nil, err
	}
	return &falpb.SetAliasResult{AliasInfo: f.alias}, nil
}

func (f *fakeController) DeleteAlias(ctx context.Context, req *falpb.DeleteAliasRequest) (*falpb.DeleteAliasResult, error) {
	if err := f.record(ctx, "DeleteAlias", req); err != nil {
		return nil, err
	}
	return &falpb.DeleteAliasResult{Revision: "rev-old"}, nil
}

func (f *fakeController) DeleteApplication(ctx context.Context, req *falpb.DeleteApplicationRequest) (*falpb.DeleteApplicationResult, error) {
	if err := f.record(ctx, "DeleteApplication", req); err != nil {
		return nil, err
	}
	return &falpb.DeleteApplicationResult{}, nil
}

func (f *fakeController) SetSecret(ctx context.Context, req *falpb.SetSecretRequest) (*falpb.SetSecretResponse, error) {
	if err := f.record(ctx, "SetSecret", req); err != nil {
		return nil, err
	}
	return &falpb.SetSecretResponse{}, nil
}

func (f *fakeController) ListSecrets(ctx context.Context, req *falpb.ListSecretsRequest) (*falpb.ListSecretsResponse, error) {
	if err := f.record(ctx, "ListSecrets", req); err != nil {
		return nil, err
	}
	f.mu.Lock()
	block := f.blockSecrets
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	return &falpb.ListSecretsResponse{Secrets: []*falpb.Secret{{Name: "HF_TOKEN"}}}, nil
}

func (f *fakeController) ListAliasRunners(ctx context.Context, req *falpb.ListAliasRunnersRequest) (*falpb.ListAliasRunnersResponse, error) {
	if err := f.record(ctx, "ListAliasRunners", req); err != nil {
		return nil, err
	}
	return &falpb.ListAliasRunnersResponse{Runners: f.runners}, nil
}

func (f *fakeController) ListRunners(ctx context.Context, req *falpb.ListRunnersRequest) (*falpb.ListRunnersResponse, error) {
	if err := f.record(ctx, "ListRunners", req); err != nil {
		return nil, err
	}
	return &falpb.ListRunnersResponse{Runners: f.runners}, nil
}

func (f *fakeController) StopRunner(ctx context.Context, req *falpb.StopRunnerRequest) (*falpb.StopRunnerResponse, error) {
	if err := f.record(ctx, "StopRunner", req); err != nil {
		return nil, err
	}
	return &falpb.StopRunnerResponse{}, nil
}

func (f *fakeController) KillRunner(ctx context.Context, req *falpb.KillRunnerRequest) (*falpb.KillRunnerResponse, error) {
	if err := f.record(ctx, "KillRunner", req); err != nil {
		return nil, err
	}
	return &falpb.KillRunnerResponse{}, nil
}

func (f *fakeController) RegisterApplication(req *falpb.RegisterApplicationRequest, stream grpc.ServerStreamingServer[falpb.RegisterApplicationResult]) error {
	if err := f.record(stream.Context(), "RegisterApplication", req); err != nil {
		return err
	}
	for _, m := range f.deploy {
		if err := stream.Send(m); err != nil {
			return err
		}
	}
	return nil
}

// serve starts f on a real listener and returns its address.
func serve(t testing.TB, f *fakeController, network, addr string) string {
	t.Helper()
	lis, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	falpb.RegisterIsolateControllerServer(s, f)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(lis)
	}()
	t.Cleanup(func() {
		s.Stop()
		<-done
	})
	return lis.Addr().String()
}

var testCreds = Credentials{KeyID: "key-id-1", KeySecret: "key-secret-1"}

// dialFake serves f on loopback and dials it with a fast retry policy.
func dialFake(t testing.TB, f *fakeController, opts DialOptions) *GRPC {
	t.Helper()
	if opts.Addr == "" {
		opts.Addr = serve(t, f, "tcp", "127.0.0.1:0")
	}
	return dialFast(t, opts)
}

// dialFast dials with opts and a retry policy fast enough that a test
// sees every retry within milliseconds; the client closes with the test.
func dialFast(t testing.TB, opts DialOptions) *GRPC {
	t.Helper()
	g, err := Dial(opts)
	if err != nil {
		t.Fatal(err)
	}
	g.retry = retryPolicy{attempts: 4, base: time.Millisecond, max: 4 * time.Millisecond}
	t.Cleanup(func() { _ = g.Close() })
	return g
}

// A mutation that may run twice is tried again after UNAVAILABLE.
func TestIdempotentMutationRetriesUnavailable(t *testing.T) {
	f := newFake()
	f.failNext("SetSecret",
		status.Error(codes.Unavailable, "restarting"),
		status.Error(codes.Unavailable, "restarting"))
	g := dialFake(t, f, DialOptions{Credentials: testCreds})
	if err := g.SetSecret(context.Background(), "", "TOKEN", "v", nil); err != nil {
		t.Fatalf("SetSecret: %v", err)
	}
	if n := f.count("SetSecret"); n != 3 {
		t.Errorf("attempts = %d, want 3", n)
	}
}

func TestRetriesAreBounded(t *testing.T) {
	f := newFake()
	for range 10 {
		f.failNext("UpdateApplication", status.Error(codes.Unavailable, "down for maintenance"))
	}
	g := dialFake(t, f, DialOptions{})
	min1 := 1
	_, err := g.UpdateApp(context.Background(), "", "my-app", ScaleSpec{MinConcurrency: &min1})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if n := f.count("UpdateApplication"); n != 4 {
		t.Errorf("attempts = %d, want 4", n)
	}
	if !strings.Contains(err.Error(), "down for maintenance") || !strings.Contains(err.Error(), g.Target().Addr) {
		t.Errorf("error %q lacks the reason or the address", err)
	}
}

// Reads are tried once (the poller calls again on its own schedule), and
// so is a rollout, which would replace the runners a second time.
func TestReadsAndRolloutsAreTriedOnce(t *testing.T) {
	f := newFake()
	unavailable := status.Error(codes.Unavailable, "restarting")
	f.failNext("ListEnvironments", unavailable, unavailable)
	f.failNext("RolloutApplication", unavailable, unavailable)
	g := dialFake(t, f, DialOptions{})
	if _, err := g.ListEnvironments(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Errorf("ListEnvironments: %v, want unavailable", err)
	}
	if err := g.RolloutApp(context.Background(), "", "my-app", false); !errors.Is(err, ErrUnavailable) {
		t.Errorf("RolloutApp: %v, want unavailable", err)
	}
	for _, m := range []string{"ListEnvironments", "RolloutApplication"} {
		if n := f.count(m); n != 1 {
			t.Errorf("%s: %d attempts, want 1", m, n)
		}
	}
}

// A create whose answer was lost is asked again and meets what its first
// try made: the error says so rather than claim someone else did.
func TestRetriedCreateSaysItMayHaveDoneIt(t *testing.T) {
	f := newFake()
	f.failNext("CreateEnvironment",
		status.Error(codes.Unavailable, "connection reset"),
		status.Error(codes.AlreadyExists, "environment dev already exists"))
	g := dialFake(t, f, DialOptions{})
	_, err := g.CreateEnvironment(context.Background(), "dev", "")
	if !errors.Is(err, ErrAlreadyExists) || !strings.Contains(err.Error(), "the first try may have done it") {
		t.Errorf("err = %v, want already exists, said to be possibly the first try's doing", err)
	}
	// Not retried: the controller's own answer stands as it is.
	f.failNext("CreateEnvironment", status.Error(codes.AlreadyExists, "environment dev already exists"))
	if _, err := g.CreateEnvironment(context.Background(), "dev", ""); strings.Contains(err.Error(), "first try") {
		t.Errorf("err = %v: nothing was retried", err)
	}
}

func TestNoRetryOnOtherCodes(t *testing.T) {
	f := newFake()
	f.failNext("DeleteEnvironment", status.Error(codes.InvalidArgument, "bad name"))
	g := dialFake(t, f, DialOptions{})
	err := g.DeleteEnvironment(context.Background(), "Bad")
	if n := f.count("DeleteEnvironment"); n != 1 {
		t.Errorf("attempts = %d, want 1", n)
	}
	var e *Error
	if !errors.As(err, &e) || e.Kind != Invalid || e.Op != `delete environment "Bad"` || e.Msg != "bad name" {
		t.Errorf("err = %#v", err)
	}
	if got := err.Error(); got != `delete environment "Bad": invalid: bad name` {
		t.Errorf("Error() = %q", got)
	}
}

func TestAuthMetadataOnEveryCall(t *testing.T) {
	f := newFake()
	g := dialFake(t, f, DialOptions{Credentials: testCreds})
	ctx := context.Background()
	if _, err := g.ListEnvironments(ctx); err != nil {
		t.Fatal(err)
	}
	if err := g.KillRunner(ctx, "r-1"); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.md) != 2 {
		t.Fatalf("calls seen = %d", len(f.md))
	}
	for i, md := range f.md {
		if got := md.Get("auth-key"); len(got) != 1 || got[0] != "key-secret-1" {
			t.Errorf("call %d auth-key = %q", i, got)
		}
		if got := md.Get("auth-key-id"); len(got) != 1 || got[0] != "key-id-1" {
			t.Errorf("call %d auth-key-id = %q", i, got)
		}
	}
}

func TestNoCredentialsSendsNoAuthMetadata(t *testing.T) {
	f := newFake()
	g := dialFake(t, f, DialOptions{})
	if _, err := g.ListEnvironments(context.Background()); err != nil {
		t.Fatal(err)
	}
	md := f.lastMD()
	if len(md.Get("auth-key")) != 0 || len(md.Get("auth-key-id")) != 0 {
		t.Errorf("auth metadata sent without credentials: %v", md)
	}
}

func TestUnixSocket(t *testing.T) {
	f := newFake()
	sock := filepath.Join(t.TempDir(), "c.sock")
	serve(t, f, "unix", sock)
	for _, addr := range []string{sock, "unix:" + sock} {
		g := dialFake(t, f, DialOptions{Addr: addr, Credentials: testCreds, Kind: TargetLocal, User: "me"})
		if _, err := g.ListEnvironments(context.Background()); err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		if got := g.Target(); got != (Target{Kind: TargetLocal, Addr: addr, User: "me"}) {
			t.Errorf("Target() = %+v", got)
		}
	}
	if got := f.lastMD().Get("auth-key-id"); len(got) != 1 || got[0] != "key-id-1" {
		t.Errorf("auth-key-id over the socket = %q", got)
	}
}

func TestUnreachableIsUnavailableWithAddress(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens there now

	g := dialFake(t, nil, DialOptions{Addr: addr})
	_, err = g.ListApps(context.Background(), "staging")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if want := "list apps in staging: cannot reach the controller at " + addr; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Error() = %q, want prefix %q", err, want)
	}
}

func TestForcedTLSAgainstPlaintextFails(t *testing.T) {
	f := newFake()
	plaintext := false
	g := dialFake(t, f, DialOptions{Insecure: &plaintext})
	_, err := g.ListEnvironments(context.Background())
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want unavailable (TLS handshake against plaintext)", err)
	}
	if n := f.count("ListEnvironments"); n != 0 {
		t.Errorf("a TLS client reached the plaintext handler %d times", n)
	}
}

func TestCallTimeout(t *testing.T) {
	f := newFake()
	f.blockSecrets = true
	g := dialFake(t, f, DialOptions{CallTimeout: 50 * time.Millisecond})
	_, err := g.ListSecrets(context.Background(), "")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if !strings.Contains(err.Error(), "no answer from the controller") || !strings.Contains(err.Error(), "in time") {
		t.Errorf("Error() = %q", err)
	}
	if n := f.count("ListSecrets"); n != 1 {
		t.Errorf("a timed-out call was retried: %d attempts", n)
	}
}

func TestCallerCancellation(t *testing.T) {
	f := newFake()
	g := dialFake(t, f, DialOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := g.ListRunners(ctx, RunnerQuery{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled in the chain", err)
	}
	if KindOf(err) != Other {
		t.Errorf("kind = %v", KindOf(err))
	}
}

// manyRunners is a ListRunners answer of n runners with fal-like metadata.
func manyRunners(t testing.TB, n int) []*falpb.RunnerInfo {
	md, err := structpb.NewStruct(map[string]any{
		"leases": []any{map[string]any{
			"request_id": "0b5c9d7e-2d4f-4b8a-9d59-5a0f2f3c1e11", "caller_user_id": "github|12345678",
			"leased_at_epoch": 1700000000.25,
		}},
		"present_in_group": true,
	})
	if err != nil {
		t.Fatal(err)
	}
	runners := make([]*falpb.RunnerInfo, n)
	for i := range runners {
		runners[i] = &falpb.RunnerInfo{
			RunnerId:            fmt.Sprintf("runner-%08d-5a0f2f3c1e11", i),
			InFlightRequests:    1,
			ExpirationCountdown: i32(120),
			Uptime:              3600.5,
			ExternalMetadata:    md,
			Revision:            "9f0c1a52-3b1e-4c4e-8d6f-0a1b2c3d4e5f",
			Alias:               "my-fairly-long-app-name--staging",
			State:               falpb.RunnerInfo_RUNNING.Enum(),
			MachineType:         "GPU-H100",
		}
	}
	return runners
}

func TestHundredThousandRunnersDecode(t *testing.T) {
	const n = 100_000
	f := newFake()
	f.runners = manyRunners(t, n)
	size := proto.Size(&falpb.ListRunnersResponse{Runners: f.runners})
	if size <= 4<<20 {
		t.Fatalf("answer is only %d bytes; the test would not exercise the limit", size)
	}
	g := dialFake(t, f, DialOptions{CallTimeout: 2 * time.Minute})
	runners, err := g.ListRunners(context.Background(), RunnerQuery{IncludePending: true})
	if err != nil {
		t.Fatalf("ListRunners of %d bytes: %v", size, err)
	}
	if len(runners) != n {
		t.Fatalf("got %d runners", len(runners))
	}
	last := runners[n-1]
	if last.ID != RunnerID(fmt.Sprintf("runner-%08d-5a0f2f3c1e11", n-1)) || len(last.Leases()) != 1 || last.App != "" {
		t.Errorf("last runner = %+v", last)
	}

	// gRPC's default limit would refuse the same answer: the raised limit
	// is what makes it work.
	conn, err := grpc.NewClient("dns:///"+g.Target().Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = falpb.NewIsolateControllerClient(conn).ListRunners(context.Background(), &falpb.ListRunnersRequest{})
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("default-limit client: %v, want ResourceExhausted", err)
	}
}

func TestRequestsCarryFullAliasAndEnvironment(t *testing.T) {
	f := newFake()
	f.alias = &falpb.AliasInfo{Alias: "my-app--staging", Revision: "rev-2", EnvironmentName: str("staging"), MaxConcurrency: 3}
	f.runners = []*falpb.RunnerInfo{{RunnerId: "r-1", Alias: "my-app--staging", State: falpb.RunnerInfo_IDLE.Enum()}}
	g := dialFake(t, f, DialOptions{})
	ctx := context.Background()

	app, err := g.UpdateApp(ctx, "staging", "my-app", ScaleSpec{MaxConcurrency: scaling.Int(3)})
	if err != nil {
		t.Fatal(err)
	}
	if app.Name != "my-app" || app.Env != "staging" || app.Scaling.MaxConcurrency != 3 {
		t.Errorf("UpdateApp returned %+v", app)
	}
	if err := g.RolloutApp(ctx, "staging", "my-app", true); err != nil {
		t.Fatal(err)
	}
	rolling := StrategyRolling
	if _, err := g.SetAlias(ctx, "staging", "my-app", "rev-2", nil, &rolling); err != nil {
		t.Fatal(err)
	}
	rev, err := g.DeleteAlias(ctx, "staging", "my-app")
	if err != nil || rev != "rev-old" {
		t.Fatalf("DeleteAlias = %q, %v", rev, err)
	}
	since := when
	runners, err := g.ListAppRunners(ctx, "staging", "my-app", RunnerQuery{IncludePending: true, TerminatedSince: since})
	if err != nil {
		t.Fatal(err)
	}
	if len(runners) != 1 || runners[0].App != "my-app" || runners[0].State != StateIdle {
		t.Errorf("runners = %+v", runners)
	}

	checks := []struct {
		method string
		want   proto.Message
	}{
		{"UpdateApplication", &falpb.UpdateApplicationRequest{ApplicationName: "my-app--staging", EnvironmentName: str("staging"), MaxConcurrency: i32(3)}},
		{"RolloutApplication", &falpb.RolloutApplicationRequest{ApplicationName: "my-app--staging", EnvironmentName: str("staging"), Force: proto.Bool(true)}},
		{"SetAlias", &falpb.SetAliasRequest{Alias: "my-app--staging", Revision: "rev-2", EnvironmentName: str("staging"), DeploymentStrategy: falpb.DeploymentStrategy_ROLLING.Enum()}},
		{"DeleteAlias", &falpb.DeleteAliasRequest{Alias: "my-app--staging", EnvironmentName: str("staging")}},
		{"ListAliasRunners", &falpb.ListAliasRunnersRequest{Alias: "my-app--staging", EnvironmentName: str("staging"), ListPending: proto.Bool(true), StartTime: timestamppb.New(since)}},
	}
	for _, c := range checks {
		if got := f.last(c.method); !proto.Equal(got, c.want) {
			t.Errorf("%s sent\n%v\nwant\n%v", c.method, got, c.want)
		}
	}

	// In main the alias is the bare name, and main is still named.
	if _, err := g.UpdateApp(ctx, "", "my-app", ScaleSpec{}); err != nil {
		t.Fatal(err)
	}
	want := &falpb.UpdateApplicationRequest{ApplicationName: "my-app", EnvironmentName: str("main")}
	if got := f.last("UpdateApplication"); !proto.Equal(got, want) {
		t.Errorf("main UpdateApplication sent %v, want %v", got, want)
	}
}

func TestOtherCallsRequests(t *testing.T) {
	f := newFake()
	f.alias = &falpb.AliasInfo{Alias: "a"}
	g := dialFake(t, f, DialOptions{})
	ctx := context.Background()

	if err := g.SetSecret(ctx, "dev", "HF_TOKEN", "v", nil); err != nil {
		t.Fatal(err)
	}
	if got, want := f.last("SetSecret"), (&falpb.SetSecretRequest{Name: "HF_TOKEN", Value: str("v"), EnvironmentName: str("dev")}); !proto.Equal(got, want) {
		t.Errorf("SetSecret sent %v", got)
	}
	// Unset is SetSecret with no value at all (not an empty one).
	if err := g.UnsetSecret(ctx, "dev", "HF_TOKEN"); err != nil {
		t.Fatal(err)
	}
	unset := f.last("SetSecret").(*falpb.SetSecretRequest)
	if unset.Value != nil || unset.GetName() != "HF_TOKEN" || unset.GetEnvironmentName() != "dev" {
		t.Errorf("UnsetSecret sent %v", unset)
	}

	secrets, err := g.ListSecrets(ctx, "dev")
	if err != nil || len(secrets) != 1 || secrets[0] != (Secret{Name: "HF_TOKEN", Env: "dev"}) {
		t.Errorf("ListSecrets = %+v, %v", secrets, err)
	}
	env, err := g.CreateEnvironment(ctx, "dev", "")
	if err != nil || env.Name != "dev" {
		t.Errorf("CreateEnvironment = %+v, %v", env, err)
	}
	if got := f.last("CreateEnvironment").(*falpb.CreateEnvironmentRequest); got.Description != nil {
		t.Errorf("empty description was sent: %v", got)
	}
	revs, err := g.ListRevisions(ctx, "dev", "a")
	if err != nil || len(revs) != 1 || revs[0].ID != "rev-1" || revs[0].Env != "dev" {
		t.Errorf("ListRevisions = %+v, %v", revs, err)
	}
	if got, want := f.last("ListApplications"), (&falpb.ListApplicationsRequest{ApplicationName: str("a--dev"), EnvironmentName: str("dev")}); !proto.Equal(got, want) {
		t.Errorf("ListApplications sent %v", got)
	}
	if _, err := g.ListRevisions(ctx, "", ""); err != nil {
		t.Fatal(err)
	}
	if got := f.last("ListApplications").(*falpb.ListApplicationsRequest); got.ApplicationName != nil || got.GetEnvironmentName() != "main" {
		t.Errorf("ListRevisions of every app sent %v", got)
	}
	apps, err := g.ListApps(ctx, "")
	if err != nil || len(apps) != 1 || apps[0].Env != "main" {
		t.Errorf("ListApps = %+v, %v", apps, err)
	}
	if err := g.DeleteRevision(ctx, "rev-1"); err != nil {
		t.Fatal(err)
	}
	if err := g.StopRunner(ctx, "r-9", true); err != nil {
		t.Fatal(err)
	}
	if got, want := f.last("StopRunner"), (&falpb.StopRunnerRequest{RunnerId: "r-9", ReplaceFirst: true}); !proto.Equal(got, want) {
		t.Errorf("StopRunner sent %v", got)
	}
	if _, err := g.ListRunners(ctx, RunnerQuery{}); err != nil {
		t.Fatal(err)
	}
	if got := f.last("ListRunners").(*falpb.ListRunnersRequest); got.StartTime != nil || got.GetListPending() {
		t.Errorf("ListRunners sent %v", got)
	}
}

func TestDeployStreamsLogsInOrder(t *testing.T) {
	f := newFake()
	logAt := func(msg string, lvl falpb.LogLevel) *falpb.Log {
		return &falpb.Log{Message: msg, Source: falpb.LogSource_BUILDER, Level: lvl, Timestamp: timestamppb.New(when)}
	}
	f.deploy = []*falpb.RegisterApplicationResult{
		{Logs: []*falpb.Log{logAt("one", falpb.LogLevel_INFO), logAt("two", falpb.LogLevel_DEBUG)}},
		{Logs: []*falpb.Log{logAt("three", falpb.LogLevel_STDERR)}, Result: &falpb.RegisterApplicationResultType{ApplicationId: "rev-new"}},
		{ServiceUrls: &falpb.ServiceURLs{Run: "https://r", Playground: "https://p", Queue: "https://q", Ws: "wss://w", Log: "https://l"}},
	}
	g := dialFake(t, f, DialOptions{Credentials: testCreds})
	var lines []string
	res, err := g.Deploy(context.Background(), DeployRequest{App: "a", Env: "dev", Entrypoint: "python serve.py"},
		func(l LogLine) { lines = append(lines, l.Level+":"+l.Message) })
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lines, ","); got != "info:one,debug:two,stderr:three" {
		t.Errorf("logs = %s", got)
	}
	want := DeployResult{Revision: "rev-new", Run: "https://r", Playground: "https://p", Queue: "https://q", WS: "wss://w", Log: "https://l"}
	if res != want {
		t.Errorf("result = %+v", res)
	}
	sent := f.last("RegisterApplication").(*falpb.RegisterApplicationRequest)
	if sent.GetEntrypoint() != "python serve.py" || sent.GetApplicationName() != "a--dev" || sent.GetEnvironmentName() != "dev" {
		t.Errorf("RegisterApplication sent %v", sent)
	}
	if got := f.lastMD().Get("auth-key"); len(got) != 1 || got[0] != "key-secret-1" {
		t.Errorf("deploy auth-key = %q", got)
	}
}

func TestDeployErrors(t *testing.T) {
	f := newFake()
	f.deploy = []*falpb.RegisterApplicationResult{{Logs: []*falpb.Log{{Message: "built"}}}}
	g := dialFake(t, f, DialOptions{})
	ctx := context.Background()

	_, err := g.Deploy(ctx, DeployRequest{App: "a", Entrypoint: "x"}, nil)
	if err == nil || !strings.Contains(err.Error(), "without registering a revision") {
		t.Errorf("stream without result: %v", err)
	}

	f.failNext("RegisterApplication", status.Error(codes.Unavailable, "busy"))
	_, err = g.Deploy(ctx, DeployRequest{App: "a", Entrypoint: "x"}, nil)
	if !errors.Is(err, ErrUnavailable) || f.count("RegisterApplication") != 2 {
		t.Errorf("unavailable deploy: %v after %d calls (deploys are never retried)", err, f.count("RegisterApplication"))
	}

	_, err = g.Deploy(ctx, DeployRequest{App: "a"}, nil)
	if !errors.Is(err, ErrInvalid) || f.count("RegisterApplication") != 2 {
		t.Errorf("deploy without entrypoint: %v", err)
	}
	if want := `deploy app "a" in main: invalid: no entrypoint given`; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}

func TestDialRejectsBadAddresses(t *testing.T) {
	for _, addr := range []string{"", "https://api.alpha.fal.ai", "unix:"} {
		_, err := Dial(DialOptions{Addr: addr})
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Dial(%q) = %v, want invalid", addr, err)
		}
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	p := retryPolicy{attempts: 4, base: 100 * time.Millisecond, max: 1 * time.Second}
	for n, ceiling := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		ceiling *= time.Millisecond
		for range 50 {
			d := p.backoff(n)
			if d < ceiling/2 || d > ceiling {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", n, d, ceiling/2, ceiling)
			}
		}
	}
}

// BenchmarkListRunners measures one ListRunners over loopback gRPC:
// encoding on the server, transfer, decoding and conversion to the domain
// type, for an account with many runners.
func BenchmarkListRunners(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			f := newFake()
			f.runners = manyRunners(b, n)
			g := dialFake(b, f, DialOptions{CallTimeout: 2 * time.Minute})
			b.ResetTimer()
			for b.Loop() {
				runners, err := g.ListRunners(context.Background(), RunnerQuery{})
				if err != nil || len(runners) != n {
					b.Fatalf("%d runners, %v", len(runners), err)
				}
			}
		})
	}
}
