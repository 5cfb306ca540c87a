package demo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A demo's temporary directory is named dirPrefix + a random suffix, and
// holds ownerFile, which its demo keeps locked (and which names its pid,
// for people). A demo killed with SIGKILL cannot remove its directory;
// the kernel drops the lock, so the next demo sees the owner is gone and
// removes it.
const (
	dirPrefix = "faldash-demo-"
	ownerFile = "owner.lock"
)

// makeDir creates a demo directory in parent (os.TempDir() when ""),
// locked by the returned file. It is made under a hidden name and renamed
// once locked, so a sweep never sees it unlocked.
func makeDir(parent string) (dir string, owner *os.File, err error) {
	if parent == "" {
		parent = os.TempDir()
	}
	tmp, err := os.MkdirTemp(parent, "."+dirPrefix)
	if err != nil {
		return "", nil, err
	}
	owner, err = os.OpenFile(filepath.Join(tmp, ownerFile), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		if err = lockOwner(owner); err == nil {
			_, err = owner.WriteString(strconv.Itoa(os.Getpid()) + "\n")
		}
	}
	dir = filepath.Join(parent, strings.TrimPrefix(filepath.Base(tmp), "."))
	if err == nil {
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		if owner != nil {
			owner.Close()
		}
		os.RemoveAll(tmp)
		return "", nil, err
	}
	return dir, owner, nil
}

// sweep removes the demo directories in parent (os.TempDir() when "")
// whose demo has died, and returns the ones it removed. A directory it
// cannot tell about (no lock file, or one it cannot open) is left alone.
func sweep(parent string) ([]string, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), dirPrefix) {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		f, err := os.OpenFile(filepath.Join(dir, ownerFile), os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if lockOwner(f) == nil {
			// Holding the lock, so no demo can be using it.
			if err := os.RemoveAll(dir); err != nil {
				errs = append(errs, fmt.Errorf("remove the directory of a dead demo: %w", err))
			} else {
				removed = append(removed, dir)
			}
		}
		f.Close()
	}
	return removed, errors.Join(errs...)
}
