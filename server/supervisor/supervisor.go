package supervisor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/autoscale"
	"github.com/faldash/faldash/server/confine"
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
	// RunnerDir holds the runners' working directories and their HF_HOME
	// caches, outside the data directory, which runners cannot reach.
	// Default: <user cache dir>/faldash/<a hash of the data directory>.
	RunnerDir string
	// NoNamespaces runs runners without PID namespaces even where the
	// kernel allows them, as on a kernel that does not (for tests of that
	// case).
	NoNamespaces bool
	// StopProgress, when set, hears how Stop goes, from Stop's goroutine:
	// first with left == total, the runner processes it is ending, then
	// once more each time one has ended, down to 0. It is not called when
	// no runner process is running.
	StopProgress func(left, total int)
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

// ErrStopped is what Acquire answers once the supervisor is stopping, or
// refusing requests; the gateway answers it with 503.
var ErrStopped = fmt.Errorf("the runner supervisor is stopped: %w", gateway.ErrStopping)

// Supervisor runs runner processes for a local controller. All of its
// state is guarded by mu; goroutines that wait on processes take mu only
// to record what happened, never while waiting.
type Supervisor struct {
	cfg   Config
	clock autoscale.Clock

	// Set once by Start, read-only afterwards.
	host     server.Host
	log      *slog.Logger
	launcher *confine.Launcher
	runDir   string // <RunnerDir>/runners: the runners' working directories
	cache    string // <RunnerDir>/hf: HF_HOME of each app
	pidDir   string // <data>/pids: records of live processes
	environ  []string

	mu          sync.Mutex
	startCalled bool
	started     bool // Start has finished: host and the fields above are set
	stopping    bool
	refusing    bool // RefuseRequests was called
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

// Start recovers the processes a previous run left behind and starts
// what the store asks for. It logs how runners are isolated, with a
// warning for what this system cannot do (see Isolation).
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
	root, err := s.runnerDir(host.DataDir)
	if err != nil {
		return fmt.Errorf("start runner supervisor: %w", err)
	}
	s.runDir = filepath.Join(root, "runners")
	s.cache = filepath.Join(root, "hf")
	s.pidDir = filepath.Join(host.DataDir, "pids")
	for _, d := range []string{s.runDir, s.pidDir, s.cache} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("start runner supervisor: %w", err)
		}
	}
	// Runners see neither the data directory nor the runners' root; each
	// is given back its own directories.
	hidden := append([]string{host.DataDir, root}, otherSecrets()...)
	if s.launcher, err = confine.NewLauncher(confine.Options{Hidden: hidden, NoNamespaces: s.cfg.NoNamespaces}); err != nil {
		return fmt.Errorf("start runner supervisor: %w", err)
	}
	st := s.launcher.Status()
	s.log.Info(st.Summary())
	for _, w := range st.Warnings() {
		s.log.Warn(w)
	}
	if err := s.recoverLeftovers(); err != nil {
		s.launcher.Close()
		return fmt.Errorf("start runner supervisor: %w", err)
	}
	deps, err := host.State.Deployments(ctx)
	if err != nil {
		s.launcher.Close()
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

// runnerDir makes the root of the runners' directories, owner-only, and
// checks that it and the data directory are apart: a runner may write in
// its own directories, and must reach nothing of the data directory.
func (s *Supervisor) runnerDir(dataDir string) (string, error) {
	root := s.cfg.RunnerDir
	if root == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no directory for the runners' files (%w): set XDG_CACHE_HOME or HOME", err)
		}
		sum := sha256.Sum256([]byte(dataDir))
		root = filepath.Join(cache, "faldash", hex.EncodeToString(sum[:8]))
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", fmt.Errorf("runner directory: %w", err)
	}
	if err := os.Chmod(root, 0o700); err != nil {
		return "", fmt.Errorf("runner directory: %w", err)
	}
	real, err1 := filepath.EvalSymlinks(root)
	data, err2 := filepath.EvalSymlinks(dataDir)
	if err := errors.Join(err1, err2); err != nil {
		return "", fmt.Errorf("runner directory: %w", err)
	}
	if real == data || strings.HasPrefix(real, data+string(filepath.Separator)) || strings.HasPrefix(data, real+string(filepath.Separator)) {
		return "", fmt.Errorf("runner directory %s and data directory %s overlap: runners would reach the data directory", real, data)
	}
	return real, nil
}

// otherSecrets are directories of this user that no runner may see,
// whichever controller runs it: the default controller's data directory
// (a demo's runner must not read the real controller's admin key), every
// controller's runner directories in the cache, and fal's own directory
// with the user's fal cloud credentials.
func otherSecrets() []string {
	var dirs []string
	if d, err := server.DefaultDataDir(); err == nil {
		dirs = append(dirs, d)
	}
	if c, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(c, "faldash"))
	}
	if d := os.Getenv("FAL_HOME_DIR"); filepath.IsAbs(d) {
		dirs = append(dirs, d)
	} else if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".fal"))
	}
	return dirs
}

// Isolation says how runners are isolated on this system: whether
// Landlock keeps them out of the data directory, and whether PID
// namespaces end their processes with them. Valid once Start returned.
func (s *Supervisor) Isolation() confine.Status {
	if s.launcher == nil {
		return confine.Status{}
	}
	return s.launcher.Status()
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
	var procs []*proc
	for _, r := range s.runners {
		if r.state != stTerminated {
			s.terminate(r, "the controller is stopping")
		}
		if r.proc != nil {
			procs = append(procs, r.proc)
		}
	}
	s.mu.Unlock()
	<-s.loopDone

	killAll := func() {
		for _, p := range procs {
			p.signal(sigKill)
		}
	}
	s.awaitProcs(ctx, procs, killAll)
	done := make(chan struct{})
	go func() {
		s.workers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		killAll()
		<-done
	}
	// Every runner has ended; the lifeline's end tells their shims so,
	// were any left.
	err := s.launcher.Close()
	s.pruneRunnerDir()
	return err
}

// RefuseRequests fails every request waiting for a runner, and each one
// asked for from now on, with ErrStopped, leaving those runners are
// serving to finish. The controller calls it as it begins to stop, so its
// gateway's graceful shutdown waits only for requests being served: a
// queued request has not read its body yet, so its server does not notice
// a caller that has left, and would hold the shutdown until a runner
// freed up.
func (s *Supervisor) RefuseRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusing = true
	for _, a := range s.apps {
		a.failWaiters(ErrStopped)
	}
}

// awaitProcs waits until every one of procs has been reaped, telling
// Config.StopProgress as each goes; if ctx ends first it calls kill and
// goes on waiting. A process started after Stop began cannot be missing
// from procs: a launch checks s.stopping under the lock first.
func (s *Supervisor) awaitProcs(ctx context.Context, procs []*proc, kill func()) {
	report := s.cfg.StopProgress
	if report == nil || len(procs) == 0 {
		return
	}
	ended := make(chan struct{}, len(procs))
	for _, p := range procs {
		go func() {
			<-p.done
			ended <- struct{}{}
		}()
	}
	total := len(procs)
	report(total, total)
	expired := ctx.Done()
	for left := total; left > 0; {
		select {
		case <-ended:
			left--
			report(left, total)
		case <-expired:
			kill()
			expired = nil
		}
	}
}

// pruneRunnerDir removes the empty directories of the runners' root (an
// app's HF_HOME that its runners left empty, the root itself when
// nothing is left in it), keeping whatever holds files.
func (s *Supervisor) pruneRunnerDir() {
	root := filepath.Dir(s.runDir)
	var dirs []string
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	// Deepest first: a directory may be empty once its children are gone.
	for _, d := range slices.Backward(dirs) {
		_ = os.Remove(d) // fails, as it should, unless d is empty
	}
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
