//go:build unix

package client

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockFile takes an exclusive flock on path, the lock fal's CLI takes
// (portalocker, which is flock on unix) around reading and refreshing its
// token file. It waits, as fal does, up to tokenLockTimeout; busy hears
// each attempt that finds the lock held. The returned func releases it.
func lockFile(ctx context.Context, path string, busy func()) (unlock func(), err error) {
	deadline := time.Now().Add(tokenLockTimeout)
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open fal's token lock: %w", err)
		}
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			if samePath(f, path) {
				return func() {
					_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
					f.Close()
				}, nil
			}
			// fal removes its lock file when done (TemporaryFileLock), so
			// the file just locked may be gone, and a lock on it would
			// exclude nobody: lock the one at path now.
			f.Close()
			continue
		}
		f.Close()
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if busy != nil {
			busy()
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("fal's token lock %s stayed held for %s", path, tokenLockTimeout)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(tokenLockPoll):
		}
	}
}

// samePath reports whether the open file f is still the file at path.
func samePath(f *os.File, path string) bool {
	held, err := f.Stat()
	if err != nil {
		return false
	}
	now, err := os.Stat(path)
	return err == nil && os.SameFile(held, now)
}
