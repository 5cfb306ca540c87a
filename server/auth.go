package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/faldash/faldash/falpb"
)

// The metadata entries fal's clients send their key in.
const (
	MetadataKeyID     = "auth-key-id"
	MetadataKeySecret = "auth-key"
)

// Scope is what a key may do.
type Scope int

const (
	// ScopeAdmin may call every method.
	ScopeAdmin Scope = iota
	// ScopeReadOnly may call only the listing methods; anything that
	// changes state is PERMISSION_DENIED. It suits a key handed to runner
	// processes.
	ScopeReadOnly
)

func (s Scope) String() string {
	switch s {
	case ScopeAdmin:
		return "admin"
	case ScopeReadOnly:
		return "read-only"
	}
	return "unknown"
}

// Key is one credential the controller accepts.
type Key struct {
	ID     string
	Secret string
	Scope  Scope
}

// NewKey makes a random key of scope whose id starts with prefix (the id
// is not secret: it names the key in logs).
func NewKey(prefix string, scope Scope) (Key, error) {
	id, secret := make([]byte, 8), make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return Key{}, fmt.Errorf("make a key: %w", err)
	}
	if _, err := rand.Read(secret); err != nil {
		return Key{}, fmt.Errorf("make a key: %w", err)
	}
	return Key{ID: prefix + hex.EncodeToString(id), Secret: hex.EncodeToString(secret), Scope: scope}, nil
}

// Keyring is the set of keys the controller accepts. It is safe for
// concurrent use, so a Runtime may add and remove keys while calls are
// served.
type Keyring struct {
	mu   sync.RWMutex
	keys []Key
}

// Add accepts k from now on. IDs are unique and neither part may be empty.
func (r *Keyring) Add(k Key) error {
	if k.ID == "" || k.Secret == "" {
		return fmt.Errorf("add key: id and secret must not be empty")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, old := range r.keys {
		if old.ID == k.ID {
			return fmt.Errorf("add key: id %q is already in use", k.ID)
		}
	}
	r.keys = append(r.keys, k)
	return nil
}

// Remove stops accepting the key with id.
func (r *Keyring) Remove(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = slices.DeleteFunc(r.keys, func(k Key) bool { return k.ID == id })
}

// match finds the key with this id and secret. Every key is compared in
// full, in constant time, so timing tells nothing about which part of
// which key was close.
func (r *Keyring) match(id, secret string) (Key, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var found Key
	ok := 0
	for _, k := range r.keys {
		same := subtle.ConstantTimeCompare([]byte(id), []byte(k.ID)) &
			subtle.ConstantTimeCompare([]byte(secret), []byte(k.Secret))
		if same == 1 && ok == 0 {
			found, ok = k, 1
		}
	}
	return found, ok == 1
}

// readOnlyMethods are the methods a ScopeReadOnly key may call.
var readOnlyMethods = map[string]bool{
	falpb.IsolateController_ListEnvironments_FullMethodName: true,
	falpb.IsolateController_ListAliases_FullMethodName:      true,
	falpb.IsolateController_ListApplications_FullMethodName: true,
	falpb.IsolateController_ListSecrets_FullMethodName:      true,
	falpb.IsolateController_ListAliasRunners_FullMethodName: true,
	falpb.IsolateController_ListRunners_FullMethodName:      true,
}

// authorize checks the call's key against the keyring and the method
// against the key's scope.
func (r *Keyring) authorize(ctx context.Context, method string) error {
	md, _ := metadata.FromIncomingContext(ctx)
	id, secret := first(md, MetadataKeyID), first(md, MetadataKeySecret)
	if id == "" || secret == "" {
		return status.Errorf(codes.Unauthenticated,
			"no credentials: send the key as %q and %q metadata (a local controller's admin key is in admin.key in its data directory)",
			MetadataKeyID, MetadataKeySecret)
	}
	k, ok := r.match(id, secret)
	if !ok {
		return status.Error(codes.Unauthenticated, "invalid credentials: unknown key id or wrong key secret")
	}
	if k.Scope != ScopeAdmin && !readOnlyMethods[method] {
		return status.Errorf(codes.PermissionDenied, "this key is %s and may not call %s", k.Scope, method)
	}
	return nil
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (r *Keyring) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := r.authorize(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func (r *Keyring) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := r.authorize(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return handler(srv, ss)
}
