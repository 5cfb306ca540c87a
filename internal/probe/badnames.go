package main

import (
	"context"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/faldash/faldash/falpb"
)

func init() {
	Register(Section{Name: "names", Quick: true, Run: probeNames})
}

// badNames are environment and app names no call may take: wrong case,
// characters, shape or length, terminal escapes, bidi overrides, C1
// controls, a path, and one of 100 KiB.
var badNames = []string{
	"Bad", "a_b", "1st", "trailing-", "-lead", "sp ace", strings.Repeat("x", 64), "dév",
	"\x1b[31mred", "\u202eevil", "a\u0085b", "nul\x00", "../etc", strings.Repeat("n", 100<<10),
}

// probeNames sends bad environment and app names (and aliases that name
// another environment) to every call that takes one.
func probeNames(ctx context.Context, t *Target) (int, int, []string) {
	var tl Tally
	t.withFixture(ctx, &tl, "names", func(f *fixture) {
		var cases []rpcCase
		env := proto.String(f.env)
		for _, n := range badNames {
			n := n
			cases = append(cases,
				refuse("CreateEnvironment "+n, "environment name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: n})
					return err
				}),
				refuse("DeleteEnvironment "+n, "environment name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.DeleteEnvironment(ctx, &falpb.DeleteEnvironmentRequest{Name: n})
					return err
				}),
				refuse("ListAliases env "+n, "environment name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.ListAliases(ctx, &falpb.ListAliasesRequest{EnvironmentName: &n})
					return err
				}),
				refuse("ListSecrets env "+n, "environment name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.ListSecrets(ctx, &falpb.ListSecretsRequest{EnvironmentName: &n})
					return err
				}),
				refuse("SetSecret env "+n, "environment name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "TOKEN", Value: proto.String("v"), EnvironmentName: &n})
					return err
				}),
				refuse("ListApplications app "+n, "app name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.ListApplications(ctx, &falpb.ListApplicationsRequest{ApplicationName: &n, EnvironmentName: env})
					return err
				}),
				refuse("UpdateApplication "+n, "app name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: n, EnvironmentName: env, MinConcurrency: proto.Int32(0)})
					return err
				}),
				refuse("RolloutApplication "+n, "app name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.RolloutApplication(ctx, &falpb.RolloutApplicationRequest{ApplicationName: n, EnvironmentName: env})
					return err
				}),
				refuse("SetAlias "+n, "app name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: n, Revision: f.rev, EnvironmentName: env})
					return err
				}),
				refuse("DeleteAlias "+n, "app name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.DeleteAlias(ctx, &falpb.DeleteAliasRequest{Alias: n, EnvironmentName: env})
					return err
				}),
				refuse("ListAliasRunners "+n, "app name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.ListAliasRunners(ctx, &falpb.ListAliasRunnersRequest{Alias: n, EnvironmentName: env})
					return err
				}),
				refuse("RegisterApplication "+n, "app name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := register(ctx, cl, &falpb.RegisterApplicationRequest{ApplicationName: &n, EnvironmentName: env,
						Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"}})
					return err
				}),
			)
		}
		// No name at all, where one is required.
		cases = append(cases,
			refuse("CreateEnvironment without a name", "environment name is empty", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{})
				return err
			}),
			refuse("DeleteEnvironment without a name", "no environment name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := cl.DeleteEnvironment(ctx, &falpb.DeleteEnvironmentRequest{})
				return err
			}),
			refuse("UpdateApplication without a name", "no app name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{EnvironmentName: env, MinConcurrency: proto.Int32(0)})
				return err
			}),
			refuse("RegisterApplication without a name", "application_name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := register(ctx, cl, &falpb.RegisterApplicationRequest{EnvironmentName: env,
					Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"}})
				return err
			}),
		)
		// Aliases whose suffix names another environment than the call's.
		for _, alias := range []string{f.app + "--main", f.app + "--other-env", f.app + "--" + f.env + "--x"} {
			alias := alias
			cases = append(cases,
				rpcCase{name: "UpdateApplication " + alias, want: []codes.Code{codes.InvalidArgument},
					call: func(ctx context.Context, cl falpb.IsolateControllerClient) error {
						_, err := cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: alias, EnvironmentName: env, MinConcurrency: proto.Int32(0)})
						return err
					}},
				rpcCase{name: "DeleteAlias " + alias, want: []codes.Code{codes.InvalidArgument},
					call: func(ctx context.Context, cl falpb.IsolateControllerClient) error {
						_, err := cl.DeleteAlias(ctx, &falpb.DeleteAliasRequest{Alias: alias, EnvironmentName: env})
						return err
					}})
		}
		// Well-formed names of nothing.
		missing := proto.String("no-such-env")
		cases = append(cases,
			rpcCase{name: "DeleteEnvironment no-such-env", want: []codes.Code{codes.NotFound}, says: "no-such-env",
				call: func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.DeleteEnvironment(ctx, &falpb.DeleteEnvironmentRequest{Name: *missing})
					return err
				}},
			rpcCase{name: "DeleteEnvironment main", want: []codes.Code{codes.FailedPrecondition}, says: "default",
				call: func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.DeleteEnvironment(ctx, &falpb.DeleteEnvironmentRequest{Name: "main"})
					return err
				}},
			rpcCase{name: "CreateEnvironment main", want: []codes.Code{codes.AlreadyExists},
				call: func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: "main"})
					return err
				}},
			rpcCase{name: "SetSecret in no-such-env", want: []codes.Code{codes.NotFound}, says: "no-such-env",
				call: func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "TOKEN", Value: proto.String("v"), EnvironmentName: missing})
					return err
				}},
			rpcCase{name: "UpdateApplication of no-such-app", want: []codes.Code{codes.NotFound},
				call: func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: "no-such-app", EnvironmentName: env, MinConcurrency: proto.Int32(0)})
					return err
				}},
			rpcCase{name: "RegisterApplication in no-such-env", want: []codes.Code{codes.NotFound},
				call: func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := register(ctx, cl, &falpb.RegisterApplicationRequest{ApplicationName: proto.String("app"), EnvironmentName: missing,
						Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"}})
					return err
				}},
		)
		t.runRPC(ctx, &tl, cases)
	})
	return tl.Result()
}
