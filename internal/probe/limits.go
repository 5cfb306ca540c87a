package main

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/server/store"
)

func init() {
	Register(Section{Name: "limits", Quick: true, Run: probeLimits})
	Register(Section{Name: "limits-revisions", Run: probeRevisionLimit})
}

// probeLimits fills the store to each of its quick limits (environments,
// secrets of an environment by count and by bytes) and checks that one
// more is refused with RESOURCE_EXHAUSTED naming the limit, changing
// nothing; then it removes what it made.
func probeLimits(ctx context.Context, t *Target) (int, int, []string) {
	var tl Tally
	admin := t.Admin(ctx)
	cl := t.Client()

	envs, err := cl.ListEnvironments(admin, &falpb.ListEnvironmentsRequest{})
	if err != nil {
		tl.Check("list environments", false, "%v", err)
		return tl.Result()
	}
	var made []string
	for n := len(envs.GetEnvironments()); n < store.MaxEnvironments; n++ {
		name := t.Name("limit")
		if _, err := cl.CreateEnvironment(admin, &falpb.CreateEnvironmentRequest{Name: name}); err != nil {
			tl.Check("fill the environments", false, "environment %d: %v", n+1, err)
			break
		}
		made = append(made, name)
	}
	name := t.Name("limit")
	t.runRPC(ctx, &tl, []rpcCase{exhausted(fmt.Sprintf("environment %d", store.MaxEnvironments+1), store.MaxEnvironments,
		func(ctx context.Context, cl falpb.IsolateControllerClient) error {
			_, err := cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: name})
			return err
		})})
	made = append(made, name)
	for _, name := range made {
		_, _ = cl.DeleteEnvironment(admin, &falpb.DeleteEnvironmentRequest{Name: name})
	}

	t.withFixture(ctx, &tl, "limit-count", func(f *fixture) {
		env := proto.String(f.env)
		for i := 1; i < store.MaxSecretsPerEnv; i++ { // the fixture has one
			if _, err := cl.SetSecret(admin, &falpb.SetSecretRequest{Name: fmt.Sprintf("S%d", i), Value: proto.String("v"), EnvironmentName: env}); err != nil {
				tl.Check("fill the secrets", false, "secret %d: %v", i+1, err)
				return
			}
		}
		t.runRPC(ctx, &tl, []rpcCase{exhausted(fmt.Sprintf("secret %d", store.MaxSecretsPerEnv+1), store.MaxSecretsPerEnv,
			func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "ONE_MORE", Value: proto.String("v"), EnvironmentName: env})
				return err
			})})
	})

	t.withFixture(ctx, &tl, "limit-bytes", func(f *fixture) {
		env := proto.String(f.env)
		big := strings.Repeat("v", names.MaxSecretValue)
		n := store.MaxSecretBytesPerEnv / names.MaxSecretValue
		for i := 1; i < n; i++ {
			if _, err := cl.SetSecret(admin, &falpb.SetSecretRequest{Name: fmt.Sprintf("BIG%d", i), Value: proto.String(big), EnvironmentName: env}); err != nil {
				tl.Check("fill the secrets' bytes", false, "secret %d: %v", i, err)
				return
			}
		}
		t.runRPC(ctx, &tl, []rpcCase{exhausted(fmt.Sprintf("%d secrets of 64 KiB", n), store.MaxSecretBytesPerEnv,
			func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: fmt.Sprintf("BIG%d", n), Value: proto.String(big), EnvironmentName: env})
				return err
			})})
	})
	return tl.Result()
}

// probeRevisionLimit deploys an app until its environment holds
// MaxRevisionsPerEnv revisions, then once more.
func probeRevisionLimit(ctx context.Context, t *Target) (int, int, []string) {
	var tl Tally
	t.withFixture(ctx, &tl, "limit-revisions", func(f *fixture) {
		req := &falpb.RegisterApplicationRequest{ApplicationName: proto.String(f.app), EnvironmentName: proto.String(f.env),
			Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "exec sleep 1000"}}
		for i := 1; i < store.MaxRevisionsPerEnv; i++ { // the fixture has one
			if _, err := register(t.Admin(ctx), t.Client(), req); err != nil {
				tl.Check("fill the revisions", false, "revision %d: %v", i+1, err)
				return
			}
		}
		t.runRPC(ctx, &tl, []rpcCase{exhausted(fmt.Sprintf("revision %d", store.MaxRevisionsPerEnv+1), store.MaxRevisionsPerEnv,
			func(ctx context.Context, cl falpb.IsolateControllerClient) error {
				_, err := register(ctx, cl, req)
				return err
			})})
	})
	return tl.Result()
}

// exhausted is a call past a limit of the store.
func exhausted(name string, limit int, call func(context.Context, falpb.IsolateControllerClient) error) rpcCase {
	return rpcCase{name: name, call: call, want: []codes.Code{codes.ResourceExhausted}, says: fmt.Sprint(limit)}
}
