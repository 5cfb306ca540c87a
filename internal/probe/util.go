package main

import (
	"cmp"
	"iter"
	"maps"
	"slices"
)

// sortedMap yields m's entries in key order, so cases run in the same
// order every time.
func sortedMap[K cmp.Ordered, V any](m map[K]V) iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}
