//go:build unix

package client

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// holdLock takes fal's token lock the way fal's CLI does (an exclusive
// flock on .portalock) and returns its release.
func holdLock(t *testing.T, home string) func() {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(home, tokenLockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	var released bool
	release := func() {
		if !released {
			released = true
			f.Close()
		}
	}
	t.Cleanup(release)
	return release
}

type tokenResult struct {
	tok string
	err error
}

// tokenWhileLocked starts a Token call while the test holds the lock and
// returns once the call has found the lock held.
func tokenWhileLocked(t *testing.T, a *TokenAuth) <-chan tokenResult {
	t.Helper()
	busy := make(chan struct{}, 1)
	a.lockBusy = func() {
		select {
		case busy <- struct{}{}:
		default:
		}
	}
	out := make(chan tokenResult, 1)
	go func() {
		tok, err := a.Token(context.Background())
		out <- tokenResult{tok, err}
	}()
	select {
	case <-busy:
	case r := <-out:
		t.Fatalf("Token returned %q, %v while fal's lock was held", r.tok, r.err)
	case <-time.After(10 * time.Second):
		t.Fatal("Token never tried the lock")
	}
	return out
}

func waitToken(t *testing.T, out <-chan tokenResult) tokenResult {
	t.Helper()
	select {
	case r := <-out:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("Token did not return after the lock was released")
		return tokenResult{}
	}
}

func TestRefreshWaitsForFalsLock(t *testing.T) {
	fresh := makeJWT(t, "a2", tokenNow.Add(24*time.Hour))
	srv := newAuthServer(t, grant(fresh, "r2"))
	home := t.TempDir()
	writeTokens(t, home, "r1", makeJWT(t, "a1", tokenNow.Add(-time.Minute)))
	a, _ := testTokenAuth(home, srv.URL)

	release := holdLock(t, home)
	out := tokenWhileLocked(t, a)
	if n := srv.posts.Load(); n != 0 {
		t.Fatalf("%d refreshes while fal's lock was held", n)
	}
	release()
	if r := waitToken(t, out); r.err != nil || r.tok != fresh {
		t.Fatalf("Token = %q, %v", r.tok, r.err)
	}
	if n := srv.posts.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	wantTokenFile(t, home, "r2\n"+fresh)
}

// fal's CLI refreshed the file while faldash waited for the lock: the file
// is read again under the lock, and its token used without a refresh (the
// old refresh token is spent by then).
func TestTokenRefreshedByFalWhileWaitingIsUsed(t *testing.T) {
	srv := newAuthServer(t, grant("never", ""))
	home := t.TempDir()
	writeTokens(t, home, "r1", makeJWT(t, "a1", tokenNow.Add(-time.Minute)))
	a, _ := testTokenAuth(home, srv.URL)

	release := holdLock(t, home)
	out := tokenWhileLocked(t, a)
	byFal := makeJWT(t, "by-fal", tokenNow.Add(24*time.Hour))
	writeTokens(t, home, "r2", byFal)
	release()
	if r := waitToken(t, out); r.err != nil || r.tok != byFal {
		t.Fatalf("Token = %q, %v; want fal's", r.tok, r.err)
	}
	if n := srv.posts.Load(); n != 0 {
		t.Errorf("%d refreshes, want none", n)
	}
	wantTokenFile(t, home, "r2\n"+byFal)
}

func TestLockWaitEndsWithTheContext(t *testing.T) {
	srv := newAuthServer(t, grant("never", ""))
	home := t.TempDir()
	writeTokens(t, home, "r1")
	a, _ := testTokenAuth(home, srv.URL)
	holdLock(t, home)

	ctx, cancel := context.WithCancel(context.Background())
	busy := make(chan struct{}, 1)
	a.lockBusy = func() {
		select {
		case busy <- struct{}{}:
		default:
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := a.GRPCMetadata(ctx)
		done <- err
	}()
	<-busy
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("no error")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a canceled call kept waiting for the lock")
	}
	if n := srv.posts.Load(); n != 0 {
		t.Errorf("%d refreshes", n)
	}
}
