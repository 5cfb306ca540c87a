package supervisor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/autoscale"
	"github.com/faldash/faldash/server/gateway"
)

var (
	_ server.Runtime         = (*Supervisor)(nil)
	_ server.RunnerLogReader = (*Supervisor)(nil)
	_ gateway.Router         = (*Supervisor)(nil)
	_ gateway.Queues         = (*Supervisor)(nil)
)

// Config tunes a Supervisor; zero fields take the defaults named.
type Config struct {
	// Clock is what the supervisor reports and decides by (see the package
	// comment); nil means the wall clock.
	Clock autoscale.Clock
	// ControllerAddr is the controller's address, given to runners as
	// FAL_HOST.
	ControllerAddr string
	// BackoffStep and BackoffMax set FAILURE_DELAY's back-off: one step
	// more per consecutive failure, at most BackoffMax. fal's are 30 s and
	// 10 min.
	BackoffStep, BackoffMax time.Duration
	// DefaultGrace is the grace period between SIGTERM and SIGKILL when the
	// revision sets none; default 5 s.
	DefaultGrace time.Duration
	// DefaultStartupTimeout bounds setup when the alias sets no
	// startup_timeout; default 5 min.
	DefaultStartupTimeout time.Duration
	// QueueLimit is how many requests may wait for a runner of one app
	// before Acquire answers ErrQueueFull; default 100.
	QueueLimit int
	// HistoryTTL is how long TERMINATED runners stay listed; default 24 h.
	HistoryTTL time.Duration
	// LogLines is how many output lines are kept per runner; default 2000.
	LogLines int
	// Interval is the reconcile loop's period; default 200 ms. The loop
	// also runs at once after every change that can matter.
	Interval time.Duration
}

// Defaults for Config's zero fields.
const (
	DefaultBackoffStep    = 30 * time.Second
	DefaultBackoffMax     = 10 * time.Minute
	DefaultGrace          = 5 * time.Second
	DefaultStartupTimeout = 5 * time.Minute
	DefaultQueueLimit     = 100
	DefaultHistoryTTL     = 24 * time.Hour
	DefaultLogLines       = 2000
	DefaultInterval       = 200 * time.Millisecond
)

func (c Config) withDefaults() Config {
	if c.Clock == nil {
		c.Clock = autoscale.SystemClock{}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.BackoffStep, DefaultBackoffStep)
	def(&c.BackoffMax, DefaultBackoffMax)
	def(&c.DefaultGrace, DefaultGrace)
	def(&c.DefaultStartupTimeout, DefaultStartupTimeout)
	def(&c.HistoryTTL, DefaultHistoryTTL)
	def(&c.Interval, DefaultInterval)
	if c.QueueLimit <= 0 {
		c.QueueLimit = DefaultQueueLimit
	}
	if c.LogLines <= 0 {
		c.LogLines = DefaultLogLines
	}
	return c
}

// ErrStopped is what Acquire answers once the supervisor is stopping.
var ErrStopped = errors.New("the runner supervisor is stopped")

// Supervisor runs runner processes for a local controller. All of its
// state is guarded by mu; goroutines that wait on processes take mu only
// to record what happened, never while waiting.
type Supervisor struct {
	cfg   Config
	clock autoscale.Clock

	// Set once by Start, read-only afterwards.
	host    server.Host
	log     *slog.Logger
	key     server.Key
	runDir  string // <data>/runners: the runners' working directories
	pidDir  string // <data>/pids: records of live processes
	cache   string // <data>/cache: HF_HOME roots
	environ []string

	mu          sync.Mutex
	startCalled bool
	started     bool // Start has finished: host and the fields above are set
	stopping    bool
	// gen counts reported changes, so a deployment read without the lock
	// can tell whether it may be stale by the time it is recorded.
	gen     uint64
	apps    map[server.AppRef]*app
	runners map[string]*runner // every runner, ended ones until HistoryTTL
	ports   map[int]bool       // ports handed to live runners

	wake     chan struct{} // nudges the loop; capacity 1
	quit     chan struct{}
	loopDone chan struct{}
	workers  sync.WaitGroup // launch goroutines: one per process attempt
}

// New returns a Supervisor; it does nothing until the controller calls
// Start.
func New(cfg Config) *Supervisor {
	cfg = cfg.withDefaults()
	return &Supervisor{
		cfg:      cfg,
		clock:    cfg.Clock,
		apps:     make(map[server.AppRef]*app),
		runners:  make(map[string]*runner),
		ports:    make(map[int]bool),
		wake:     make(chan struct{}, 1),
		quit:     make(chan struct{}),
		loopDone: make(chan struct{}),
	}
}

func (s *Supervisor) now() time.Time { return s.clock.Now() }

// Start recovers the processes a previous run left behind, adds the
// runners' key, and starts what the store asks for.
func (s *Supervisor) Start(ctx context.Context, host server.Host) error {
	s.mu.Lock()
	if s.startCalled {
		s.mu.Unlock()
		return errors.New("start runner supervisor: already started")
	}
	s.startCalled = true
	s.mu.Unlock()

	s.host = host
	s.log = host.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.environ = os.Environ()
	s.runDir = filepath.Join(host.DataDir, "runners")
	s.pidDir = filepath.Join(host.DataDir, "pids")
	s.cache = filepath.Join(host.DataDir, "cache")
	for _, d := range []string{s.runDir, s.pidDir, s.cache} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("start runner supervisor: %w", err)
		}
	}
	if err := s.recoverLeftovers(); err != nil {
		return fmt.Errorf("start runner supervisor: %w", err)
	}
	key, err := newRunnerKey()
	if err != nil {
		return fmt.Errorf("start runner supervisor: %w", err)
	}
	if host.Keys != nil {
		if err := host.Keys.Add(key); err != nil {
			return fmt.Errorf("start runner supervisor: %w", err)
		}
	}
	s.key = key
	deps, err := host.State.Deployments(ctx)
	if err != nil {
		return fmt.Errorf("start runner supervisor: %w", err)
	}
	s.mu.Lock()
	s.started = true
	for _, d := range deps {
		s.setDeployment(d)
	}
	s.reconcileAll()
	s.mu.Unlock()
	go s.loop()
	return nil
}

// newRunnerKey makes the read-only key runners get as FAL_KEY. One key per
// supervisor lifetime: runners of an earlier run are gone, and so is their
// key.
func newRunnerKey() (server.Key, error) {
	id, secret := make([]byte, 8), make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return server.Key{}, fmt.Errorf("make runner key: %w", err)
	}
	if _, err := rand.Read(secret); err != nil {
		return server.Key{}, fmt.Errorf("make runner key: %w", err)
	}
	return server.Key{ID: "runner-" + hex.EncodeToString(id), Secret: hex.EncodeToString(secret), Scope: server.ScopeReadOnly}, nil
}

// Stop ends every runner at once and in parallel (SIGTERM, the grace
// period, SIGKILL) and returns when every process has exited. If ctx ends
// first, what is left is killed, and Stop still waits for it.
func (s *Supervisor) Stop(ctx context.Context) error {
	s.mu.Lock()
	if !s.started || s.stopping {
		s.mu.Unlock()
		return nil
	}
	s.stopping = true
	close(s.quit)
	for _, a := range s.apps {
		a.failWaiters(ErrStopped)
	}
	for _, r := range s.runners {
		if r.state != stTerminated {
			s.terminate(r)
		}
	}
	s.mu.Unlock()
	<-s.loopDone

	done := make(chan struct{})
	go func() {
		s.workers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.mu.Lock()
		for _, r := range s.runners {
			if r.proc != nil {
				r.proc.signal(sigKill)
			}
		}
		s.mu.Unlock()
		<-done
	}
	if s.host.Keys != nil {
		s.host.Keys.Remove(s.key.ID)
	}
	return nil
}

// loop reconciles every app each Interval, and at once when nudged.
func (s *Supervisor) loop() {
	defer close(s.loopDone)
	t := time.NewTimer(s.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-s.wake:
		case <-t.C:
		}
		s.mu.Lock()
		if s.stopping {
			s.mu.Unlock()
			return
		}
		next := s.reconcileAll()
		s.mu.Unlock()
		wait := s.cfg.Interval
		if next > 0 && next < wait {
			wait = next
		}
		t.Reset(wait)
	}
}

// nudge asks the loop for a pass soon without waiting for it.
func (s *Supervisor) nudge() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
