//go:build unix

package demo

import (
	"os"
	"syscall"
)

// lockOwner takes f's lock without waiting; it fails while another open
// file holds it, in this process or another.
func lockOwner(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
