package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Secret is a secret's name and metadata; the value is read only through
// SecretValues, for runner processes.
type Secret struct {
	Env            string
	Name           string
	DefaultExposed bool
	CreatedAt      time.Time
}

// SetSecret stores value under name in env. Overwriting a secret replaces
// its value and stamps CreatedAt anew (it says when the current value was
// set); DefaultExposed changes only when exposed is not nil, and a new
// secret without it is exposed (opting out is the exception, as the
// dashboard's "not exposed by default" option has it). Names and sizes are
// validated by the caller; the environment must exist, and its secrets stay
// within MaxSecretsPerEnv and MaxSecretBytesPerEnv (else an error wrapping
// ErrLimit).
func (s *Store) SetSecret(ctx context.Context, env, name, value string, exposed *bool) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := getEnvironment(ctx, tx, env); err != nil {
			return err
		}
		if err := s.secretRoom(ctx, tx, env, name, value); err != nil {
			return err
		}
		now := s.stamp()
		_, err := tx.ExecContext(ctx, `INSERT INTO secrets (env, name, value, default_exposed, created_at)
			VALUES (?, ?, ?, coalesce(?, 1), ?)
			ON CONFLICT (env, name) DO UPDATE SET
				value = excluded.value,
				created_at = excluded.created_at,
				default_exposed = coalesce(?, default_exposed)`,
			env, name, value, nullBool(exposed), now, nullBool(exposed))
		if err != nil {
			// The value is deliberately not part of the message.
			return fmt.Errorf("set secret %q in environment %q: %w", name, env, err)
		}
		return nil
	})
}

// secretRoom checks that env can hold name=value in place of what it
// holds under name now.
func (s *Store) secretRoom(ctx context.Context, tx *sql.Tx, env, name, value string) error {
	var n, size int
	// length() of a BLOB counts bytes; of TEXT it would count characters.
	err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(length(CAST(name AS BLOB)) + length(CAST(value AS BLOB))), 0)
		FROM secrets WHERE env = ? AND name <> ?`, env, name).Scan(&n, &size)
	if err != nil {
		return fmt.Errorf("set secret %q in environment %q: %w", name, env, err)
	}
	if n >= s.limits.secretsPerEnv {
		return fmt.Errorf("set secret %q: %w: environment %q has %d other secrets, the most it may hold is %d",
			name, ErrLimit, env, n, s.limits.secretsPerEnv)
	}
	if size += len(name) + len(value); size > s.limits.secretBytesPerEnv {
		return fmt.Errorf("set secret %q: %w: the secrets of environment %q would take %d bytes, over the %d bytes a runner's environment can carry",
			name, ErrLimit, env, size, s.limits.secretBytesPerEnv)
	}
	return nil
}

// DeleteSecret removes a secret; a missing one is an error wrapping
// ErrNotFound.
func (s *Store) DeleteSecret(ctx context.Context, env, name string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := getEnvironment(ctx, tx, env); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM secrets WHERE env = ? AND name = ?`, env, name)
		if err != nil {
			return fmt.Errorf("delete secret %q in environment %q: %w", name, env, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("delete secret %q in environment %q: %w", name, env, err)
		} else if n == 0 {
			return fmt.Errorf("secret %q %w in environment %q", name, ErrNotFound, env)
		}
		return nil
	})
}

// Secrets lists env's secrets by name, without values.
func (s *Store) Secrets(ctx context.Context, env string) ([]Secret, error) {
	return queryAll(ctx, s.db, fmt.Sprintf("list secrets of %q", env), func(row rowScanner) (Secret, error) {
		var sec Secret
		var created int64
		err := row.Scan(&sec.Env, &sec.Name, &sec.DefaultExposed, &created)
		sec.CreatedAt = fromStamp(created)
		return sec, err
	}, `SELECT env, name, default_exposed, created_at FROM secrets WHERE env = ? ORDER BY name`, env)
}

// SecretValues returns the secrets of env exposed by default as name →
// value: what a runner of an app in env receives as environment variables.
// fal gives a secret not exposed by default only to apps that list it in
// their secrets, and a local app cannot list any, so those stay out.
// Nothing of another environment is ever included.
func (s *Store) SecretValues(ctx context.Context, env string) (map[string]string, error) {
	type secretValue struct{ name, value string }
	vals, err := queryAll(ctx, s.db, fmt.Sprintf("read secrets of %q", env), func(row rowScanner) (secretValue, error) {
		var v secretValue
		err := row.Scan(&v.name, &v.value)
		return v, err
	}, `SELECT name, value FROM secrets WHERE env = ? AND default_exposed`, env)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(vals))
	for _, v := range vals {
		out[v.name] = v.value
	}
	return out, nil
}

func nullBool(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}
