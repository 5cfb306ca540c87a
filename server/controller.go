// Package server is faldash's embedded local fal controller: a gRPC server
// that answers fal's control-plane protocol (package falpb) with fal's
// semantics, keeping environments, app revisions, aliases and secrets in a
// SQLite store under a data directory and guarding every call with an
// admin key. Runner processes are a Runtime's business (see runtime.go).
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/server/store"
)

// ErrDataDirInUse is what Open returns when another controller holds the
// data directory, so a caller can connect to that one instead.
var ErrDataDirInUse = errors.New("in use by another faldash controller")

// DefaultUser is the account nickname of a local controller, used in
// endpoint URLs when Config.User is empty.
const DefaultUser = "local"

// Config sets up a controller.
type Config struct {
	// DataDir holds the store and the admin key; it is created 0700 if
	// missing.
	DataDir string
	// User is the account nickname in endpoint URLs; "" means DefaultUser.
	User string
	// MainDescription, when set, is given to main if it has no
	// description (the demo's); names.ValidateDescription's rules apply.
	MainDescription string
	// GatewayURL is the base URL of the HTTP gateway serving the apps;
	// "" means there is none, and callers are told so (see
	// names.GatewayMetadata) and deploys name no URL.
	GatewayURL string
	// Logger gets a debug line per call; nil discards.
	Logger *slog.Logger
	// Now is the clock for creation times; nil means time.Now.
	Now func() time.Time
	// Runtime runs the runners; nil means none.
	Runtime Runtime

	// keepalive replaces keepalivePolicy, for tests.
	keepalive *keepalive.EnforcementPolicy
}

// keepalivePolicy is how often the controller lets a client ping. fal's
// channel pings every 30 s, also with no call in flight; grpc-go's default
// (no more than every 5 min, and never without a call) answers that with
// GOAWAY too_many_pings, which would cut an idle dashboard, a log follow
// or a long deploy stream.
var keepalivePolicy = keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}

// Bounds on what one caller can make the controller hold. grpc-go would
// otherwise take 16 MiB of headers per call and any number of calls per
// connection, all before a handler (and the key check in it) runs.
const (
	// maxHeaderList caps a call's headers, metadata included: fal's keys
	// are about 100 bytes and a signed-in user's token a few KiB. Headers
	// past it are not kept, and the call is reset.
	maxHeaderList = 16 << 10
	// maxStreamsPerConn bounds the calls in flight on one connection; a
	// client past it waits for one to end (fal's channel and faldash
	// make a few at a time).
	maxStreamsPerConn = 128
)

// Controller is a running local controller.
type Controller struct {
	cfg     Config
	log     *slog.Logger
	st      *store.Store
	keys    *Keyring
	admin   Key
	keyFile string
	grpc    *grpc.Server
	unlock  func() error

	// closing is cancelled when Close begins, to end the calls that
	// would otherwise last (shells).
	closing    context.Context
	endClosing context.CancelFunc

	closeOnce sync.Once
	closeErr  error
}

// shutdownGrace bounds how long Close waits for calls in flight before it
// cuts them off.
const shutdownGrace = 5 * time.Second

// Open opens (or creates) the controller's state in cfg.DataDir: the store
// with its default environment, and the admin key. It then starts the
// Runtime. The controller serves nothing until Serve.
func Open(cfg Config) (*Controller, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("open controller: no data directory")
	}
	if cfg.User == "" {
		cfg.User = DefaultUser
	}
	if err := names.ValidateUser(cfg.User); err != nil {
		return nil, fmt.Errorf("open controller: %w", err)
	}
	if err := names.ValidateDescription(cfg.MainDescription); err != nil {
		return nil, fmt.Errorf("open controller: main's %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("open controller: %w", err)
	}
	cfg.DataDir = dir
	if err := ensureDir(dir, log); err != nil {
		return nil, err
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	c := &Controller{cfg: cfg, log: log, unlock: unlock, keys: &Keyring{}}
	c.closing, c.endClosing = context.WithCancel(context.Background())
	if err := c.open(); err != nil {
		c.release()
		return nil, err
	}
	return c, nil
}

func (c *Controller) open() error {
	ctx := context.Background()
	st, err := store.Open(ctx, c.cfg.DataDir, c.cfg.Now)
	if err != nil {
		return fmt.Errorf("open controller: %w", err)
	}
	c.st = st
	if c.cfg.MainDescription != "" {
		if err := st.DescribeDefault(ctx, c.cfg.MainDescription); err != nil {
			return fmt.Errorf("open controller: %w", err)
		}
	}
	if c.admin, err = loadOrCreateAdminKey(c.cfg.DataDir); err != nil {
		return fmt.Errorf("open controller: %w", err)
	}
	c.keyFile = filepath.Join(c.cfg.DataDir, AdminKeyFile)
	if err := c.keys.Add(c.admin); err != nil {
		return fmt.Errorf("open controller: %w", err)
	}
	policy := keepalivePolicy
	if c.cfg.keepalive != nil {
		policy = *c.cfg.keepalive
	}
	svc := &service{
		st:      c.st,
		rt:      c.cfg.Runtime,
		log:     c.log,
		user:    c.cfg.User,
		gw:      c.cfg.GatewayURL,
		closing: c.closing,
	}
	c.grpc = grpc.NewServer(
		grpc.KeepaliveEnforcementPolicy(policy),
		grpc.MaxHeaderListSize(maxHeaderList),
		grpc.MaxConcurrentStreams(maxStreamsPerConn),
		grpc.InTapHandle(c.tapAuth),
		// Logging is outermost so refused calls are logged too; the
		// announcement goes only to callers with a valid key.
		grpc.ChainUnaryInterceptor(c.logUnary, recoverUnary(c.log), c.keys.unaryInterceptor, svc.announceUnary),
		grpc.ChainStreamInterceptor(c.logStream, recoverStream(c.log), c.keys.streamInterceptor, svc.announceStream),
	)
	falpb.RegisterIsolateControllerServer(c.grpc, svc)
	if rt := c.cfg.Runtime; rt != nil {
		err := rt.Start(ctx, Host{
			State:      storeState{c.st},
			Keys:       c.keys,
			DataDir:    c.cfg.DataDir,
			User:       c.cfg.User,
			GatewayURL: c.cfg.GatewayURL,
			Logger:     c.log,
			Now:        c.cfg.Now,
		})
		if err != nil {
			return fmt.Errorf("start runtime: %w", err)
		}
	}
	return nil
}

// tapAuth checks a call's key as soon as its headers are read, on the
// connection's reader, before grpc-go allocates the stream, starts a
// goroutine for it or reads its request: a caller without a valid key
// costs the controller its capped headers and nothing more, however many
// calls it opens, so no semaphore on unauthenticated calls is needed. The
// interceptors check again, as they did before, for the methods' sake.
// Refusals are logged here, since these calls never reach the logging
// interceptor.
func (c *Controller) tapAuth(ctx context.Context, info *tap.Info) (context.Context, error) {
	if err := c.keys.authorize(metadata.NewIncomingContext(ctx, info.Header), info.FullMethodName); err != nil {
		if c.log.Enabled(ctx, slog.LevelDebug) {
			c.log.DebugContext(ctx, "call", "method", info.FullMethodName, "code", status.Code(err).String(),
				"error", status.Convert(err).Message())
		}
		return nil, err
	}
	return ctx, nil
}

// ensureDir creates the data directory owner-only. An existing directory
// is left as it is (it may be one the user chose, like a project folder),
// with a warning when others can read it; the files inside are owner-only
// anyway.
func ensureDir(dir string, log *slog.Logger) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
		// MkdirAll's mode passes through the umask; set it exactly.
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("data directory %s is not a directory", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		log.Warn("data directory is accessible to other users; its files are owner-only", "dir", dir, "mode", fi.Mode().Perm().String())
	}
	return nil
}

// Serve answers gRPC calls on lis until Close. It may be called for more
// than one listener.
func (c *Controller) Serve(lis net.Listener) error {
	if err := c.grpc.Serve(lis); err != nil {
		return fmt.Errorf("serve on %s: %w", lis.Addr(), err)
	}
	return nil
}

// GRPCServer is the controller's gRPC server, with the service and its
// auth and logging interceptors installed, for embedding it next to other
// services.
func (c *Controller) GRPCServer() *grpc.Server { return c.grpc }

// Keys is the keyring the controller checks calls against.
func (c *Controller) Keys() *Keyring { return c.keys }

// Authenticate checks a key against the keyring, in constant time, as
// every gRPC call is checked; the REST API uses it for its Authorization
// header. ok is false for an unknown id or a wrong secret.
func (c *Controller) Authenticate(id, secret string) (scope Scope, ok bool) {
	k, ok := c.keys.match(id, secret)
	return k.Scope, ok
}

// KeyFile is the path of the admin key file.
func (c *Controller) KeyFile() string { return c.keyFile }

// AdminKey is the admin key: what a client sends as auth-key-id and
// auth-key.
func (c *Controller) AdminKey() (id, secret string) { return c.admin.ID, c.admin.Secret }

// DataDir is the absolute data directory.
func (c *Controller) DataDir() string { return c.cfg.DataDir }

// Close stops serving (letting calls in flight finish for a few seconds),
// stops the Runtime's runners and closes the store. It is safe to call
// more than once.
func (c *Controller) Close() error {
	c.closeOnce.Do(func() {
		c.endClosing()
		done := make(chan struct{})
		go func() {
			c.grpc.GracefulStop()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(shutdownGrace):
			c.grpc.Stop()
			<-done
		}
		var errs []error
		if rt := c.cfg.Runtime; rt != nil {
			if err := rt.Stop(context.Background()); err != nil {
				errs = append(errs, fmt.Errorf("stop runtime: %w", err))
			}
		}
		errs = append(errs, c.release())
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

// release closes the store and drops the directory lock.
func (c *Controller) release() error {
	var errs []error
	if c.st != nil {
		errs = append(errs, c.st.Close())
	}
	if c.unlock != nil {
		errs = append(errs, c.unlock())
	}
	return errors.Join(errs...)
}
