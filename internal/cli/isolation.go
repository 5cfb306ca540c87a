package cli

import (
	"fmt"
	"io"

	"github.com/faldash/faldash/server/confine"
)

// printIsolation says in a controller's startup output how its runners
// are isolated, and warns of what this system cannot do, so that nobody
// deploys untrusted code to a controller that cannot confine it without
// being told.
func printIsolation(w io.Writer, st confine.Status) {
	fmt.Fprintln(w, st.Summary())
	for _, warn := range st.Warnings() {
		fmt.Fprintln(w, "WARNING:", warn)
	}
}
