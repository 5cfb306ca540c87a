package synthctl

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
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

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/falpb"
)

// clock is a settable time for uptimes and countdowns.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)} }

// start serves cfg on loopback and returns it with the key file it wrote.
func start(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	key := filepath.Join(t.TempDir(), "synth.key")
	if err := s.WriteKeyFile(key); err != nil {
		t.Fatal(err)
	}
	return s, key
}

// dial is faldash's own client for s.
func dial(t *testing.T, s *Server, keyFile string) *client.GRPC {
	t.Helper()
	creds, err := client.ReadKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.Dial(client.DialOptions{Addr: s.Addr(), Credentials: creds, Kind: client.TargetLocal, CallTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// raw is a plain generated client for s with the key as fal sends it, to
// compare answers message by message.
func raw(t *testing.T, s *Server, keyFile string) (falpb.IsolateControllerClient, context.Context) {
	t.Helper()
	b, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	id, secret, _ := strings.Cut(strings.TrimSpace(string(b)), ":")
	conn, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<30)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx := metadata.AppendToOutgoingContext(t.Context(), "auth-key-id", id, "auth-key", secret)
	return falpb.NewIsolateControllerClient(conn), ctx
}

func listBig(t *testing.T, c falpb.IsolateControllerClient, ctx context.Context) []*falpb.RunnerInfo {
	t.Helper()
	pending := true
	resp, err := c.ListAliasRunners(ctx, &falpb.ListAliasRunnersRequest{Alias: "big-app", ListPending: &pending})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetRunners()
}

// A dashboard browsing the synthetic account finds its environments, apps
// and a big app whose runners look like a busy fal app's: mixed states,
// leases and presence on running runners, countdowns on idle ones, and
// uptimes that follow the clock.
func TestBrowseWithFaldashClient(t *testing.T) {
	clk := newClock()
	s, key := start(t, Config{Runners: 3000, Apps: 4, Seed: 7, Now: clk.Now})
	cl := dial(t, s, key)
	ctx := t.Context()

	envs, err := cl.ListEnvironments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var envNames []string
	for _, e := range envs {
		envNames = append(envNames, e.Name)
	}
	if !slices.Equal(envNames, []string{"main", "staging", "dev"}) || !envs[0].IsDefault {
		t.Errorf("environments %v", envs)
	}
	apps, err := cl.ListApps(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 4 || apps[0].Name != "big-app" || apps[0].ActiveRunners != 3000 || apps[1].ActiveRunners != 3 {
		t.Errorf("apps of main: %+v", apps)
	}
	if apps, err := cl.ListApps(ctx, "staging"); err != nil || len(apps) != 1 || apps[0].Alias != "small-app--staging" {
		t.Errorf("apps of staging: %+v, %v", apps, err)
	}
	if revs, err := cl.ListRevisions(ctx, "main", "big-app"); err != nil || len(revs) != 2 || revs[0].ID != apps[0].Revision {
		t.Errorf("revisions: %+v, %v (current %s)", revs, err, apps[0].Revision)
	}
	if secrets, err := cl.ListSecrets(ctx, "dev"); err != nil || len(secrets) != 3 || secrets[0].Env != "dev" {
		t.Errorf("secrets: %+v, %v", secrets, err)
	}

	rs, err := cl.ListAppRunners(ctx, "main", "big-app", client.RunnerQuery{IncludePending: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3000 {
		t.Fatalf("%d runners", len(rs))
	}
	states := map[client.RunnerState]int{}
	ids := map[client.RunnerID]bool{}
	uptimes := map[client.RunnerID]time.Duration{}
	withLeases := 0
	for _, r := range rs {
		states[r.State]++
		ids[r.ID] = true
		uptimes[r.ID] = r.Uptime
		switch r.State {
		case client.StateRunning:
			// One request in a while has no lease, as fal shows a lost one.
			leases := r.Leases()
			if r.InFlight < 1 || len(leases) > r.InFlight || len(leases) < r.InFlight-1 || r.PresentInGroup == nil {
				t.Fatalf("running runner %+v", r)
			}
			for _, l := range leases {
				if l.RequestID == "" || !strings.HasPrefix(l.CallerUserID, "github|") || l.LeasedAt.IsZero() {
					t.Fatalf("lease %+v", l)
				}
				withLeases++
			}
		case client.StateIdle:
			if r.ExpiresIn == nil || *r.ExpiresIn <= 0 || r.InFlight != 0 || r.PresentInGroup == nil || !*r.PresentInGroup {
				t.Fatalf("idle runner %+v", r)
			}
		case client.StateSetup, client.StateDraining:
			if r.PresentInGroup != nil {
				t.Fatalf("%s runner in a group: %+v", r.State, r)
			}
		case client.StatePending:
			if r.Uptime != 0 || r.Metadata() != nil {
				t.Fatalf("pending runner %+v", r)
			}
		}
	}
	if len(ids) != len(rs) {
		t.Errorf("%d distinct ids among %d runners", len(ids), len(rs))
	}
	for _, st := range []client.RunnerState{client.StateRunning, client.StateIdle, client.StatePending, client.StateSetup,
		client.StateDraining, client.StateFailureDelay} {
		if states[st] == 0 {
			t.Errorf("no %s runner in %v", st, states)
		}
	}
	if withLeases < states[client.StateRunning] {
		t.Errorf("%d leases on %d running runners", withLeases, states[client.StateRunning])
	}
	if states[client.StateRunning] < 1500 || states[client.StateIdle] < 500 {
		t.Errorf("not a busy app's mix: %v", states)
	}

	clk.add(10 * time.Second)
	again, err := cl.ListAppRunners(ctx, "main", "big-app", client.RunnerQuery{IncludePending: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range again {
		if r.State == client.StateRunning && r.Uptime != uptimes[r.ID]+10*time.Second {
			t.Fatalf("runner %s: uptime %v, was %v 10s before", r.ID, r.Uptime, uptimes[r.ID])
		}
	}
	if n := s.Listings(); n != 2 {
		t.Errorf("Listings() = %d after two listings", n)
	}

	all, err := cl.ListRunners(ctx, client.RunnerQuery{IncludePending: true})
	if err != nil || len(all) != 3000+3*3+2*3 {
		t.Errorf("account-wide listing: %d runners, %v", len(all), err)
	}
}

// Each listing after the first finds exactly the churn's share of runners
// changed, in place, and the same seed gives the same listings.
func TestChurnIsExactAndDeterministic(t *testing.T) {
	const n = 500
	clk := newClock()
	cfg := Config{Runners: n, Seed: 42, Now: clk.Now, Churn: Churn{Fraction: 0.1}}
	s1, key1 := start(t, cfg)
	s2, key2 := start(t, cfg)
	c1, ctx1 := raw(t, s1, key1)
	c2, ctx2 := raw(t, s2, key2)

	prev := listBig(t, c1, ctx1)
	if other := listBig(t, c2, ctx2); !equalListings(prev, other) {
		t.Fatal("two controllers with the same seed list different runners")
	}
	for range 3 {
		cur := listBig(t, c1, ctx1)
		if other := listBig(t, c2, ctx2); !equalListings(cur, other) {
			t.Fatal("two controllers with the same seed churn differently")
		}
		if len(cur) != n {
			t.Fatalf("%d runners after churn without adds or removals", len(cur))
		}
		changed := 0
		for i := range cur {
			if !proto.Equal(cur[i], prev[i]) {
				changed++
			}
		}
		if changed != n/10 {
			t.Errorf("%d runners changed, want %d", changed, n/10)
		}
		prev = cur
	}

	if err := s1.SetChurn(Churn{Fraction: 0}); err != nil {
		t.Fatal(err)
	}
	prev = listBig(t, c1, ctx1)
	if cur := listBig(t, c1, ctx1); !equalListings(prev, cur) {
		t.Error("listings changed with churn 0")
	}

	if err := s1.SetChurn(Churn{Added: 5, Removed: 3}); err != nil {
		t.Fatal(err)
	}
	cur := listBig(t, c1, ctx1)
	if len(cur) != len(prev)+2 {
		t.Fatalf("%d runners after 5 added and 3 removed, was %d", len(cur), len(prev))
	}
	was := map[string]bool{}
	for _, r := range prev {
		was[r.GetRunnerId()] = true
	}
	for i, r := range cur {
		if fresh := !was[r.GetRunnerId()]; fresh != (i >= len(cur)-5) {
			t.Errorf("runner %d of %d new: %v (new runners come last)", i, len(cur), fresh)
		}
		if i >= len(cur)-5 && r.GetState() != falpb.RunnerInfo_PENDING {
			t.Errorf("new runner in state %v", r.GetState())
		}
	}
}

func equalListings(a, b []*falpb.RunnerInfo) bool {
	return slices.EqualFunc(a, b, func(x, y *falpb.RunnerInfo) bool { return proto.Equal(x, y) })
}

// Every call needs the key the controller wrote; the key file is the
// owner's alone and is never overwritten.
func TestKey(t *testing.T) {
	s, key := start(t, Config{Runners: 10})
	fi, err := os.Stat(key)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode().Perm())
	}
	if err := s.WriteKeyFile(key); err == nil {
		t.Error("WriteKeyFile overwrote an existing file")
	}

	conn, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := falpb.NewIsolateControllerClient(conn)
	for name, ctx := range map[string]context.Context{
		"no key":       t.Context(),
		"wrong secret": metadata.AppendToOutgoingContext(t.Context(), "auth-key-id", s.keyID, "auth-key", "nope"),
	} {
		if _, err := c.ListEnvironments(ctx, &falpb.ListEnvironmentsRequest{}); status.Code(err) != codes.Unauthenticated {
			t.Errorf("%s: %v, want Unauthenticated", name, err)
		}
	}
	good, ctx := raw(t, s, key)
	if _, err := good.ListEnvironments(ctx, &falpb.ListEnvironmentsRequest{}); err != nil {
		t.Errorf("with the key: %v", err)
	}
}

func TestUnknownNamesAreNotFound(t *testing.T) {
	s, key := start(t, Config{Runners: 10})
	c, ctx := raw(t, s, key)
	prod := "prod"
	for name, call := range map[string]func() error{
		"app": func() error {
			_, err := c.ListAliasRunners(ctx, &falpb.ListAliasRunnersRequest{Alias: "nope"})
			return err
		},
		"app in another environment": func() error {
			staging := "staging"
			_, err := c.ListAliasRunners(ctx, &falpb.ListAliasRunnersRequest{Alias: "big-app", EnvironmentName: &staging})
			return err
		},
		"environment": func() error {
			_, err := c.ListAliases(ctx, &falpb.ListAliasesRequest{EnvironmentName: &prod})
			return err
		},
	} {
		if err := call(); status.Code(err) != codes.NotFound {
			t.Errorf("%s: %v, want NotFound", name, err)
		}
	}
	if got := s.Listings(); got != 0 {
		t.Errorf("failed calls counted as %d listings", got)
	}
}

func TestBadConfigIsRefused(t *testing.T) {
	for _, cfg := range []Config{
		{Runners: -1},
		{Runners: MaxRunners + 1},
		{Apps: -2},
		{App: "Big App"},
		{Churn: Churn{Fraction: 1.5}},
		{Churn: Churn{Added: -1}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	s, err := New(Config{Churn: Churn{Fraction: 0.2}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetChurn(Churn{Fraction: -0.1}); err == nil {
		t.Error("SetChurn accepted a negative fraction")
	}
	if s.churn.Fraction != 0.2 {
		t.Errorf("a refused SetChurn changed the churn to %+v", s.churn)
	}
	if err := s.Close(); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		t.Errorf("Close before Listen: %v", err)
	}
}
