package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/faldash/faldash/server/confine"
)

// TestPrintIsolation: a controller that confines its runners says so in
// one line; one that cannot says what that means, as a warning naming
// the data directory and admin.key.
func TestPrintIsolation(t *testing.T) {
	var out strings.Builder
	printIsolation(&out, confine.Status{LandlockABI: 7, Namespaces: true})
	if got := out.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "Landlock (ABI 7)") || strings.Contains(got, "WARNING") {
		t.Errorf("confined: %q", got)
	}
	out.Reset()
	printIsolation(&out, confine.Status{LandlockErr: errors.New("the kernel has no Landlock"), NamespaceErr: errors.New("operation not permitted")})
	got := out.String()
	for _, want := range []string{"NOT confined", "WARNING: this system cannot confine runners (the kernel has no Landlock)", "admin.key", "WARNING: runners cannot have PID namespaces (operation not permitted)"} {
		if !strings.Contains(got, want) {
			t.Errorf("unconfined: %q lacks %q", got, want)
		}
	}
}
