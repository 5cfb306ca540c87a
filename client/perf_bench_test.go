package client_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/synthctl"
)

// BenchmarkPollRunners is the client's share of one poll of a huge app:
// ListAppRunners receiving, decoding and converting 100,000 runners with
// fal's lease metadata, over loopback gRPC. The answers are synthctl's
// (two consecutive listings, a twentieth of the runners changed between
// them, served in turn) encoded once beforehand, so that the server's
// cost is a copy and the time and allocations are the client's. It uses
// only the client's exported API, so scripts/perf.sh runs the same file
// on the tree before a change and after it.
func BenchmarkPollRunners(b *testing.B) {
	const n = 100_000
	answers := synthListings(b, n, 2)
	srv := &cannedRunners{answers: answers}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	gs := grpc.NewServer(grpc.ForceServerCodec(srv))
	falpb.RegisterIsolateControllerServer(gs, srv)
	go gs.Serve(lis)
	b.Cleanup(gs.Stop)
	cl, err := client.Dial(client.DialOptions{Addr: lis.Addr().String(), Kind: client.TargetLocal, CallTimeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cl.Close() })
	ctx := context.Background()
	b.SetBytes(int64(len(answers[0])))
	b.ReportAllocs()
	for b.Loop() {
		rs, err := cl.ListAppRunners(ctx, "main", "big-app", client.RunnerQuery{IncludePending: true})
		if err != nil {
			b.Fatal(err)
		}
		if len(rs) != n {
			b.Fatalf("%d runners", len(rs))
		}
	}
}

// synthListings is k consecutive runner listings of a synthetic app of n
// runners, encoded.
func synthListings(b *testing.B, n, k int) [][]byte {
	b.Helper()
	s, err := synthctl.New(synthctl.Config{Runners: n, Seed: 1, Churn: synthctl.Churn{Fraction: 0.05}})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Listen("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	keyFile := filepath.Join(b.TempDir(), "synth.key")
	if err := s.WriteKeyFile(keyFile); err != nil {
		b.Fatal(err)
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		b.Fatal(err)
	}
	id, secret, _ := strings.Cut(strings.TrimSpace(string(key)), ":")
	conn, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<30)))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "auth-key-id", id, "auth-key", secret)
	pending := true
	out := make([][]byte, k)
	for i := range out {
		resp, err := falpb.NewIsolateControllerClient(conn).ListAliasRunners(ctx,
			&falpb.ListAliasRunnersRequest{Alias: "big-app", ListPending: &pending})
		if err != nil {
			b.Fatal(err)
		}
		if out[i], err = proto.Marshal(resp); err != nil {
			b.Fatal(err)
		}
	}
	return out
}

// cannedRunners answers ListAliasRunners with answers in turn, already
// encoded: it is its own codec, passing them through as they are.
type cannedRunners struct {
	falpb.UnimplementedIsolateControllerServer
	answers [][]byte
	next    int
}

func (c *cannedRunners) ListAliasRunners(context.Context, *falpb.ListAliasRunnersRequest) (*falpb.ListAliasRunnersResponse, error) {
	// Calls come one at a time from the benchmark loop.
	a := c.answers[c.next%len(c.answers)]
	c.next++
	resp := &falpb.ListAliasRunnersResponse{}
	resp.ProtoReflect().SetUnknown(a) // carried, not decoded: see Marshal
	return resp, nil
}

func (c *cannedRunners) Marshal(v any) ([]byte, error) {
	if r, ok := v.(*falpb.ListAliasRunnersResponse); ok && len(r.GetRunners()) == 0 {
		return r.ProtoReflect().GetUnknown(), nil
	}
	return proto.Marshal(v.(proto.Message))
}

func (c *cannedRunners) Unmarshal(data []byte, v any) error {
	return proto.Unmarshal(data, v.(proto.Message))
}
func (c *cannedRunners) Name() string { return "proto" }
