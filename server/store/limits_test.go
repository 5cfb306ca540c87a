package store

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/faldash/faldash/internal/scaling"
)

// Each limit refuses the write one past it with ErrLimit and a message
// giving the limit, leaves what is stored as it was, and counts only what
// it should: replacing a secret or refusing a revision elsewhere is fine.
func TestLimits(t *testing.T) {
	s := open(t, t.TempDir())
	s.limits = limits{environments: 3, revisionsPerEnv: 2, secretsPerEnv: 2, secretBytesPerEnv: 40}
	ctx := t.Context()
	mustLimit := func(what string, err error, limit string) {
		t.Helper()
		if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), limit) {
			t.Errorf("%s: %v, want ErrLimit naming %s", what, err, limit)
		}
	}

	for _, n := range []string{"a", "b"} {
		if _, err := s.CreateEnvironment(ctx, n, ""); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.CreateEnvironment(ctx, "c", "")
	mustLimit("a fourth environment", err, "(3)")
	envs, _ := s.Environments(ctx)
	if len(envs) != 3 {
		t.Errorf("%d environments after the refusal", len(envs))
	}

	rev := func(env, app string) error {
		_, _, err := s.RegisterRevision(ctx, Revision{Ref: AppRef{Env: env, App: app}, Entrypoint: "x", Scaling: scaling.Settings{MaxConcurrency: 1, MaxMultiplexing: 1}},
			func(_ *Alias, rev Revision) (Alias, error) { return Alias{Scaling: rev.Scaling}, nil })
		return err
	}
	for _, app := range []string{"one", "two"} {
		if err := rev("a", app); err != nil {
			t.Fatal(err)
		}
	}
	mustLimit("a third revision in a", rev("a", "one"), "(2)")
	if err := rev("b", "one"); err != nil {
		t.Errorf("a revision in another environment: %v", err)
	}
	if revs, _ := s.Revisions(ctx, "a", ""); len(revs) != 2 {
		t.Errorf("%d revisions in a after the refusal", len(revs))
	}

	if err := s.SetSecret(ctx, "a", "K1", "0123456789", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSecret(ctx, "a", "K2", "0123456789", nil); err != nil {
		t.Fatal(err)
	}
	mustLimit("a third secret", s.SetSecret(ctx, "a", "K3", "v", nil), "2")
	if err := s.SetSecret(ctx, "a", "K2", "0123456789abcdef", nil); err != nil {
		t.Errorf("replacing a secret within the bytes: %v", err)
	}
	mustLimit("a secret over the bytes", s.SetSecret(ctx, "a", "K2", strings.Repeat("x", 30), nil), "40 bytes")
	if err := s.SetSecret(ctx, "b", "K3", "v", nil); err != nil {
		t.Errorf("a secret in another environment: %v", err)
	}
	vals, _ := s.SecretValues(ctx, "a")
	if len(vals) != 2 || vals["K2"] != "0123456789abcdef" {
		t.Errorf("secrets of a after the refusals: %v", slices.Sorted(maps.Keys(vals)))
	}
}
