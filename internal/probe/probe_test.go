package main

import (
	"context"
	"strings"
	"testing"
)

// TestQuickSections runs the sections CI runs against an in-process
// controller; -v prints the figures.
func TestQuickSections(t *testing.T) {
	target, cleanup, err := localTarget()
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	results := RunSections(context.Background(), target, nil, true)
	var out strings.Builder
	_, bad := Report(&out, results)
	t.Log("\n" + out.String())
	if bad > 0 {
		t.Errorf("%d cases misbehaved:\n%s", bad, out.String())
	}
}
