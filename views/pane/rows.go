package pane

import (
	"context"

	"github.com/faldash/faldash/internal/ui/table"
)

// FetchRows makes the Fetch of a pane whose rows are a listing as it
// comes: the listing's snapshot is built on the Fetch's goroutine, so the
// pane receives a Result of *table.Snapshot[ID, *V] ready to swap in.
// build must be taken on the model's goroutine (Table.Builder), when Fetch
// is called.
func FetchRows[ID ~string, V any](build table.Builder[ID, *V], list func(ctx context.Context) ([]V, error)) Fetch {
	return FetchOf(func(ctx context.Context) (*table.Snapshot[ID, *V], error) {
		vals, err := list(ctx)
		if err != nil {
			return nil, err
		}
		return build.Build(table.Elems(vals)), nil
	})
}
