//go:build !unix

package supervisor

import (
	"errors"
	"syscall"
)

const groupsSupported = false

func killGroup(int, syscall.Signal) error { return errors.ErrUnsupported }

func alive(int) bool { return false }

func killPid(int) error { return errors.ErrUnsupported }
