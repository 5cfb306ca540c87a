package supervisor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/faldash/faldash/server"
)

const (
	readyPoll    = 50 * time.Millisecond
	dialTimeout  = 200 * time.Millisecond
	prepareLimit = 30 * time.Second // reading the secrets
	// drainOutput is how long a runner's output may stay open after its
	// process group is gone: longer only if something escaped the group.
	drainOutput = 2 * time.Second
)

// launch starts a process for r, which is PENDING, on a goroutine of its
// own. Called with s.mu held.
func (s *Supervisor) launch(r *runner) {
	r.attempts++
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		s.runAttempt(r)
	}()
}

// runAttempt is one process of r from start to exit.
func (s *Supervisor) runAttempt(r *runner) {
	argv, dir, cmdErr := command(r.rev)
	ctx, cancel := context.WithTimeout(context.Background(), prepareLimit)
	secrets, secErr := s.host.State.SecretValues(ctx, r.ref.Env)
	cancel()
	if secErr != nil {
		secErr = fmt.Errorf("read the secrets of environment %q: %w", r.ref.Env, secErr)
	}
	work := filepath.Join(s.runDir, r.id)
	if dir == "" {
		dir = work
	}
	tmp := filepath.Join(work, "tmp")
	hfHome := filepath.Join(s.cache, r.ref.Env, r.ref.App)
	dirErr := errors.Join(os.MkdirAll(tmp, 0o700), os.MkdirAll(hfHome, 0o700))
	key, keyErr := server.NewKey("runner-", server.ScopeReadOnly)
	outR, outW, err1 := os.Pipe()
	errR, errW, err2 := os.Pipe()
	pipeErr := errors.Join(err1, err2)
	// abandon undoes the preparations of an attempt that does not start.
	abandon := func(fs ...*os.File) {
		for _, f := range fs {
			if f != nil {
				f.Close()
			}
		}
		_ = os.RemoveAll(work)
	}

	s.mu.Lock()
	if r.state != stPending || s.stopping {
		// Stopped before it started; terminate has recorded its end.
		s.mu.Unlock()
		abandon(outR, outW, errR, errW)
		return
	}
	if err := errors.Join(cmdErr, secErr, dirErr, keyErr, pipeErr); err != nil {
		s.setupFailed(r, err)
		s.mu.Unlock()
		abandon(outR, outW, errR, errW)
		return
	}
	port, err := s.freePort()
	var p *proc
	if err == nil {
		err = s.addKey(key)
	}
	if err == nil {
		// The runner's TMPDIR is its own: it may write nowhere else but
		// its directory, its app's HF_HOME and /dev. A secret named
		// TMPDIR still wins, as one named PATH does.
		environ := append(slices.Clone(s.environ), "TMPDIR="+tmp)
		var env []string
		env, err = runnerEnv(environ, secrets, s.platformVars(r, port, hfHome, key))
		if err == nil {
			// A deploy's own directory stays read-only to the runner, as
			// the rest of the filesystem is: it writes in its own.
			p, err = startProc(s.launcher, argv, env, dir, []string{work, hfHome}, outW, errW)
		}
		if err != nil {
			s.removeKey(key)
		}
	}
	// The runner has its own copies of the write ends now.
	outW.Close()
	errW.Close()
	if err != nil {
		delete(s.ports, port)
		s.setupFailed(r, err)
		s.mu.Unlock()
		abandon(outR, errR)
		return
	}
	r.proc, r.port = p, port
	r.state = stSetup
	r.setupTimedOut = false
	r.startedAt = s.now()
	r.logs.hold(2)
	if err := s.writeRecord(r, p); err != nil {
		s.log.Warn("runner process not recorded for crash recovery", "runner", r.id, "error", err)
	}
	timeout := s.cfg.DefaultStartupTimeout
	if r.app != nil {
		if st := r.app.dep.Alias.Scaling.StartupTimeout; st != nil && *st > 0 {
			timeout = time.Duration(*st) * time.Second
		}
	}
	attempt := r.attempts
	s.mu.Unlock()
	s.log.Info("runner started", "runner", r.id, "app", r.alias, "env", r.ref.Env, "revision", r.rev.ID, "pid", p.pid, "attempt", attempt)

	for _, out := range []struct {
		f      *os.File
		stream string
	}{{outR, "stdout"}, {errR, "stderr"}} {
		go func() {
			defer out.f.Close()
			readLines(out.f, out.stream, r.logs, s.now)
		}()
	}
	s.watchSetup(r, p, port, timeout)
	<-p.done
	// The key goes with the process, before the runner is reported
	// ended.
	s.removeKey(key)
	if !s.launcher.Status().Namespaces {
		// Without a namespace, a process that left the shim's reach (its
		// shim killed from outside) is still found by its FAL_JOB_ID.
		s.killStragglers(r.id)
	}
	// Something that left the group may still hold the output open.
	deadline := time.Now().Add(drainOutput)
	_ = outR.SetReadDeadline(deadline)
	_ = errR.SetReadDeadline(deadline)
	s.removeRecord(r.id)
	if err := os.RemoveAll(work); err != nil {
		s.log.Warn("runner directory not removed", "runner", r.id, "error", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.exited(r, p)
}

// addKey and removeKey add a runner's own FAL_KEY to the controller's
// keyring for as long as its process lives.
func (s *Supervisor) addKey(k server.Key) error {
	if s.host.Keys == nil {
		return nil
	}
	return s.host.Keys.Add(k)
}

func (s *Supervisor) removeKey(k server.Key) {
	if s.host.Keys != nil {
		s.host.Keys.Remove(k.ID)
	}
}

// platformVars are fal's variables for r's process, plus PORT.
func (s *Supervisor) platformVars(r *runner, port int, hfHome string, key server.Key) map[string]string {
	return map[string]string{
		"FAL_KEY":           key.ID + ":" + key.Secret,
		"FAL_APP_NAME":      s.host.User + "/" + r.alias,
		"FAL_APP_ID":        r.rev.ID,
		"FAL_USER_NICKNAME": s.host.User,
		"FAL_JOB_ID":        r.id,
		"FAL_HOST":          s.cfg.ControllerAddr,
		"FAL_RUNNER_STATE":  "SETUP",
		"HF_HOME":           hfHome,
		"PORT":              strconv.Itoa(port),
	}
}

// freePort finds a loopback port nobody listens on and no other runner
// was given. Called with s.mu held.
func (s *Supervisor) freePort() (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find a free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !s.ports[port] {
			s.ports[port] = true
			return port, nil
		}
	}
	return 0, errors.New("find a free port: every port offered is taken by another runner")
}

// watchSetup waits until r's process accepts connections on its port,
// exits, is stopped, or misses its startup timeout (then it is killed and
// counts as a failed setup).
func (s *Supervisor) watchSetup(r *runner, p *proc, port int, timeout time.Duration) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	inSetup := func() bool { return r.state == stSetup && r.proc == p }
	for {
		select {
		case <-p.exitedCh:
			return
		case <-deadline.C:
			s.mu.Lock()
			if inSetup() {
				r.setupTimedOut = true
				p.signal(sigKill)
				s.log.Warn("runner not ready within its startup timeout; killed", "runner", r.id, "app", r.alias, "timeout", timeout)
			}
			s.mu.Unlock()
			return
		case <-tick.C:
		}
		s.mu.Lock()
		still := inSetup()
		s.mu.Unlock()
		if !still {
			return
		}
		c, err := net.DialTimeout("tcp", addr, dialTimeout)
		if err != nil {
			continue
		}
		c.Close()
		s.mu.Lock()
		if inSetup() {
			s.becameReady(r)
		}
		s.mu.Unlock()
		return
	}
}

func (s *Supervisor) becameReady(r *runner) {
	r.state = stIdle
	r.idleSince = s.now()
	r.failures = 0
	if r.app != nil {
		s.dispatch(r.app)
	}
	s.nudge()
}

// exited records the end of r's process p.
func (s *Supervisor) exited(r *runner, p *proc) {
	if r.proc != p {
		return
	}
	r.proc = nil
	delete(s.ports, r.port)
	if !r.live() {
		return
	}
	if r.state == stSetup && !r.stopping {
		why := "exited during setup"
		if r.setupTimedOut {
			why = "not ready within its startup timeout"
		}
		s.setupFailed(r, fmt.Errorf("%s (%v)", why, p.err))
		return
	}
	if r.stopping {
		// As its start is logged, so is its end, with what ended it.
		s.log.Info("runner stopped", "runner", r.id, "app", r.alias, "env", r.ref.Env, "reason", cmp.Or(r.why, "stopped"), "exit", exitText(p.err))
	} else {
		s.log.Warn("runner exited unexpectedly", "runner", r.id, "app", r.alias, "env", r.ref.Env, "exit", exitText(p.err))
	}
	s.finish(r)
}

// exitText is how a runner's process ended: "exit status 0", "exit
// status 1", "signal: terminated", ...
func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// setupFailed puts r in FAILURE_DELAY for its back-off.
func (s *Supervisor) setupFailed(r *runner, err error) {
	r.failures++
	delay := min(s.cfg.BackoffStep*time.Duration(r.failures), s.cfg.BackoffMax)
	r.delays = append(r.delays, delay)
	r.failedAt = s.now()
	r.retryAt = r.failedAt.Add(delay)
	r.state = stFailureDelay
	s.log.Warn("runner setup failed; retrying after back-off", "runner", r.id, "app", r.alias, "failures", r.failures, "backoff", delay, "error", err)
	s.nudge()
}
