package main

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server"
)

func init() {
	Register(Section{Name: "deploys", Quick: true, Run: probeDeploys})
}

// probeDeploys redeploys the fixture's app with what no runner could
// start or no controller should keep; each must be refused with the alias
// still on the fixture's revision and no revision added.
func probeDeploys(ctx context.Context, t *Target) (int, int, []string) {
	var tl Tally
	t.withFixture(ctx, &tl, "deploys", func(f *fixture) {
		env := proto.String(f.env)
		deploy := func(name, says, entry string, meta map[string]any, edit func(*falpb.RegisterApplicationRequest)) rpcCase {
			return refuse("RegisterApplication "+name, says, func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				req := &falpb.RegisterApplicationRequest{ApplicationName: proto.String(f.app), EnvironmentName: env,
					Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: entry}}
				if meta != nil {
					st, err := structpb.NewStruct(meta)
					if err != nil {
						return err
					}
					req.Metadata = st
				}
				if edit != nil {
					edit(req)
				}
				_, err := register(ctx, cl, req)
				return err
			})
		}
		cmd := func(v any) map[string]any { return map[string]any{"command": v} }
		cases := []rpcCase{
			deploy("no entrypoint", "entrypoint", "", nil, nil),
			deploy("a blank entrypoint", "entrypoint", " \t ", nil, nil),
			deploy("an entrypoint with a NUL byte", "NUL", "echo a\x00b", nil, nil),
			deploy("an entrypoint past the limit", "entrypoint", strings.Repeat("x", server.MaxEntrypoint+1), nil, nil),
			deploy("command a string", "command", "true", cmd("/bin/true"), nil),
			deploy(`command [""]`, "command[0]", "true", cmd([]any{""}), nil),
			deploy("command [1,2]", "command[0]", "true", cmd([]any{1, 2}), nil),
			deploy("command []", "command", "true", cmd([]any{}), nil),
			deploy("command {}", "command", "true", cmd(map[string]any{}), nil),
			deploy("command true", "command", "true", cmd(true), nil),
			deploy("command 7", "command", "true", cmd(7), nil),
			deploy("command [null]", "command[0]", "true", cmd([]any{nil}), nil),
			deploy(`command ["a", 1]`, "command[1]", "true", cmd([]any{"/bin/echo", 1}), nil),
			deploy(`command ["a", ["b"]]`, "command[1]", "true", cmd([]any{"/bin/echo", []any{"b"}}), nil),
			deploy("command with a NUL byte", "NUL", "true", cmd([]any{"/bin/echo", "a\x00b"}), nil),
			deploy("command's program with a NUL byte", "NUL", "true", cmd([]any{"/bin/ec\x00ho"}), nil),
			deploy("metadata past the limit", "metadata", "true", map[string]any{"blob": strings.Repeat("x", server.MaxMetadata)}, nil),
			deploy("metadata past the limit in many keys", "metadata", "true", manyKeys(server.MaxMetadata/8), nil),
			deploy("auth_mode 9", "auth_mode", "true", nil, func(r *falpb.RegisterApplicationRequest) {
				r.AuthMode = falpb.ApplicationAuthMode(9).Enum()
			}),
			deploy("auth_mode -1", "auth_mode", "true", nil, func(r *falpb.RegisterApplicationRequest) {
				r.AuthMode = falpb.ApplicationAuthMode(-1).Enum()
			}),
			deploy("deployment_strategy 5", "deployment_strategy", "true", nil, func(r *falpb.RegisterApplicationRequest) {
				r.DeploymentStrategy = falpb.DeploymentStrategy(5).Enum()
			}),
			deploy("grace -1", "termination_grace_period_seconds", "true", nil, func(r *falpb.RegisterApplicationRequest) {
				r.TerminationGracePeriodSeconds = proto.Int32(-1)
			}),
			deploy("grace past a week", "termination_grace_period_seconds", "true", nil, func(r *falpb.RegisterApplicationRequest) {
				r.TerminationGracePeriodSeconds = proto.Int32(scaling.MaxSeconds + 1)
			}),
		}
		t.runRPC(ctx, &tl, cases)
	})
	return tl.Result()
}

// manyKeys is metadata of n small entries.
func manyKeys(n int) map[string]any {
	m := make(map[string]any, n)
	for i := range n {
		m[fmt.Sprintf("key-%06d", i)] = i
	}
	return m
}
