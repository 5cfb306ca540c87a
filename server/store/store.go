// Package store keeps the local controller's state (environments, app
// revisions, aliases and secrets) in one SQLite file under the data
// directory. Every write is a transaction committed with a full sync before
// the method returns, so an acknowledged change survives a crash, and the
// database files are readable by their owner only, because they hold secret
// values.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// FileName is the database file inside the data directory.
const FileName = "faldash.db"

// Store is the controller's persistent state. It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	path   string
	now    func() time.Time
	limits limits
}

// Open opens (creating if needed) the database in dir, which must exist,
// and brings its schema up to date. now stamps creation times; nil means
// time.Now.
func Open(ctx context.Context, dir string, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	path := filepath.Join(dir, FileName)
	// SQLite creates a missing file with 0644 less the umask. Creating it
	// first with 0600 keeps secrets private from the first byte on; the
	// -wal and -shm files inherit the database file's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create database %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("create database %s: %w", path, err)
	}
	// synchronous=FULL makes every WAL commit reach the disk before it
	// returns, which is what "an acknowledged write survives kill -9 and a
	// power cut" needs. _txlock=immediate takes the write lock at BEGIN, so
	// a read-modify-write transaction never fails half-way with BUSY.
	dsn := "file:" + path + "?_txlock=immediate" +
		"&_pragma=busy_timeout(10000)" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)" +
		"&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// One connection serialises all access in this process: the
	// controller's load is small, and it rules out lock upgrades between
	// connections of the same process.
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db, path: path, now: now, limits: defaultLimits}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.restrictFiles(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close checkpoints and closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close database %s: %w", s.path, err)
	}
	return nil
}

// restrictFiles sets the database, WAL and shared-memory files to 0600
// whatever the umask was when SQLite created them.
func (s *Store) restrictFiles() error {
	for _, p := range []string{s.path, s.path + "-wal", s.path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restrict permissions of %s: %w", p, err)
		}
	}
	return nil
}

// tx runs fn in one write transaction and commits it; any error from fn
// rolls everything back.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// stamp is how times are stored: Unix nanoseconds, so ordering by creation
// is exact and independent of time zones.
func (s *Store) stamp() int64 { return s.now().UnixNano() }

func fromStamp(n int64) time.Time { return time.Unix(0, n).UTC() }
