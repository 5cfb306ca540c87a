package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/faldash/faldash/internal/scaling"
)

// Revision is one registered revision of an app (fal's ApplicationInfo).
// AuthMode and Strategy hold fal's enum numbers (ApplicationAuthMode,
// DeploymentStrategy), so the store needs no protocol types.
type Revision struct {
	ID         string
	Ref        AppRef
	CreatedAt  time.Time
	Entrypoint string
	// Metadata is fal's metadata Struct as a JSON object.
	Metadata []byte
	AuthMode int32
	Strategy int32
	// TerminationGrace is the runners' grace period in seconds; nil leaves
	// the controller's default.
	TerminationGrace *int
	Scaling          scaling.Settings
}

// Alias is an app as it is live in one environment: the revision it serves
// and the scaling its runners follow (scaling belongs to the alias, as in
// fal's AliasInfo; a revision's settings are what it was deployed with).
type Alias struct {
	Ref       AppRef
	Revision  string
	AuthMode  int32
	CreatedAt time.Time
	UpdatedAt time.Time
	Scaling   scaling.Settings
}

const revisionColumns = `id, env, app, created_at, entrypoint, metadata, auth_mode,
	deployment_strategy, termination_grace, ` + scalingColumns

func scanRevision(row interface{ Scan(...any) error }) (Revision, error) {
	var r Revision
	var created int64
	var meta string
	var grace sql.NullInt64
	var sc scalingScan
	dest := append([]any{&r.ID, &r.Ref.Env, &r.Ref.App, &created, &r.Entrypoint, &meta,
		&r.AuthMode, &r.Strategy, &grace}, sc.dest()...)
	if err := row.Scan(dest...); err != nil {
		return Revision{}, err
	}
	r.CreatedAt = fromStamp(created)
	r.Metadata = []byte(meta)
	r.TerminationGrace = optInt(grace)
	var err error
	if r.Scaling, err = sc.settings(); err != nil {
		return Revision{}, fmt.Errorf("revision %s: %w", r.ID, err)
	}
	return r, nil
}

const aliasColumns = `env, app, revision, auth_mode, created_at, updated_at, ` + scalingColumns

func scanAlias(row interface{ Scan(...any) error }) (Alias, error) {
	var a Alias
	var created, updated int64
	var sc scalingScan
	dest := append([]any{&a.Ref.Env, &a.Ref.App, &a.Revision, &a.AuthMode, &created, &updated}, sc.dest()...)
	if err := row.Scan(dest...); err != nil {
		return Alias{}, err
	}
	a.CreatedAt = fromStamp(created)
	a.UpdatedAt = fromStamp(updated)
	var err error
	if a.Scaling, err = sc.settings(); err != nil {
		return Alias{}, fmt.Errorf("alias %s: %w", a.Ref.Alias(), err)
	}
	return a, nil
}

// PointFunc decides an alias's state when it is pointed at rev: old is the
// alias as it was (nil when it is new). Its result's Ref and Revision are
// overwritten with the alias and rev; an error cancels the whole change
// and is returned as is.
type PointFunc func(old *Alias, rev Revision) (Alias, error)

// RegisterRevision stores a new revision of rev.Ref (its ID and CreatedAt
// are assigned here) and points the app's alias at it, creating the alias,
// all in one transaction. The environment must exist and hold fewer than
// MaxRevisionsPerEnv revisions (else an error wrapping ErrLimit).
func (s *Store) RegisterRevision(ctx context.Context, rev Revision, point PointFunc) (Revision, Alias, error) {
	rev.ID = uuid.NewString()
	rev.CreatedAt = fromStamp(s.stamp())
	if len(rev.Metadata) == 0 {
		rev.Metadata = []byte("{}")
	}
	var alias Alias
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := getEnvironment(ctx, tx, rev.Ref.Env); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM revisions WHERE env = ?`, rev.Ref.Env).Scan(&n); err != nil {
			return fmt.Errorf("store revision of %s: %w", rev.Ref, err)
		}
		if n >= s.limits.revisionsPerEnv {
			return fmt.Errorf("store revision of %s: %w: environment %q has %d revisions, the most it keeps (%d); delete old ones (DeleteApplication) first",
				rev.Ref, ErrLimit, rev.Ref.Env, n, s.limits.revisionsPerEnv)
		}
		sc, err := scalingArgs(rev.Scaling)
		if err != nil {
			return err
		}
		args := append([]any{rev.ID, rev.Ref.Env, rev.Ref.App, rev.CreatedAt.UnixNano(), rev.Entrypoint,
			string(rev.Metadata), rev.AuthMode, rev.Strategy, nullInt(rev.TerminationGrace)}, sc...)
		if _, err := tx.ExecContext(ctx, `INSERT INTO revisions (`+revisionColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...); err != nil {
			return fmt.Errorf("store revision of %s: %w", rev.Ref, err)
		}
		alias, err = pointAlias(ctx, tx, rev.Ref, rev, point, s.stamp())
		return err
	})
	if err != nil {
		return Revision{}, Alias{}, err
	}
	return rev, alias, nil
}

// PointAlias points ref's alias at an existing revision of the same
// environment, creating the alias if needed.
func (s *Store) PointAlias(ctx context.Context, ref AppRef, revisionID string, point PointFunc) (Alias, error) {
	var alias Alias
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := getEnvironment(ctx, tx, ref.Env); err != nil {
			return err
		}
		rev, err := scanRevision(tx.QueryRowContext(ctx,
			`SELECT `+revisionColumns+` FROM revisions WHERE id = ? AND env = ?`, revisionID, ref.Env))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("revision %q in environment %q %w", revisionID, ref.Env, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("read revision %q: %w", revisionID, err)
		}
		alias, err = pointAlias(ctx, tx, ref, rev, point, s.stamp())
		return err
	})
	return alias, err
}

func pointAlias(ctx context.Context, tx *sql.Tx, ref AppRef, rev Revision, point PointFunc, now int64) (Alias, error) {
	var old *Alias
	cur, err := getAlias(ctx, tx, ref)
	switch {
	case err == nil:
		old = &cur
	case !errors.Is(err, ErrNotFound):
		return Alias{}, err
	}
	a, err := point(old, rev)
	if err != nil {
		return Alias{}, err
	}
	a.Ref, a.Revision = ref, rev.ID
	a.UpdatedAt = fromStamp(now)
	if old != nil {
		a.CreatedAt = old.CreatedAt
	} else {
		a.CreatedAt = a.UpdatedAt
	}
	sc, err := scalingArgs(a.Scaling)
	if err != nil {
		return Alias{}, err
	}
	args := append([]any{ref.Env, ref.App, a.Revision, a.AuthMode, a.CreatedAt.UnixNano(), a.UpdatedAt.UnixNano()}, sc...)
	_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO aliases (`+aliasColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return Alias{}, fmt.Errorf("point alias %s at %s: %w", ref.Alias(), rev.ID, err)
	}
	return a, nil
}

// UpdateAlias reads ref's alias, lets fn change it, and writes it back, in
// one transaction. An error from fn leaves everything as it was and is
// returned as is. fn may change AuthMode and Scaling; other fields are
// kept.
func (s *Store) UpdateAlias(ctx context.Context, ref AppRef, fn func(*Alias) error) (Alias, error) {
	var out Alias
	err := s.tx(ctx, func(tx *sql.Tx) error {
		a, err := getAlias(ctx, tx, ref)
		if err != nil {
			return err
		}
		next := a
		if err := fn(&next); err != nil {
			return err
		}
		next.Ref, next.Revision, next.CreatedAt = a.Ref, a.Revision, a.CreatedAt
		next.UpdatedAt = fromStamp(s.stamp())
		sc, err := scalingArgs(next.Scaling)
		if err != nil {
			return err
		}
		args := append([]any{next.AuthMode, next.UpdatedAt.UnixNano()}, sc...)
		args = append(args, ref.Env, ref.App)
		if _, err := tx.ExecContext(ctx, `UPDATE aliases SET auth_mode = ?, updated_at = ?, `+scalingAssign+`
			WHERE env = ? AND app = ?`, args...); err != nil {
			return fmt.Errorf("update alias %s: %w", ref.Alias(), err)
		}
		out = next
		return nil
	})
	return out, err
}

// Alias returns ref's alias, or an error wrapping ErrNotFound.
func (s *Store) Alias(ctx context.Context, ref AppRef) (Alias, error) {
	return getAlias(ctx, s.db, ref)
}

func getAlias(ctx context.Context, q queryer, ref AppRef) (Alias, error) {
	a, err := scanAlias(q.QueryRowContext(ctx,
		`SELECT `+aliasColumns+` FROM aliases WHERE env = ? AND app = ?`, ref.Env, ref.App))
	if errors.Is(err, sql.ErrNoRows) {
		return Alias{}, fmt.Errorf("app %w", notFoundApp(ref))
	}
	if err != nil {
		return Alias{}, fmt.Errorf("read alias %s: %w", ref.Alias(), err)
	}
	return a, nil
}

func notFoundApp(ref AppRef) error {
	return fmt.Errorf("%q %w in environment %q", ref.App, ErrNotFound, ref.Env)
}

// Aliases lists the aliases of env ("" lists every environment's), by
// environment and app name.
func (s *Store) Aliases(ctx context.Context, env string) ([]Alias, error) {
	q := `SELECT ` + aliasColumns + ` FROM aliases`
	var args []any
	if env != "" {
		q += ` WHERE env = ?`
		args = append(args, env)
	}
	return queryAll(ctx, s.db, "list aliases", scanAlias, q+` ORDER BY env, app`, args...)
}

// DeleteAlias removes ref's alias and returns the revision it pointed at.
// The revision itself stays.
func (s *Store) DeleteAlias(ctx context.Context, ref AppRef) (string, error) {
	var rev string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		a, err := getAlias(ctx, tx, ref)
		if err != nil {
			return err
		}
		rev = a.Revision
		if _, err := tx.ExecContext(ctx, `DELETE FROM aliases WHERE env = ? AND app = ?`, ref.Env, ref.App); err != nil {
			return fmt.Errorf("delete alias %s: %w", ref.Alias(), err)
		}
		return nil
	})
	return rev, err
}

// Revision returns one revision by id, or an error wrapping ErrNotFound.
func (s *Store) Revision(ctx context.Context, id string) (Revision, error) {
	r, err := scanRevision(s.db.QueryRowContext(ctx, `SELECT `+revisionColumns+` FROM revisions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Revision{}, fmt.Errorf("revision %q %w", id, ErrNotFound)
	}
	if err != nil {
		return Revision{}, fmt.Errorf("read revision %q: %w", id, err)
	}
	return r, nil
}

// Revisions lists the revisions of app in env (every app's when app is
// empty), newest first.
func (s *Store) Revisions(ctx context.Context, env, app string) ([]Revision, error) {
	q := `SELECT ` + revisionColumns + ` FROM revisions WHERE env = ?`
	args := []any{env}
	if app != "" {
		q += ` AND app = ?`
		args = append(args, app)
	}
	return queryAll(ctx, s.db, "list revisions", scanRevision, q+` ORDER BY created_at DESC, rowid DESC`, args...)
}

// DeleteRevision removes a revision no alias points at. A revision still
// in use is refused with an error wrapping ErrInUse that names the alias.
func (s *Store) DeleteRevision(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var env string
		err := tx.QueryRowContext(ctx, `SELECT env FROM revisions WHERE id = ?`, id).Scan(&env)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("revision %q %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("read revision %q: %w", id, err)
		}
		var ref AppRef
		err = tx.QueryRowContext(ctx, `SELECT env, app FROM aliases WHERE revision = ? ORDER BY env, app LIMIT 1`, id).
			Scan(&ref.Env, &ref.App)
		if err == nil {
			return fmt.Errorf("revision %q %w: alias %q of environment %q points at it; delete that alias or point it elsewhere first",
				id, ErrInUse, ref.Alias(), ref.Env)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("check aliases of revision %q: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM revisions WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete revision %q: %w", id, err)
		}
		return nil
	})
}

// Deployment is an alias with the revision it serves, read together.
type Deployment struct {
	Alias    Alias
	Revision Revision
}

// Deployment reads ref's alias and its revision in one transaction, so
// the pair is consistent even while the alias is being re-pointed.
func (s *Store) Deployment(ctx context.Context, ref AppRef) (Deployment, error) {
	var d Deployment
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = deployment(ctx, tx, ref)
		return err
	})
	return d, err
}

// Deployments reads every alias of every environment with its revision,
// in one transaction.
func (s *Store) Deployments(ctx context.Context) ([]Deployment, error) {
	var out []Deployment
	err := s.tx(ctx, func(tx *sql.Tx) error {
		refs, err := queryAll(ctx, tx, "list deployments", func(row rowScanner) (AppRef, error) {
			var r AppRef
			err := row.Scan(&r.Env, &r.App)
			return r, err
		}, `SELECT env, app FROM aliases ORDER BY env, app`)
		if err != nil {
			return err
		}
		for _, r := range refs {
			d, err := deployment(ctx, tx, r)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

func deployment(ctx context.Context, tx *sql.Tx, ref AppRef) (Deployment, error) {
	a, err := getAlias(ctx, tx, ref)
	if err != nil {
		return Deployment{}, err
	}
	r, err := scanRevision(tx.QueryRowContext(ctx, `SELECT `+revisionColumns+` FROM revisions WHERE id = ?`, a.Revision))
	if err != nil {
		return Deployment{}, fmt.Errorf("read revision %q of %s: %w", a.Revision, ref.Alias(), err)
	}
	return Deployment{Alias: a, Revision: r}, nil
}
