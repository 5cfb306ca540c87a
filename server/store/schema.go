package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/faldash/faldash/internal/names"
)

// migrations bring the schema from version i (SQLite's user_version) to
// i+1. Append only: a released step is never edited, so every database
// walks the same path to the current schema.
var migrations = []string{
	// 1: environments, revisions, aliases and secrets. Times are Unix
	// nanoseconds; lists (machine types, regions) and revision metadata are
	// JSON text; NULL in an optional scaling column means fal's default.
	// Foreign keys to environments have no ON DELETE action on purpose:
	// DeleteEnvironment removes the children itself, in one transaction,
	// and a child it forgot makes the delete fail instead of leaking.
	`
CREATE TABLE environments (
	name        TEXT PRIMARY KEY,
	description TEXT NOT NULL DEFAULT '',
	is_default  INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
);

CREATE TABLE revisions (
	id                      TEXT PRIMARY KEY,
	env                     TEXT NOT NULL REFERENCES environments(name),
	app                     TEXT NOT NULL,
	created_at              INTEGER NOT NULL,
	entrypoint              TEXT NOT NULL,
	metadata                TEXT NOT NULL DEFAULT '{}',
	auth_mode               INTEGER NOT NULL DEFAULT 0,
	deployment_strategy     INTEGER NOT NULL DEFAULT 0,
	termination_grace       INTEGER,
	min_concurrency         INTEGER NOT NULL,
	max_concurrency         INTEGER NOT NULL,
	max_multiplexing        INTEGER NOT NULL,
	keep_alive              INTEGER NOT NULL,
	concurrency_buffer      INTEGER,
	concurrency_buffer_perc INTEGER,
	scaling_delay_seconds   INTEGER,
	request_timeout         INTEGER,
	startup_timeout         INTEGER,
	machine_types           TEXT NOT NULL DEFAULT '[]',
	valid_regions           TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX revisions_by_app ON revisions(env, app, created_at);

CREATE TABLE aliases (
	env                     TEXT NOT NULL REFERENCES environments(name),
	app                     TEXT NOT NULL,
	revision                TEXT NOT NULL REFERENCES revisions(id),
	auth_mode               INTEGER NOT NULL DEFAULT 0,
	created_at              INTEGER NOT NULL,
	updated_at              INTEGER NOT NULL,
	min_concurrency         INTEGER NOT NULL,
	max_concurrency         INTEGER NOT NULL,
	max_multiplexing        INTEGER NOT NULL,
	keep_alive              INTEGER NOT NULL,
	concurrency_buffer      INTEGER,
	concurrency_buffer_perc INTEGER,
	scaling_delay_seconds   INTEGER,
	request_timeout         INTEGER,
	startup_timeout         INTEGER,
	machine_types           TEXT NOT NULL DEFAULT '[]',
	valid_regions           TEXT NOT NULL DEFAULT '[]',
	PRIMARY KEY (env, app)
);
CREATE INDEX aliases_by_revision ON aliases(revision);

CREATE TABLE secrets (
	env             TEXT NOT NULL REFERENCES environments(name),
	name            TEXT NOT NULL,
	value           TEXT NOT NULL,
	default_exposed INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL,
	PRIMARY KEY (env, name)
);
`,
}

// SchemaVersion is the schema version this code writes.
var SchemaVersion = len(migrations)

// migrate applies the missing migrations in one transaction and makes sure
// the default environment exists.
func (s *Store) migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if v > len(migrations) {
			return fmt.Errorf("database %s has schema version %d, newer than this faldash knows (%d); use a newer faldash", s.path, v, len(migrations))
		}
		for i := v; i < len(migrations); i++ {
			if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migrate schema to version %d: %w", i+1, err)
			}
		}
		// PRAGMA takes no bound parameters; the value is our own integer.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations))); err != nil {
			return fmt.Errorf("record schema version: %w", err)
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO environments (name, is_default, created_at)
			 SELECT ?, 1, ? WHERE NOT EXISTS (SELECT 1 FROM environments WHERE name = ?)`,
			names.DefaultEnvironment, s.stamp(), names.DefaultEnvironment)
		if err != nil {
			return fmt.Errorf("create environment %q: %w", names.DefaultEnvironment, err)
		}
		return nil
	})
}

// Version reports the database's schema version.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	if err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
