package server

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
)

func TestSecretsPerEnvironment(t *testing.T) {
	var logs bytes.Buffer
	h := start(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := h.ctx()
	createEnv(t, h, "staging")
	set := func(env, name, value string, exposed *bool) {
		t.Helper()
		must(h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: name, Value: ptr(value), EnvironmentName: ptr(env), DefaultExposed: exposed})).get(t)
	}
	set("main", "HF_TOKEN", "main-value", nil)
	set("staging", "HF_TOKEN", "staging-value", ptr(true))
	set("staging", "DB_URL", "postgres://staging", nil)
	must(h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "UNSET_ENV_MEANS_MAIN", Value: ptr("")})).get(t)

	st := h.ctl.st
	values := func(env string) map[string]string {
		t.Helper()
		return must(st.SecretValues(ctx, env)).get(t)
	}
	if v := values("main"); len(v) != 2 || v["HF_TOKEN"] != "main-value" || v["UNSET_ENV_MEANS_MAIN"] != "" {
		t.Fatalf("main's values %v", v)
	}
	if v := values("staging"); len(v) != 2 || v["HF_TOKEN"] != "staging-value" || v["DB_URL"] != "postgres://staging" {
		t.Fatalf("staging's values %v", v)
	}

	list := func(env string) []*falpb.Secret {
		t.Helper()
		return must(h.cl.ListSecrets(ctx, &falpb.ListSecretsRequest{EnvironmentName: ptr(env)})).get(t).GetSecrets()
	}
	staging := list("staging")
	var listed []string
	for _, s := range staging {
		listed = append(listed, s.GetName())
		if s.GetEnvironmentName() != "staging" || s.GetCreatedTime() == nil || s.DefaultExposed == nil {
			t.Errorf("secret %v", s)
		}
	}
	if !slices.Equal(listed, []string{"DB_URL", "HF_TOKEN"}) {
		t.Fatalf("staging lists %v", listed)
	}
	// HF_TOKEN was set exposed; DB_URL said nothing, and a new secret is
	// exposed unless it opts out.
	if !staging[1].GetDefaultExposed() || !staging[0].GetDefaultExposed() {
		t.Errorf("default_exposed as listed: %v", staging)
	}

	// Overwriting replaces the value and creation time, and keeps
	// default_exposed unless it is set.
	before := staging[1].GetCreatedTime().AsTime()
	set("staging", "HF_TOKEN", "rotated", nil)
	after := list("staging")[1]
	if !after.GetCreatedTime().AsTime().After(before) || !after.GetDefaultExposed() {
		t.Errorf("after overwrite: %v (created before %v)", after, before)
	}
	if v := values("staging")["HF_TOKEN"]; v != "rotated" {
		t.Errorf("value after overwrite %q", v)
	}
	set("staging", "HF_TOKEN", "rotated", ptr(false))
	if list("staging")[1].GetDefaultExposed() {
		t.Error("default_exposed=false did not apply")
	}
	if v := values("main")["HF_TOKEN"]; v != "main-value" {
		t.Errorf("main's value changed to %q by staging's writes", v)
	}

	// Without a value, SetSecret deletes.
	must(h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "HF_TOKEN", EnvironmentName: ptr("staging")})).get(t)
	if v := values("staging"); len(v) != 1 || v["DB_URL"] == "" {
		t.Fatalf("staging after unset %v", v)
	}
	if v := values("main"); v["HF_TOKEN"] != "main-value" {
		t.Fatalf("unsetting in staging touched main: %v", v)
	}
	_, err := h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "HF_TOKEN", EnvironmentName: ptr("staging")})
	wantCode(t, err, codes.NotFound, `"HF_TOKEN"`, `"staging"`)

	for _, bad := range []string{"", "1BAD", "has-dash", "FAL_KEY", "HF_HOME", strings.Repeat("A", 129)} {
		_, err := h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: bad, Value: ptr("x"), EnvironmentName: ptr("staging")})
		wantCode(t, err, codes.InvalidArgument, "secret name")
	}
	_, err = h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "BIG", Value: ptr(strings.Repeat("x", names.MaxSecretValue+1))})
	wantCode(t, err, codes.InvalidArgument, `"BIG"`, "over the limit")
	must(h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "BIG", Value: ptr(strings.Repeat("x", names.MaxSecretValue))})).get(t)

	// No value reaches the log, even at debug level.
	for _, v := range []string{"main-value", "staging-value", "postgres://staging", "rotated"} {
		if strings.Contains(logs.String(), v) {
			t.Errorf("the log holds secret value %q", v)
		}
	}
	if !strings.Contains(logs.String(), "SetSecret") {
		t.Errorf("calls were not logged at debug level: %q", logs.String())
	}
}

// A value no runner could receive, and a name the platform would shadow,
// are refused naming the secret, never showing the value, and change
// nothing. Unsetting such a name stays possible.
func TestSetSecretRefusesWhatRunnersCannotUse(t *testing.T) {
	var logs bytes.Buffer
	h := start(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := h.ctx()
	must(h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "TOKEN", Value: ptr("good")})).get(t)
	before := must(h.ctl.st.Secrets(ctx, "main")).get(t)

	_, err := h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "TOKEN", Value: ptr("hunter2\x00tail")})
	wantCode(t, err, codes.InvalidArgument, `"TOKEN"`, "NUL byte")
	if strings.Contains(err.Error(), "hunter2") || strings.Contains(logs.String(), "hunter2") {
		t.Errorf("the value was shown: %v", err)
	}
	for _, name := range []string{"PORT", "FAL_KEY", "FAL_ANYTHING", "HF_HOME"} {
		_, err := h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: name, Value: ptr("x")})
		wantCode(t, err, codes.InvalidArgument, `"`+name+`"`, "reserved")
	}
	if after := must(h.ctl.st.Secrets(ctx, "main")).get(t); !slices.Equal(after, before) {
		t.Errorf("secrets changed: %+v, was %+v", after, before)
	}
	if v := must(h.ctl.st.SecretValues(ctx, "main")).get(t); v["TOKEN"] != "good" {
		t.Errorf("the value changed")
	}

	// A secret stored under a now reserved name can still be unset.
	if err := h.ctl.st.SetSecret(ctx, "main", "PORT", "1", nil); err != nil {
		t.Fatal(err)
	}
	must(h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "PORT"})).get(t)
	_, err = h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "1BAD"})
	wantCode(t, err, codes.InvalidArgument, "secret name")
}
