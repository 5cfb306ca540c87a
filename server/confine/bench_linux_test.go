package confine

import (
	"os/exec"
	"testing"
)

// BenchmarkStart measures what confinement adds to a runner's start: a
// process that exits at once, run directly and through the shim (with
// and without a PID namespace), from start to reaped.
func BenchmarkStart(b *testing.B) {
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			if err := exec.Command("/bin/true").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, noNS := range []bool{false, true} {
		name := "shim"
		if noNS {
			name = "shim-no-namespace"
		}
		b.Run(name, func(b *testing.B) {
			l, err := NewLauncher(Options{Hidden: []string{b.TempDir()}, NoNamespaces: noNS})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			for b.Loop() {
				if err := l.Command([]string{"/bin/true"}, []string{b.TempDir()}).Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
