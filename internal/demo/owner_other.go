//go:build !unix

package demo

import (
	"errors"
	"os"
)

// lockOwner cannot lock here, so no directory is ever swept: a demo
// killed without Close leaves its directory behind.
func lockOwner(*os.File) error { return errors.ErrUnsupported }
