package server

import (
	"context"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/local"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/faldash/faldash/falpb"
)

// harness is a real controller on a loopback port and a generated client
// connected to it the way fal's SDK connects to a local controller (gRPC
// "local" credentials: plaintext, loopback only).
type harness struct {
	t    testing.TB
	ctl  *Controller
	dir  string
	addr string
	cl   falpb.IsolateControllerClient
	conn *grpc.ClientConn
}

// fakeClock ticks one second per reading, so creation order is strict and
// times are predictable.
type fakeClock struct{ n atomic.Int64 }

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func (c *fakeClock) Now() time.Time { return epoch.Add(time.Duration(c.n.Add(1)) * time.Second) }

func start(t testing.TB, cfgs ...func(*Config)) *harness {
	t.Helper()
	return startIn(t, t.TempDir(), cfgs...)
}

func startIn(t testing.TB, dir string, cfgs ...func(*Config)) *harness {
	t.Helper()
	cfg := Config{DataDir: dir, Now: (&fakeClock{}).Now}
	for _, f := range cfgs {
		f(&cfg)
	}
	ctl, err := Open(cfg)
	if err != nil {
		t.Fatalf("open controller: %v", err)
	}
	lis, err := Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := ctl.Serve(lis); err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(local.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ctl: ctl, dir: dir, addr: lis.Addr().String(), cl: falpb.NewIsolateControllerClient(conn), conn: conn}
	t.Cleanup(func() {
		conn.Close()
		if err := ctl.Close(); err != nil {
			t.Errorf("close controller: %v", err)
		}
		wg.Wait()
	})
	return h
}

// ctx carries the admin key, as every call must.
func (h *harness) ctx() context.Context {
	id, secret := h.ctl.AdminKey()
	return withKey(h.t.Context(), id, secret)
}

func withKey(ctx context.Context, id, secret string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, MetadataKeyID, id, MetadataKeySecret, secret)
}

// wantCode fails unless err is a status with code and a message holding
// every one of says.
func wantCode(t *testing.T, err error, code codes.Code, says ...string) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Fatalf("want %v, got %v (%v)", code, st.Code(), err)
	}
	for _, s := range says {
		if !strings.Contains(st.Message(), s) {
			t.Errorf("message %q does not mention %q", st.Message(), s)
		}
	}
}

// must holds a call's two results until get checks the error with a
// test's t: must(h.cl.ListAliases(ctx, req)).get(t).
func must[T any](v T, err error) result[T] { return result[T]{v, err} }

type result[T any] struct {
	v   T
	err error
}

func (r result[T]) get(t testing.TB) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func createEnv(t testing.TB, h *harness, name string) {
	t.Helper()
	must(h.cl.CreateEnvironment(h.ctx(), &falpb.CreateEnvironmentRequest{Name: name})).get(t)
}

// register calls RegisterApplication and returns every streamed message.
func (h *harness) register(req *falpb.RegisterApplicationRequest) ([]*falpb.RegisterApplicationResult, error) {
	stream, err := h.cl.RegisterApplication(h.ctx(), req)
	if err != nil {
		return nil, err
	}
	var out []*falpb.RegisterApplicationResult
	for {
		m, err := stream.Recv()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
}

// deploy registers app in env with machine requirements mr and returns the
// revision id.
func (h *harness) deploy(env, app string, mr *falpb.MachineRequirements) string {
	h.t.Helper()
	msgs, err := h.register(&falpb.RegisterApplicationRequest{
		ApplicationName:     ptr(app),
		EnvironmentName:     ptr(env),
		Code:                &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "sleep 1000"},
		MachineRequirements: mr,
	})
	if err != nil {
		h.t.Fatalf("deploy %s in %s: %v", app, env, err)
	}
	last := msgs[len(msgs)-1]
	if last.GetResult().GetApplicationId() == "" {
		h.t.Fatalf("deploy %s in %s: no application id in %v", app, env, last)
	}
	return last.GetResult().GetApplicationId()
}

func (h *harness) aliases(env string) []*falpb.AliasInfo {
	h.t.Helper()
	return must(h.cl.ListAliases(h.ctx(), &falpb.ListAliasesRequest{EnvironmentName: ptr(env)})).get(h.t).GetAliases()
}

func i32p(v int32) *int32 { return &v }
