package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/faldash/faldash/internal/names"
)

// Environment is one environment row.
type Environment struct {
	Name        string
	Description string
	IsDefault   bool
	CreatedAt   time.Time
}

// AppRef names an app (an alias) in an environment.
type AppRef struct {
	Env string
	App string // bare name, without the --env suffix
}

// Alias is the full alias of the app: the bare name in main, app--env
// elsewhere.
func (r AppRef) Alias() string { return names.Alias(r.App, r.Env) }

func (r AppRef) String() string { return fmt.Sprintf("%q in environment %q", r.App, r.Env) }

const envColumns = `name, description, is_default, created_at`

func scanEnvironment(row interface{ Scan(...any) error }) (Environment, error) {
	var e Environment
	var created int64
	if err := row.Scan(&e.Name, &e.Description, &e.IsDefault, &created); err != nil {
		return Environment{}, err
	}
	e.CreatedAt = fromStamp(created)
	return e, nil
}

// Environments lists every environment: the default first, then by
// creation.
func (s *Store) Environments(ctx context.Context) ([]Environment, error) {
	return queryAll(ctx, s.db, "list environments", scanEnvironment,
		`SELECT `+envColumns+` FROM environments ORDER BY is_default DESC, created_at, rowid`)
}

// Environment returns one environment, or an error wrapping ErrNotFound.
func (s *Store) Environment(ctx context.Context, name string) (Environment, error) {
	return getEnvironment(ctx, s.db, name)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getEnvironment(ctx context.Context, q queryer, name string) (Environment, error) {
	e, err := scanEnvironment(q.QueryRowContext(ctx,
		`SELECT `+envColumns+` FROM environments WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Environment{}, fmt.Errorf("environment %q %w", name, ErrNotFound)
	}
	if err != nil {
		return Environment{}, fmt.Errorf("read environment %q: %w", name, err)
	}
	return e, nil
}

// CreateEnvironment adds an environment; an existing name is an error
// wrapping ErrExists, one past MaxEnvironments wraps ErrLimit. Names are
// validated by the caller.
func (s *Store) CreateEnvironment(ctx context.Context, name, description string) (Environment, error) {
	e := Environment{Name: name, Description: description, CreatedAt: fromStamp(s.stamp())}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM environments WHERE name = ?`, name).Scan(&n); err != nil {
			return fmt.Errorf("create environment %q: %w", name, err)
		}
		if n > 0 {
			return fmt.Errorf("environment %q %w", name, ErrExists)
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM environments`).Scan(&n); err != nil {
			return fmt.Errorf("create environment %q: %w", name, err)
		}
		if n >= s.limits.environments {
			return fmt.Errorf("create environment %q: %w: there are %d environments, the most a controller keeps (%d); delete one first",
				name, ErrLimit, n, s.limits.environments)
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO environments (name, description, is_default, created_at) VALUES (?, ?, 0, ?)`,
			name, description, e.CreatedAt.UnixNano())
		if err != nil {
			return fmt.Errorf("create environment %q: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return Environment{}, err
	}
	return e, nil
}

// DescribeDefault gives the default environment description, unless it
// has one: fal has no call that changes a description, so this is for a
// controller to set up (the demo's main) rather than for its clients.
func (s *Store) DescribeDefault(ctx context.Context, description string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE environments SET description = ? WHERE is_default = 1 AND description = ''`, description)
	if err != nil {
		return fmt.Errorf("describe the default environment: %w", err)
	}
	return nil
}

// DeleteEnvironment removes an environment with all its aliases,
// revisions and secrets in one transaction, and returns the apps whose
// aliases it removed (so their runners can be stopped). The default
// environment is refused with an error wrapping ErrProtected.
func (s *Store) DeleteEnvironment(ctx context.Context, name string) ([]AppRef, error) {
	var removed []AppRef
	err := s.tx(ctx, func(tx *sql.Tx) error {
		e, err := getEnvironment(ctx, tx, name)
		if err != nil {
			return err
		}
		if e.IsDefault {
			return fmt.Errorf("environment %q %w: it is the default environment", name, ErrProtected)
		}
		apps, err := aliasNames(ctx, tx, name)
		if err != nil {
			return err
		}
		removed = apps
		// Children first: aliases point at revisions, and everything points
		// at the environment.
		for _, table := range []string{"aliases", "revisions", "secrets", "environments"} {
			col := "env"
			if table == "environments" {
				col = "name"
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+col+` = ?`, name); err != nil {
				return fmt.Errorf("delete environment %q: %s: %w", name, table, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return removed, nil
}

// EnvironmentContents counts what deleting an environment would destroy.
type EnvironmentContents struct {
	Aliases, Revisions, Secrets int
}

// Contents counts an environment's aliases, revisions and secrets.
func (s *Store) Contents(ctx context.Context, env string) (EnvironmentContents, error) {
	var c EnvironmentContents
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM aliases WHERE env = ?),
		(SELECT count(*) FROM revisions WHERE env = ?),
		(SELECT count(*) FROM secrets WHERE env = ?)`, env, env, env).
		Scan(&c.Aliases, &c.Revisions, &c.Secrets)
	if err != nil {
		return c, fmt.Errorf("count contents of environment %q: %w", env, err)
	}
	return c, nil
}

func aliasNames(ctx context.Context, tx *sql.Tx, env string) ([]AppRef, error) {
	return queryAll(ctx, tx, fmt.Sprintf("list aliases of %q", env), func(row rowScanner) (AppRef, error) {
		r := AppRef{Env: env}
		err := row.Scan(&r.App)
		return r, err
	}, `SELECT app FROM aliases WHERE env = ? ORDER BY app`, env)
}
