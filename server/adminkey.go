package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"
)

// AdminKeyFile is the admin key's file in the data directory. It holds
// `key_id:key_secret`, the form fal's FAL_KEY takes.
const AdminKeyFile = "admin.key"

// loadOrCreateAdminKey reads the admin key of dir, creating it on first
// start. An existing file is kept (clients hold its key) but tightened to
// 0600 if it was looser.
func loadOrCreateAdminKey(dir string) (Key, error) {
	path := filepath.Join(dir, AdminKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return createAdminKey(path)
	}
	if err != nil {
		return Key{}, fmt.Errorf("read admin key: %w", err)
	}
	id, secret, ok := strings.Cut(strings.TrimSpace(string(b)), ":")
	if !ok || id == "" || secret == "" {
		return Key{}, fmt.Errorf("admin key %s is not of the form key_id:key_secret; delete it to have a new one made", path)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return Key{}, fmt.Errorf("restrict admin key permissions: %w", err)
	}
	return Key{ID: id, Secret: secret, Scope: ScopeAdmin}, nil
}

// createAdminKey writes a fresh key atomically: a crash leaves either no
// file or a complete one, never a half-written key.
func createAdminKey(path string) (Key, error) {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return Key{}, fmt.Errorf("generate admin key: %w", err)
	}
	k := Key{ID: uuid.NewString(), Secret: hex.EncodeToString(buf), Scope: ScopeAdmin}
	if err := writeFileAtomic(path, []byte(k.ID+":"+k.Secret+"\n"), 0o600); err != nil {
		return Key{}, fmt.Errorf("write admin key: %w", err)
	}
	return k, nil
}

// writeFileAtomic writes data to a temporary file in path's directory,
// syncs it, renames it over path and syncs the directory.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	// CreateTemp makes the file 0600 already; Chmod makes it independent
	// of that detail and of the umask.
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
