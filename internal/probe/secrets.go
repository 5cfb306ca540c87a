package main

import (
	"context"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
)

func init() {
	Register(Section{Name: "secrets", Quick: true, Run: probeSecrets})
}

// probeSecrets sets secrets with names that are no variable names or that
// the platform would shadow, and values no runner could receive. The
// fixture's secret TOKEN must keep its value through all of it (its
// creation time in the listings would change otherwise).
func probeSecrets(ctx context.Context, t *Target) (int, int, []string) {
	var tl Tally
	t.withFixture(ctx, &tl, "secrets", func(f *fixture) {
		env := proto.String(f.env)
		set := func(name, value, says string) rpcCase {
			c := refuse("SetSecret "+name, says, func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: name, Value: proto.String(value), EnvironmentName: env})
				return err
			})
			return c
		}
		var cases []rpcCase
		for _, n := range []string{"", "1A", "A-B", "A B", "A=B", "É", "\x1b[2J", "A\u202e", "A\x00B", strings.Repeat("A", names.MaxSecretLen+1)} {
			cases = append(cases, set(n, "v", "secret name"))
		}
		// Names the platform sets in every runner, which would silently win.
		for _, n := range []string{"PORT", "FAL_KEY", "FAL_JOB_ID", "FAL_HOST", "FAL_RUNNER_STATE", "FAL_ANYTHING", "FAL_", "HF_HOME"} {
			cases = append(cases, set(n, "v", `"`+n+`"`))
		}
		// Values: the error names the secret and never shows the value.
		for what, v := range map[string]string{
			"with a NUL byte":                "hunter2\x00tail",
			"of only a NUL byte":             "\x00",
			"over the limit":                 strings.Repeat("hunter2", names.MaxSecretValue/7+1),
			"over the limit with a NUL byte": strings.Repeat("hunter2\x00", names.MaxSecretValue/8+1),
		} {
			c := set("TOKEN", v, `"TOKEN"`)
			c.name = "SetSecret TOKEN a value " + what
			c.hides = "hunter2"
			cases = append(cases, c)
		}
		// Unsetting: a name that never was, a bad one, and one elsewhere.
		cases = append(cases,
			rpcCase{name: "unset a missing secret", want: []codes.Code{codes.NotFound}, says: "NEVER_SET",
				call: func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "NEVER_SET", EnvironmentName: env})
					return err
				}},
			refuse("unset a bad name", "secret name", func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "1\x1b", EnvironmentName: env})
				return err
			}),
			rpcCase{name: "unset TOKEN in main (it is the fixture's)", want: []codes.Code{codes.NotFound},
				call: func(ctx context.Context, cl falpb.IsolateControllerClient) error {
					_, err := cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "TOKEN"})
					return err
				}},
		)
		t.runRPC(ctx, &tl, cases)
	})
	return tl.Result()
}
