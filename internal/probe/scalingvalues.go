package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/scaling"
)

func init() {
	Register(Section{Name: "scaling", Quick: true, Run: probeScaling})
}

// badPlacements are machine type or region lists no app may keep.
var badPlacements = map[string][]string{
	"an empty name":             {""},
	"a space":                   {"GPU A100"},
	"a C1 control":              {"GPU\u0085A100"},
	"a no-break space":          {"us\u00a0east"},
	"an ideographic space":      {"us\u3000east"},
	"an en space":               {"us\u2002east"},
	"a bidi override":           {"\u202eGPU"},
	"an escape":                 {"\x1b[31mGPU"},
	"a look-alike letter":       {"GPU-Н100"},
	"a name too long":           {strings.Repeat("m", scaling.MaxPlacementLen+1)},
	"one name too many":         slices.Repeat([]string{"M"}, scaling.MaxPlacements+1),
	"100,000 names (400 KB)":    slices.Repeat([]string{"GPU"}, 100000),
	"a good name and a bad one": {"GPU-H100", "bad name"},
}

// probeScaling sends out-of-range scaling values and bad placement lists
// to UpdateApplication and to a deploy's machine requirements.
func probeScaling(ctx context.Context, t *Target) (int, int, []string) {
	var tl Tally
	t.withFixture(ctx, &tl, "scaling", func(f *fixture) {
		env := proto.String(f.env)
		update := func(name, says string, req *falpb.UpdateApplicationRequest) rpcCase {
			req.ApplicationName, req.EnvironmentName = f.alias, env
			return refuse("UpdateApplication "+name, says, func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := cl.UpdateApplication(ctx, req)
				return err
			})
		}
		deploy := func(name, says string, mr *falpb.MachineRequirements) rpcCase {
			return refuse("RegisterApplication "+name, says, func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := register(ctx, cl, &falpb.RegisterApplicationRequest{ApplicationName: proto.String(f.app), EnvironmentName: env,
					Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"}, MachineRequirements: mr, Scale: proto.Bool(true)})
				return err
			})
		}
		i := proto.Int32
		cases := []rpcCase{
			update("min -1", "min_concurrency", &falpb.UpdateApplicationRequest{MinConcurrency: i(-1)}),
			update("max -1", "max_concurrency", &falpb.UpdateApplicationRequest{MaxConcurrency: i(-1)}),
			update("max past the limit", "max_concurrency", &falpb.UpdateApplicationRequest{MaxConcurrency: i(scaling.MaxRunners + 1)}),
			update("max 2^31-1", "max_concurrency", &falpb.UpdateApplicationRequest{MaxConcurrency: i(1<<31 - 1)}),
			update("min above max", "min_concurrency", &falpb.UpdateApplicationRequest{MinConcurrency: i(5), MaxConcurrency: i(2)}),
			update("multiplexing 0", "max_multiplexing", &falpb.UpdateApplicationRequest{MaxMultiplexing: i(0)}),
			update("multiplexing past the limit", "max_multiplexing", &falpb.UpdateApplicationRequest{MaxMultiplexing: i(scaling.MaxMultiplexing + 1)}),
			update("keep_alive -1", "keep_alive", &falpb.UpdateApplicationRequest{KeepAlive: i(-1)}),
			update("keep_alive past a week", "keep_alive", &falpb.UpdateApplicationRequest{KeepAlive: i(scaling.MaxSeconds + 1)}),
			update("buffer -1", "concurrency_buffer", &falpb.UpdateApplicationRequest{ConcurrencyBuffer: i(-1)}),
			update("buffer percent 101", "concurrency_buffer_perc", &falpb.UpdateApplicationRequest{ConcurrencyBufferPerc: i(101)}),
			update("buffer percent -1", "concurrency_buffer_perc", &falpb.UpdateApplicationRequest{ConcurrencyBufferPerc: i(-1)}),
			update("scaling delay -1", "scaling_delay_seconds", &falpb.UpdateApplicationRequest{ScalingDelaySeconds: i(-1)}),
			update("request timeout -1", "request_timeout", &falpb.UpdateApplicationRequest{RequestTimeout: i(-1)}),
			update("startup timeout past a week", "startup_timeout", &falpb.UpdateApplicationRequest{StartupTimeout: i(scaling.MaxSeconds + 1)}),
			// A good field beside a bad one: nothing of it applies.
			update("good min with a bad keep_alive", "keep_alive", &falpb.UpdateApplicationRequest{MinConcurrency: i(1), KeepAlive: i(-5)}),
			deploy("min -1", "min_concurrency", &falpb.MachineRequirements{MinConcurrency: i(-1)}),
			deploy("multiplexing 0", "max_multiplexing", &falpb.MachineRequirements{MaxMultiplexing: i(0)}),
			deploy("min above max", "min_concurrency", &falpb.MachineRequirements{MinConcurrency: i(9), MaxConcurrency: i(1)}),
		}
		for what, list := range sortedMap(badPlacements) {
			cases = append(cases,
				update("machine_types with "+what, "machine_types", &falpb.UpdateApplicationRequest{MachineTypes: list}),
				update("valid_regions with "+what, "valid_regions", &falpb.UpdateApplicationRequest{ValidRegions: list}),
				deploy("machine_types with "+what, "machine_types", &falpb.MachineRequirements{MachineTypes: list}),
			)
		}
		cases = append(cases, deploy("valid_regions with 100,000 names", fmt.Sprint(scaling.MaxPlacements),
			&falpb.MachineRequirements{ValidRegions: badPlacements["100,000 names (400 KB)"]}))
		t.runRPC(ctx, &tl, cases)
	})
	return tl.Result()
}
