package server

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/faldash/faldash/falpb"
)

func TestAdminKeyFile(t *testing.T) {
	h := start(t)
	b := must(os.ReadFile(h.ctl.KeyFile())).get(t)
	if h.ctl.KeyFile() != filepath.Join(h.dir, AdminKeyFile) {
		t.Errorf("key file %s", h.ctl.KeyFile())
	}
	id, secret := h.ctl.AdminKey()
	if string(b) != id+":"+secret+"\n" {
		t.Errorf("admin.key does not hold key_id:key_secret")
	}
	if !regexp.MustCompile(`^[0-9a-f-]{36}:[0-9a-f]{64}\n$`).Match(b) {
		t.Errorf("admin.key is not a uuid and 32 random bytes")
	}
	if mode := must(os.Stat(h.ctl.KeyFile())).get(t).Mode().Perm(); mode != 0o600 {
		t.Errorf("admin.key mode %v, want 0600", mode)
	}
	// No temporary file is left behind by the atomic write.
	for _, e := range must(os.ReadDir(h.dir)).get(t) {
		if e.Name() != AdminKeyFile && filepath.Ext(e.Name()) != ".db" && !regexp.MustCompile(`\.db-(wal|shm)$|^controller\.lock$`).MatchString(e.Name()) {
			t.Errorf("unexpected file %s in the data directory", e.Name())
		}
	}
}

func TestCallsNeedTheKey(t *testing.T) {
	h := start(t)
	id, secret := h.ctl.AdminKey()
	cases := map[string]context.Context{
		"no metadata":  t.Context(),
		"no secret":    metadata.AppendToOutgoingContext(t.Context(), MetadataKeyID, id),
		"no id":        metadata.AppendToOutgoingContext(t.Context(), MetadataKeySecret, secret),
		"wrong secret": withKey(t.Context(), id, secret[:len(secret)-1]+"x"),
		"wrong id":     withKey(t.Context(), "00000000-0000-0000-0000-000000000000", secret),
		"swapped":      withKey(t.Context(), secret, id),
	}
	for name, ctx := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := h.cl.ListEnvironments(ctx, &falpb.ListEnvironmentsRequest{})
			wantCode(t, err, codes.Unauthenticated, "credentials")
			_, err = h.cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: "sneaky"})
			wantCode(t, err, codes.Unauthenticated)
			stream, err := h.cl.RegisterApplication(ctx, &falpb.RegisterApplicationRequest{ApplicationName: ptr("a"),
				Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"}})
			if err == nil {
				_, err = stream.Recv()
			}
			wantCode(t, err, codes.Unauthenticated, "credentials")
		})
	}
	if envs := must(h.cl.ListEnvironments(h.ctx(), &falpb.ListEnvironmentsRequest{})).get(t).GetEnvironments(); len(envs) != 1 {
		t.Fatalf("refused calls changed state: %v", envs)
	}
	if got := h.aliases("main"); len(got) != 0 {
		t.Fatalf("a refused deploy registered %v", got)
	}
}

func TestReadOnlyKey(t *testing.T) {
	h := start(t)
	h.deploy("main", "my-app", nil)
	if err := h.ctl.Keys().Add(Key{ID: "runner", Secret: "s3cret", Scope: ScopeReadOnly}); err != nil {
		t.Fatal(err)
	}
	ctx := withKey(t.Context(), "runner", "s3cret")
	must(h.cl.ListEnvironments(ctx, &falpb.ListEnvironmentsRequest{})).get(t)
	must(h.cl.ListAliases(ctx, &falpb.ListAliasesRequest{})).get(t)
	must(h.cl.ListAliasRunners(ctx, &falpb.ListAliasRunnersRequest{Alias: "my-app"})).get(t)
	_, err := h.cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: "x"})
	wantCode(t, err, codes.PermissionDenied, "read-only", "CreateEnvironment")
	_, err = h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "A", Value: ptr("v")})
	wantCode(t, err, codes.PermissionDenied)
	stream, err := h.cl.RegisterApplication(ctx, &falpb.RegisterApplicationRequest{ApplicationName: ptr("a"),
		Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"}})
	if err == nil {
		_, err = stream.Recv()
	}
	wantCode(t, err, codes.PermissionDenied)

	h.ctl.Keys().Remove("runner")
	_, err = h.cl.ListEnvironments(ctx, &falpb.ListEnvironmentsRequest{})
	wantCode(t, err, codes.Unauthenticated)
}

func TestKeyring(t *testing.T) {
	var r Keyring
	if err := r.Add(Key{ID: "a", Secret: "1"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Add(Key{ID: "a", Secret: "2"}); err == nil {
		t.Error("a second key with the same id was accepted")
	}
	if err := r.Add(Key{ID: "", Secret: "2"}); err == nil {
		t.Error("a key without id was accepted")
	}
	if err := r.Add(Key{ID: "b", Secret: ""}); err == nil {
		t.Error("a key without secret was accepted")
	}
	if _, ok := r.match("a", "1"); !ok {
		t.Error("the key does not match itself")
	}
	for _, c := range [][2]string{{"a", "2"}, {"a", "11"}, {"a", ""}, {"b", "1"}, {"", ""}} {
		if _, ok := r.match(c[0], c[1]); ok {
			t.Errorf("%q:%q matched", c[0], c[1])
		}
	}
}
