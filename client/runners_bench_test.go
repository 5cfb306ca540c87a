package client

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/faldash/faldash/falpb"
)

// The runners listing at fal's scale: decoding the answer into []Runner
// is what every poll of a huge app pays before the dashboard sees a row. Run with
//
//	go test ./client -run '^$' -bench Runners -benchmem

const benchRunners = 100_000

// falLikeRunners is n runners of one app in staging, shaped as fal sends
// them: seven in ten running with one or two leases in external_metadata
// and present_in_group (a few lost), two idle with an empty lease list and
// a keep-alive countdown, one still starting without metadata.
func falLikeRunners(n int) []*falpb.RunnerInfo {
	out := make([]*falpb.RunnerInfo, n)
	for i := range out {
		r := &falpb.RunnerInfo{
			RunnerId:    fmt.Sprintf("%08x-1f2e-4d3c-8b7a-%012x", i, i*7919),
			Uptime:      float32(i%86400) + 0.25,
			Revision:    "9f0c1a52-3b1e-4c4e-8d6f-0a1b2c3d4e5f",
			Alias:       "my-fairly-long-app-name--staging",
			MachineType: "GPU-H100",
		}
		switch i % 10 {
		case 7, 8:
			r.State = falpb.RunnerInfo_IDLE.Enum()
			r.ExpirationCountdown = i32(int32(i % 300))
			r.ExternalMetadata = falMetadata(i, 0)
		case 9:
			r.State = falpb.RunnerInfo_SETUP.Enum()
		default:
			r.State = falpb.RunnerInfo_RUNNING.Enum()
			r.InFlightRequests = int32(1 + i%2)
			r.ExternalMetadata = falMetadata(i, int(r.InFlightRequests))
		}
		out[i] = r
	}
	return out
}

func falMetadata(i, leases int) *structpb.Struct {
	list := make([]*structpb.Value, leases)
	for j := range list {
		list[j] = structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
			"request_id":      structpb.NewStringValue(fmt.Sprintf("%08x-9d59-4b8a-2d4f-%012x", i, j)),
			"caller_user_id":  structpb.NewStringValue(fmt.Sprintf("github|%d", 10000000+i%5000)),
			"leased_at_epoch": structpb.NewNumberValue(1700000000.125 + float64(i)),
		}})
	}
	return &structpb.Struct{Fields: map[string]*structpb.Value{
		"leases":           structpb.NewListValue(&structpb.ListValue{Values: list}),
		"present_in_group": structpb.NewBoolValue(i%97 != 0),
	}}
}

func falLikeAnswer(b *testing.B) []byte {
	b.Helper()
	wire, err := proto.Marshal(&falpb.ListAliasRunnersResponse{Runners: falLikeRunners(benchRunners)})
	if err != nil {
		b.Fatal(err)
	}
	return wire
}

func BenchmarkRunnersDecode(b *testing.B) {
	wire := falLikeAnswer(b)
	b.SetBytes(int64(len(wire)))
	b.ReportAllocs()
	for b.Loop() {
		got, err := decodeRunners(wire)
		if err != nil {
			b.Fatal(err)
		}
		if got = withApps(got, "staging"); len(got) != benchRunners {
			b.Fatalf("%d runners", len(got))
		}
	}
}
