package envs

import (
	"strings"
	"testing"

	"github.com/faldash/faldash/client"
)

// TestNewEnvironmentIsMarked: an environment that appears between two
// listings is marked new (+), as the rows of the other panes are, and
// only until the next listing.
func TestNewEnvironmentIsMarked(t *testing.T) {
	p, fc, now := setup(t)
	if p.table.Marked("main") || p.table.Marked("staging") {
		t.Fatal("the first listing marked rows")
	}
	fc.SetEnvironments(
		client.Environment{Name: "main", IsDefault: true},
		client.Environment{Name: "qa", CreatedAt: *now},
		client.Environment{Name: "staging"},
	)
	load(t, p, fc, *now)
	if !p.table.Marked("qa") {
		t.Error("new environment not marked")
	}
	line := ""
	for _, l := range strings.Split(p.View(), "\n") {
		if strings.Contains(l, "qa") {
			line = l
		}
	}
	if !strings.HasPrefix(strings.TrimSpace(strings.TrimLeft(line, "▌")), "+ qa") {
		t.Errorf("new environment drawn %q", line)
	}
	load(t, p, fc, *now)
	if p.table.Marked("qa") {
		t.Error("still marked new a listing later")
	}
}
