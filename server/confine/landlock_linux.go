package confine

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// LandlockABI is the kernel's Landlock ABI version; an error says why
// there is none (not built in, or not enabled at boot).
func LandlockABI() (int, error) {
	v, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	switch {
	case errno == unix.ENOSYS:
		return 0, errors.New("the kernel has no Landlock")
	case errno == unix.EOPNOTSUPP:
		return 0, errors.New("this kernel has Landlock but not enabled (add landlock to the lsm= boot parameter)")
	case errno != 0:
		return 0, fmt.Errorf("query the Landlock ABI: %w", errno)
	}
	return int(v), nil
}

// Access rights, by the ABI version that introduced them. Rights the
// kernel does not know cannot be handled, and so stay allowed.
const (
	accessRead = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR
	// accessFile are the rights that apply to a file that is not a
	// directory; a rule on such a file may hold no others.
	accessFile = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_READ_FILE |
		unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	accessAll = 1<<16 - 1 // up to IOCTL_DEV
)

// handledAccess is every filesystem right the kernel of abi can refuse.
// RESOLVE_UNIX (ABI 9) is left unhandled: a runner may connect to unix
// sockets, as it may to TCP ones.
func handledAccess(abi int) uint64 {
	h := uint64(1<<13 - 1) // ABI 1: EXECUTE up to MAKE_SYM
	if abi >= 2 {
		h |= unix.LANDLOCK_ACCESS_FS_REFER
	}
	if abi >= 3 {
		h |= unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	if abi >= 5 {
		h |= unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	}
	return h
}

// rulesetAttr is the kernel's struct landlock_ruleset_attr up to ABI 6;
// Scoped is left zero (and not sent) on older kernels.
type rulesetAttr struct {
	handledFS, handledNet, scoped uint64
}

// restrict confines the calling thread, and the processes it starts from
// now on, to grants: every handled right outside them is refused. From
// ABI 6 on, the thread also cannot signal processes outside its domain
// (the controller, other runners). The caller must have locked its
// goroutine to the thread.
func restrict(abi int, grants []grant) error {
	handled := handledAccess(abi)
	attr := rulesetAttr{handledFS: handled}
	size := unsafe.Sizeof(attr.handledFS)
	if abi >= 6 {
		attr.scoped = unix.LANDLOCK_SCOPE_SIGNAL
		size = unsafe.Sizeof(attr)
	}
	fd, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if errno != 0 {
		return fmt.Errorf("create a Landlock ruleset: %w", errno)
	}
	defer unix.Close(int(fd))
	for _, g := range grants {
		access := g.access & handled
		if !g.dir {
			access &= accessFile
		}
		if access == 0 {
			continue
		}
		if err := addRule(int(fd), g.path, access); err != nil {
			return err
		}
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("set no_new_privs: %w", err)
	}
	if _, _, errno := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, fd, 0, 0); errno != 0 {
		return fmt.Errorf("enforce the Landlock ruleset: %w", errno)
	}
	return nil
}

func addRule(ruleset int, path string, access uint64) error {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		// Gone since it was listed: nothing to grant.
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return fmt.Errorf("open %s for a Landlock rule: %w", path, err)
	}
	defer unix.Close(fd)
	attr := unix.LandlockPathBeneathAttr{Allowed_access: access, Parent_fd: int32(fd)}
	_, _, errno := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&attr)), 0, 0, 0)
	if errno != 0 {
		return fmt.Errorf("grant %s in the Landlock ruleset: %w", path, errno)
	}
	return nil
}
