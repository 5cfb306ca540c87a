package main

import (
	"context"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/faldash/faldash/falpb"
)

func init() {
	Register(Section{Name: "ids", Quick: true, Run: probeIDs})
}

// badIDs are no revision's or runner's id.
var badIDs = []string{
	"", strings.Repeat("a", 65), strings.Repeat("f", 100<<10), "r\x1b[2J", "a b", "../../admin.key",
	"\u202eid", "id\u0085", "id\x00", "%00", "*",
}

// probeIDs names runners and revisions that cannot exist, that do not
// exist, and that exist but may not be used so.
func probeIDs(ctx context.Context, t *Target) (int, int, []string) {
	var tl Tally
	t.withFixture(ctx, &tl, "ids", func(f *fixture) {
		env := proto.String(f.env)
		var cases []rpcCase
		for _, id := range badIDs {
			id := id
			cases = append(cases,
				refuse("StopRunner "+id, "runner_id", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.StopRunner(ctx, &falpb.StopRunnerRequest{RunnerId: id, ReplaceFirst: true})
					return err
				}),
				refuse("KillRunner "+id, "runner_id", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.KillRunner(ctx, &falpb.KillRunnerRequest{RunnerId: id})
					return err
				}),
				refuse("DeleteApplication "+id, "application_id", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.DeleteApplication(ctx, &falpb.DeleteApplicationRequest{ApplicationId: id})
					return err
				}),
				refuse("SetAlias to revision "+id, "revision", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: f.alias, EnvironmentName: env, Revision: id})
					return err
				}),
			)
		}
		const unknown = "00000000-0000-4000-8000-000000000000"
		notFound := func(name string, call func(context.Context, falpb.IsolateControllerClient) error) rpcCase {
			return rpcCase{name: name, call: call, want: []codes.Code{codes.NotFound}, says: unknown}
		}
		cases = append(cases,
			notFound("StopRunner of no runner", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := cl.StopRunner(ctx, &falpb.StopRunnerRequest{RunnerId: unknown})
				return err
			}),
			notFound("KillRunner of no runner", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := cl.KillRunner(ctx, &falpb.KillRunnerRequest{RunnerId: unknown})
				return err
			}),
			notFound("DeleteApplication of no revision", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := cl.DeleteApplication(ctx, &falpb.DeleteApplicationRequest{ApplicationId: unknown})
				return err
			}),
			notFound("SetAlias to no revision", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: f.alias, EnvironmentName: env, Revision: unknown})
				return err
			}),
			rpcCase{name: "DeleteApplication of the revision the alias serves", want: []codes.Code{codes.FailedPrecondition}, says: f.rev,
				call: func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.DeleteApplication(ctx, &falpb.DeleteApplicationRequest{ApplicationId: f.rev})
					return err
				}},
			rpcCase{name: "SetAlias in main to a revision of another environment", want: []codes.Code{codes.NotFound}, says: f.rev,
				call: func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: "stolen", Revision: f.rev})
					return err
				}},
			rpcCase{name: "SetAlias with auth_mode 7", want: []codes.Code{codes.InvalidArgument}, says: "auth_mode",
				call: func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: f.alias, EnvironmentName: env, Revision: f.rev, AuthMode: falpb.ApplicationAuthMode(7).Enum()})
					return err
				}},
			rpcCase{name: "SetAlias with deployment_strategy 3", want: []codes.Code{codes.InvalidArgument}, says: "deployment_strategy",
				call: func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: f.alias, EnvironmentName: env, Revision: f.rev, DeploymentStrategy: falpb.DeploymentStrategy(3).Enum()})
					return err
				}},
		)
		t.runRPC(ctx, &tl, cases)
	})
	return tl.Result()
}
