package server

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/server/store"
)

func TestEnvironments(t *testing.T) {
	h := start(t)
	ctx := h.ctx()

	envs := must(h.cl.ListEnvironments(ctx, &falpb.ListEnvironmentsRequest{})).get(t).GetEnvironments()
	if len(envs) != 1 || envs[0].GetName() != "main" || !envs[0].GetIsDefault() || envs[0].GetCreatedAt() == nil {
		t.Fatalf("a new controller has %v, want main alone", envs)
	}

	// Created out of alphabetical order: the listing follows creation.
	for _, name := range []string{"staging", "dev"} {
		got := must(h.cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: name, Description: ptr("the " + name)})).get(t).GetEnvironment()
		if got.GetName() != name || got.GetDescription() != "the "+name || got.GetIsDefault() || got.GetCreatedAt() == nil {
			t.Fatalf("created %v", got)
		}
	}
	envs = must(h.cl.ListEnvironments(ctx, &falpb.ListEnvironmentsRequest{})).get(t).GetEnvironments()
	var order []string
	for _, e := range envs {
		order = append(order, e.GetName())
	}
	if strings.Join(order, ",") != "main,staging,dev" {
		t.Fatalf("order = %v, want main first, then by creation", order)
	}
	if envs[0].Description != nil {
		t.Errorf("main has a description %q; an empty one is unset", envs[0].GetDescription())
	}

	_, err := h.cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: "staging"})
	wantCode(t, err, codes.AlreadyExists, `"staging"`, "already exists")
	_, err = h.cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: "main"})
	wantCode(t, err, codes.AlreadyExists, "main")
	for _, bad := range []string{"", "Bad", "a--b", "1st", "trailing-", strings.Repeat("x", 33), "sp ace"} {
		_, err = h.cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: bad})
		wantCode(t, err, codes.InvalidArgument, "environment name")
	}
	_, err = h.cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: "ok", Description: ptr(strings.Repeat("d", 257))})
	wantCode(t, err, codes.InvalidArgument, "description")
	for _, d := range []string{"bell\a", "c1 \u009b31m", "next line \u0085", "\u202eevil", "isolate \u2067x\u2069", "line\u2028break"} {
		_, err = h.cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: "ok", Description: ptr(d)})
		wantCode(t, err, codes.InvalidArgument, "description may not hold U+")
	}
	if _, err := h.cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: "ok", Description: ptr(strings.Repeat("é", 256))}); err != nil {
		t.Errorf("256 characters of two bytes each: %v", err)
	}
	_, err = h.cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: "ok2", Description: ptr(strings.Repeat("é", 257))})
	wantCode(t, err, codes.InvalidArgument, "description", "256")
	must(h.cl.DeleteEnvironment(ctx, &falpb.DeleteEnvironmentRequest{Name: "ok"})).get(t)

	_, err = h.cl.DeleteEnvironment(ctx, &falpb.DeleteEnvironmentRequest{Name: "main"})
	wantCode(t, err, codes.FailedPrecondition, `"main"`, "default environment")
	_, err = h.cl.DeleteEnvironment(ctx, &falpb.DeleteEnvironmentRequest{Name: "nope"})
	wantCode(t, err, codes.NotFound, `"nope"`, "does not exist")
	_, err = h.cl.DeleteEnvironment(ctx, &falpb.DeleteEnvironmentRequest{Name: "Not Valid"})
	wantCode(t, err, codes.InvalidArgument, "Not Valid")
	_, err = h.cl.DeleteEnvironment(ctx, &falpb.DeleteEnvironmentRequest{})
	wantCode(t, err, codes.InvalidArgument, "no environment name")

	must(h.cl.DeleteEnvironment(ctx, &falpb.DeleteEnvironmentRequest{Name: "staging"})).get(t)
	envs = must(h.cl.ListEnvironments(ctx, &falpb.ListEnvironmentsRequest{})).get(t).GetEnvironments()
	if len(envs) != 2 || envs[1].GetName() != "dev" {
		t.Fatalf("after deleting staging: %v", envs)
	}
	_, err = h.cl.DeleteEnvironment(ctx, &falpb.DeleteEnvironmentRequest{Name: "staging"})
	wantCode(t, err, codes.NotFound, "staging")
}

// Calls naming an environment that is missing say so, whatever they are.
func TestMissingEnvironmentIsNotFound(t *testing.T) {
	h := start(t)
	ctx := h.ctx()
	nope := ptr("nope")
	calls := map[string]func() error{
		"ListAliases": func() error {
			_, err := h.cl.ListAliases(ctx, &falpb.ListAliasesRequest{EnvironmentName: nope})
			return err
		},
		"ListApplications": func() error {
			_, err := h.cl.ListApplications(ctx, &falpb.ListApplicationsRequest{EnvironmentName: nope})
			return err
		},
		"ListSecrets": func() error {
			_, err := h.cl.ListSecrets(ctx, &falpb.ListSecretsRequest{EnvironmentName: nope})
			return err
		},
		"SetSecret": func() error {
			_, err := h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "A", Value: ptr("v"), EnvironmentName: nope})
			return err
		},
		"UnsetSecret": func() error {
			_, err := h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "A", EnvironmentName: nope})
			return err
		},
		"UpdateApplication": func() error {
			_, err := h.cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: "a", EnvironmentName: nope})
			return err
		},
		"RolloutApplication": func() error {
			_, err := h.cl.RolloutApplication(ctx, &falpb.RolloutApplicationRequest{ApplicationName: "a", EnvironmentName: nope})
			return err
		},
		"SetAlias": func() error {
			_, err := h.cl.SetAlias(ctx, &falpb.SetAliasRequest{Alias: "a", Revision: "r", EnvironmentName: nope})
			return err
		},
		"DeleteAlias": func() error {
			_, err := h.cl.DeleteAlias(ctx, &falpb.DeleteAliasRequest{Alias: "a", EnvironmentName: nope})
			return err
		},
		"ListAliasRunners": func() error {
			_, err := h.cl.ListAliasRunners(ctx, &falpb.ListAliasRunnersRequest{Alias: "a", EnvironmentName: nope})
			return err
		},
		"RegisterApplication": func() error {
			_, err := h.register(&falpb.RegisterApplicationRequest{ApplicationName: ptr("a"), EnvironmentName: nope,
				Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"}})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			wantCode(t, call(), codes.NotFound, `environment "nope"`)
		})
	}
}

func TestDeleteEnvironmentRemovesOnlyItsOwn(t *testing.T) {
	h := start(t)
	ctx := h.ctx()
	createEnv(t, h, "staging")
	createEnv(t, h, "dev")
	revs := map[string]string{}
	for _, env := range []string{"main", "staging", "dev"} {
		revs[env] = h.deploy(env, "my-app", nil)
		h.deploy(env, "other", nil)
		must(h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "TOKEN", Value: ptr("v-" + env), EnvironmentName: ptr(env)})).get(t)
	}

	must(h.cl.DeleteEnvironment(ctx, &falpb.DeleteEnvironmentRequest{Name: "staging"})).get(t)

	st := h.ctl.st
	if _, err := st.Environment(ctx, "staging"); err == nil {
		t.Fatal("staging is still in the store")
	}
	if c := must(st.Contents(ctx, "staging")).get(t); c != (store.EnvironmentContents{}) {
		t.Errorf("of staging survived: %+v", c)
	}
	if _, err := st.Revision(ctx, revs["staging"]); err == nil {
		t.Error("staging's revision survived")
	}
	for _, env := range []string{"main", "dev"} {
		c := must(st.Contents(ctx, env)).get(t)
		if c != (store.EnvironmentContents{Aliases: 2, Revisions: 2, Secrets: 1}) {
			t.Errorf("%s after deleting staging: %+v", env, c)
		}
		vals := must(st.SecretValues(ctx, env)).get(t)
		if vals["TOKEN"] != "v-"+env {
			t.Errorf("%s's TOKEN is %q", env, vals["TOKEN"])
		}
		if _, err := st.Revision(ctx, revs[env]); err != nil {
			t.Errorf("%s's revision: %v", env, err)
		}
	}

	// A new staging starts empty.
	createEnv(t, h, "staging")
	if got := h.aliases("staging"); len(got) != 0 {
		t.Fatalf("a recreated staging has aliases %v", got)
	}
	if n := must(st.Secrets(ctx, "staging")).get(t); len(n) != 0 {
		t.Fatalf("a recreated staging has secrets %v", n)
	}
}

// A controller may describe main (the demo does), once: a description
// main already has stays, and a bad one is refused before anything opens.
func TestMainDescription(t *testing.T) {
	dir := t.TempDir()
	mainOf := func(h *harness) *falpb.EnvironmentInfo {
		return must(h.cl.ListEnvironments(h.ctx(), &falpb.ListEnvironmentsRequest{})).get(t).GetEnvironments()[0]
	}
	h := startIn(t, dir, func(c *Config) { c.MainDescription = "Production" })
	if got := mainOf(h).GetDescription(); got != "Production" {
		t.Errorf("main's description %q", got)
	}
	h.conn.Close()
	if err := h.ctl.Close(); err != nil {
		t.Fatal(err)
	}
	h = startIn(t, dir, func(c *Config) { c.MainDescription = "Something else" })
	if got := mainOf(h).GetDescription(); got != "Production" {
		t.Errorf("main's description after a reopen %q", got)
	}
	fresh := filepath.Join(t.TempDir(), "new")
	if _, err := Open(Config{DataDir: fresh, MainDescription: "bad\x1b[31m"}); err == nil || !strings.Contains(err.Error(), "description") {
		t.Errorf("a bad description: %v", err)
	}
	if _, err := os.Stat(fresh); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused Open left its data directory: %v", err)
	}
}
