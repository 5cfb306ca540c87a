package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faldash/faldash/internal/scaling"
)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	var n int64
	now := func() time.Time { n++; return time.Unix(1_700_000_000+n, 0) }
	s, err := Open(t.Context(), dir, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenCreatesSchemaAndMain(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := t.Context()
	v, err := s.Version(ctx)
	if err != nil || v != SchemaVersion || v < 1 {
		t.Fatalf("schema version %d, %v; want %d", v, err, SchemaVersion)
	}
	envs, err := s.Environments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 1 || envs[0].Name != "main" || !envs[0].IsDefault {
		t.Fatalf("environments %+v", envs)
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode %q, %v", mode, err)
	}
	var sync, fk int
	s.db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync)
	s.db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk)
	if sync != 2 || fk != 1 {
		t.Errorf("synchronous = %d (want 2, FULL), foreign_keys = %d", sync, fk)
	}
}

func TestReopenKeepsStateAndMainOnce(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateEnvironment(t.Context(), "dev", "d"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dir)
	envs, _ := s.Environments(t.Context())
	if len(envs) != 2 || envs[0].Name != "main" || envs[1].Name != "dev" || envs[1].Description != "d" {
		t.Fatalf("after reopen %+v", envs)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if _, err := s.db.Exec(`PRAGMA user_version = 999`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(t.Context(), dir, nil)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("opening a newer schema: %v", err)
	}
}

func TestFilesAreOwnerOnlyWhateverTheUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	s := open(t, dir)
	if err := s.SetSecret(t.Context(), "main", "K", "v", nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{FileName, FileName + "-wal", FileName + "-shm"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
}

func deploy(t *testing.T, s *Store, env, app string) Revision {
	t.Helper()
	rev, _, err := s.RegisterRevision(t.Context(), Revision{
		Ref: AppRef{Env: env, App: app}, Entrypoint: "run",
		Scaling: scaling.Settings{MaxConcurrency: 2, MaxMultiplexing: 1, KeepAlive: 10, MachineTypes: []string{"CPU"}},
	}, func(old *Alias, rev Revision) (Alias, error) { return Alias{Scaling: rev.Scaling}, nil })
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

func TestDeleteEnvironmentIsOneTransactionOverItsOwnRows(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := t.Context()
	for _, env := range []string{"staging", "dev"} {
		if _, err := s.CreateEnvironment(ctx, env, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, env := range []string{"main", "staging", "dev"} {
		deploy(t, s, env, "a")
		deploy(t, s, env, "b")
		if err := s.SetSecret(ctx, env, "K", "v-"+env, nil); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := s.DeleteEnvironment(ctx, "staging")
	if err != nil {
		t.Fatal(err)
	}
	if want := []AppRef{{"staging", "a"}, {"staging", "b"}}; !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	if c, _ := s.Contents(ctx, "staging"); c != (EnvironmentContents{}) {
		t.Errorf("staging left %+v", c)
	}
	for _, env := range []string{"main", "dev"} {
		if c, _ := s.Contents(ctx, env); c != (EnvironmentContents{Aliases: 2, Revisions: 2, Secrets: 1}) {
			t.Errorf("%s has %+v", env, c)
		}
	}

	_, err = s.DeleteEnvironment(ctx, "main")
	if !errors.Is(err, ErrProtected) {
		t.Errorf("deleting main: %v", err)
	}
	_, err = s.DeleteEnvironment(ctx, "staging")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting a missing environment: %v", err)
	}

	// A failure part-way leaves everything: a row the delete does not
	// know about (here, a trigger refusing to delete dev's secrets) makes
	// the whole transaction roll back.
	if _, err := s.db.Exec(`CREATE TRIGGER keep BEFORE DELETE ON secrets WHEN old.env = 'dev'
		BEGIN SELECT RAISE(ABORT, 'refused'); END`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteEnvironment(ctx, "dev"); err == nil {
		t.Fatal("the delete passed the trigger")
	}
	if c, _ := s.Contents(ctx, "dev"); c != (EnvironmentContents{Aliases: 2, Revisions: 2, Secrets: 1}) {
		t.Errorf("a failed delete left dev with %+v", c)
	}
	if _, err := s.Environment(ctx, "dev"); err != nil {
		t.Errorf("a failed delete removed dev: %v", err)
	}
}

func TestSecrets(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := t.Context()
	if _, err := s.CreateEnvironment(ctx, "staging", ""); err != nil {
		t.Fatal(err)
	}
	yes := true
	if err := s.SetSecret(ctx, "main", "TOKEN", "m", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSecret(ctx, "staging", "TOKEN", "s", &yes); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSecret(ctx, "nope", "TOKEN", "x", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("secret in a missing environment: %v", err)
	}
	m, _ := s.SecretValues(ctx, "main")
	st, _ := s.SecretValues(ctx, "staging")
	if len(m) != 1 || m["TOKEN"] != "m" || len(st) != 1 || st["TOKEN"] != "s" {
		t.Fatalf("values main %v staging %v", m, st)
	}
	list, _ := s.Secrets(ctx, "staging")
	if len(list) != 1 || !list[0].DefaultExposed || list[0].Env != "staging" {
		t.Fatalf("staging secrets %+v", list)
	}
	if err := s.SetSecret(ctx, "staging", "TOKEN", "s2", nil); err != nil {
		t.Fatal(err)
	}
	list2, _ := s.Secrets(ctx, "staging")
	if !list2[0].DefaultExposed || !list2[0].CreatedAt.After(list[0].CreatedAt) {
		t.Errorf("after overwrite %+v", list2[0])
	}
	if err := s.DeleteSecret(ctx, "staging", "TOKEN"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSecret(ctx, "staging", "TOKEN"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	if m, _ := s.SecretValues(ctx, "main"); m["TOKEN"] != "m" {
		t.Errorf("main after deleting staging's %v", m)
	}
}

func TestRevisionsAndAliases(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := t.Context()
	r1 := deploy(t, s, "main", "a")
	r2 := deploy(t, s, "main", "a")
	revs, _ := s.Revisions(ctx, "main", "a")
	if len(revs) != 2 || revs[0].ID != r2.ID || revs[1].ID != r1.ID {
		t.Fatalf("revisions not newest first: %+v", revs)
	}
	if string(revs[0].Metadata) != "{}" || !slices.Equal(revs[0].Scaling.MachineTypes, []string{"CPU"}) || revs[0].Scaling.RequestTimeout != nil {
		t.Errorf("revision read back %+v", revs[0])
	}
	a, err := s.Alias(ctx, AppRef{"main", "a"})
	if err != nil || a.Revision != r2.ID {
		t.Fatalf("alias %+v, %v", a, err)
	}

	if err := s.DeleteRevision(ctx, r2.ID); !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("deleting the live revision: %v", err)
	}
	if err := s.DeleteRevision(ctx, r1.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRevision(ctx, r1.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}

	// UpdateAlias: an error from fn changes nothing.
	boom := errors.New("boom")
	_, err = s.UpdateAlias(ctx, AppRef{"main", "a"}, func(a *Alias) error {
		a.Scaling.MinConcurrency = 99
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateAlias error %v", err)
	}
	if now, _ := s.Alias(ctx, AppRef{"main", "a"}); now.Scaling.MinConcurrency != 0 || !now.UpdatedAt.Equal(a.UpdatedAt) {
		t.Errorf("a failed update changed %+v", now)
	}
	got, err := s.UpdateAlias(ctx, AppRef{"main", "a"}, func(a *Alias) error {
		a.Scaling.MinConcurrency, a.Scaling.ScalingDelay = 1, scaling.Int(3)
		a.Revision = "ignored"
		return nil
	})
	if err != nil || got.Revision != r2.ID || got.Scaling.MinConcurrency != 1 || *got.Scaling.ScalingDelay != 3 {
		t.Fatalf("UpdateAlias %+v, %v", got, err)
	}
	if _, err := s.UpdateAlias(ctx, AppRef{"main", "zz"}, func(*Alias) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("updating a missing alias: %v", err)
	}

	// PointAlias only within the revision's environment.
	if _, err := s.CreateEnvironment(ctx, "dev", ""); err != nil {
		t.Fatal(err)
	}
	keep := func(old *Alias, rev Revision) (Alias, error) { return Alias{Scaling: rev.Scaling}, nil }
	if _, err := s.PointAlias(ctx, AppRef{"dev", "a"}, r2.ID, keep); !errors.Is(err, ErrNotFound) {
		t.Errorf("pointing dev at main's revision: %v", err)
	}
	if _, err := s.PointAlias(ctx, AppRef{"main", "b"}, r2.ID, keep); err != nil {
		t.Fatal(err)
	}
	all, _ := s.Aliases(ctx, "")
	if len(all) != 2 {
		t.Errorf("aliases %+v", all)
	}
	rev, err := s.DeleteAlias(ctx, AppRef{"main", "b"})
	if err != nil || rev != r2.ID {
		t.Errorf("DeleteAlias %q, %v", rev, err)
	}
	if _, err := s.DeleteAlias(ctx, AppRef{"main", "b"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	if _, _, err := s.RegisterRevision(ctx, Revision{Ref: AppRef{"nope", "a"}}, keep); !errors.Is(err, ErrNotFound) {
		t.Errorf("registering in a missing environment: %v", err)
	}
}

// Foreign keys hold: a revision an alias points at cannot vanish under it
// even through a raw delete.
func TestForeignKeysAreEnforced(t *testing.T) {
	s := open(t, t.TempDir())
	r := deploy(t, s, "main", "a")
	_, err := s.db.ExecContext(context.Background(), `DELETE FROM revisions WHERE id = ?`, r.ID)
	if err == nil {
		t.Fatal("a revision with an alias was deleted")
	}
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM revisions`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("revisions %d, %v", n, err)
	}
}

func TestDeployments(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := t.Context()
	r := deploy(t, s, "main", "a")
	deploy(t, s, "main", "b")
	d, err := s.Deployment(ctx, AppRef{"main", "a"})
	if err != nil || d.Alias.Revision != r.ID || d.Revision.ID != r.ID || d.Revision.Entrypoint != "run" {
		t.Fatalf("Deployment %+v, %v", d, err)
	}
	all, err := s.Deployments(ctx)
	if err != nil || len(all) != 2 || all[1].Alias.Ref.App != "b" || all[1].Revision.ID != all[1].Alias.Revision {
		t.Fatalf("Deployments %+v, %v", all, err)
	}
	if _, err := s.Deployment(ctx, AppRef{"main", "zz"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing deployment: %v", err)
	}
}
