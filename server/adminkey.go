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

	"github.com/faldash/faldash/internal/atomicfile"
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
	if err := atomicfile.Write(path, []byte(k.ID+":"+k.Secret+"\n"), 0o600); err != nil {
		return Key{}, fmt.Errorf("write admin key: %w", err)
	}
	return k, nil
}
