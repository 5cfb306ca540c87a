package store

import (
	"context"
	"database/sql"
	"fmt"
)

// rowScanner is what scanRevision, scanAlias and the other scanners read from: a
// single-row query's *sql.Row or a listing's *sql.Rows. An alias, so that
// those scanners fit queryAll as they are.
type rowScanner = interface{ Scan(...any) error }

// rowsQueryer runs a listing on the database, or on a transaction when the
// listing must see the transaction's own writes.
type rowsQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryAll runs query and scans each of its rows; any failure is wrapped
// with what, the listing's name in the error.
func queryAll[T any](ctx context.Context, q rowsQueryer, what string, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
