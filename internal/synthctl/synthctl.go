// Package synthctl is a synthetic fal controller for measuring the
// dashboard at fal's scale. It answers, over fal's gRPC protocol, the
// listing calls the dashboard makes while browsing: environments, apps,
// revisions, secret names, and the runners of one big app (100,000 and
// more) that carry fal's lease metadata. Every runner listing finds a
// configurable share of them changed, deterministically by seed, and their
// uptimes and keep-alive countdowns follow the clock. Nothing is stored
// and nothing runs: it is a load generator, not a controller.
package synthctl

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/names"
)

// Churn is how much of the big app changes between two runner listings.
type Churn struct {
	// Fraction of the runners whose state, in-flight count or leases
	// change, 0 to 1.
	Fraction float64
	// Added new pending runners and Removed ended ones, per listing.
	Added, Removed int
}

func (c Churn) validate() error {
	if !(c.Fraction >= 0 && c.Fraction <= 1) {
		return fmt.Errorf("churn fraction %v is not between 0 and 1", c.Fraction)
	}
	if c.Added < 0 || c.Removed < 0 {
		return fmt.Errorf("churn of %d added, %d removed: counts cannot be negative", c.Added, c.Removed)
	}
	return nil
}

// Config shapes the synthetic account.
type Config struct {
	// Runners is the number of runners of the big app, App in main.
	Runners int
	// App is the big app's name; default "big-app".
	App string
	// Apps is the number of apps in main, the big one included (default
	// 3); the others have SmallRunners runners each and never change.
	Apps int
	// Envs is the number of environments, main included (default 3:
	// main, staging, dev); each other one has one small app.
	Envs int
	// Secrets is the number of secrets per environment (default 3).
	Secrets int
	// SmallRunners is the number of runners of each small app (default 3).
	SmallRunners int
	Churn        Churn
	Seed         uint64
	// Now is the clock of uptimes and countdowns; nil means time.Now.
	Now func() time.Time
}

// Limits that keep a mistyped flag from exhausting memory.
const (
	MaxRunners = 2_000_000
	maxCount   = 100_000
)

func (c *Config) fill() error {
	if c.Runners < 0 || c.Runners > MaxRunners {
		return fmt.Errorf("runners %d: must be between 0 and %d", c.Runners, MaxRunners)
	}
	def := func(v *int, d int, what string) error {
		if *v == 0 {
			*v = d
		}
		if *v < 0 || *v > maxCount {
			return fmt.Errorf("%s %d: must be between 1 and %d", what, *v, maxCount)
		}
		return nil
	}
	if err := errors.Join(def(&c.Apps, 3, "apps"), def(&c.Envs, 3, "environments"),
		def(&c.Secrets, 3, "secrets"), def(&c.SmallRunners, 3, "runners per small app")); err != nil {
		return err
	}
	if c.App == "" {
		c.App = "big-app"
	}
	if err := names.ValidateApp(c.App); err != nil {
		return err
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c.Churn.validate()
}

// Server is a running synthetic controller.
type Server struct {
	cfg    Config
	keyID  string
	secret string
	grpc   *grpc.Server
	lis    net.Listener
	done   chan error

	mu       sync.Mutex
	fleet    *fleet
	accounts account
	churn    Churn
	listings int
}

// New builds the synthetic account cfg describes; Listen serves it.
func New(cfg Config) (*Server, error) {
	if err := cfg.fill(); err != nil {
		return nil, fmt.Errorf("synthetic controller: %w", err)
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, fmt.Errorf("synthetic controller: generate key: %w", err)
	}
	s := &Server{cfg: cfg, keyID: uuid.NewString(), secret: hex.EncodeToString(buf), churn: cfg.Churn}
	s.fleet = newFleet(cfg.Seed)
	s.accounts = newAccount(s.fleet, cfg)
	return s, nil
}

// Listen serves on addr (host:port; port 0 picks a free one) until Close.
func (s *Server) Listen(addr string) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("synthetic controller: %w", err)
	}
	s.lis = lis
	// fal's client pings every 30 s even when idle; grpc-go's default
	// policy would answer that with GOAWAY after a few minutes.
	s.grpc = grpc.NewServer(
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
		grpc.ChainUnaryInterceptor(s.authorizeUnary),
		grpc.ChainStreamInterceptor(s.authorizeStream),
	)
	falpb.RegisterIsolateControllerServer(s.grpc, &service{s: s})
	s.done = make(chan error, 1)
	go func() { s.done <- s.grpc.Serve(lis) }()
	return nil
}

// Addr is where Listen serves, host:port.
func (s *Server) Addr() string {
	if s.lis == nil {
		return ""
	}
	return s.lis.Addr().String()
}

// WriteKeyFile writes the key every call must carry, as key_id:key_secret
// (fal's FAL_KEY form, and what faldash's --key-file reads), readable by
// the owner only. The key exists nowhere else.
func (s *Server) WriteKeyFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	if _, err := fmt.Fprintf(f, "%s:%s\n", s.keyID, s.secret); err != nil {
		f.Close()
		return fmt.Errorf("write key file: %w", err)
	}
	return f.Close()
}

// SetChurn changes the churn of the listings from now on.
func (s *Server) SetChurn(c Churn) error {
	if err := c.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.churn = c
	return nil
}

// Listings is how many runner listings of the big app have been answered.
func (s *Server) Listings() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listings
}

// Close stops serving, cutting calls in progress.
func (s *Server) Close() error {
	if s.grpc == nil {
		return nil
	}
	s.grpc.Stop()
	err := <-s.done
	if errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return err
}

// Flags registers cfg's fields on fs, for the programs that start a
// synthetic controller, so they name them alike.
func (c *Config) Flags(fs *flag.FlagSet) {
	fs.IntVar(&c.Runners, "runners", c.Runners, "runners of the big app")
	fs.StringVar(&c.App, "app", c.App, "the big app's name (in main)")
	fs.IntVar(&c.Apps, "apps", c.Apps, "apps in main, the big one included")
	fs.IntVar(&c.Envs, "envs", c.Envs, "environments, main included")
	fs.IntVar(&c.Secrets, "secrets", c.Secrets, "secrets per environment")
	fs.Float64Var(&c.Churn.Fraction, "churn", c.Churn.Fraction, "share of the big app's runners changed per listing, 0 to 1")
	fs.IntVar(&c.Churn.Added, "added", c.Churn.Added, "runners started per listing")
	fs.IntVar(&c.Churn.Removed, "removed", c.Churn.Removed, "runners ended per listing")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the runners and their changes")
}

// TotalRunners is the number of runners of the whole account now, as an
// account-wide listing with pending runners finds them.
func (s *Server) TotalRunners() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, apps := range s.accounts.apps {
		for _, a := range apps {
			n += len(a.runners)
		}
	}
	return n
}
