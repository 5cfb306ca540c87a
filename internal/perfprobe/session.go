//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
)

// session is a program running in a pseudo-terminal, with every byte it
// wrote and when each read of them returned.
type session struct {
	cmd     *exec.Cmd
	pty     *os.File
	started time.Time

	mu      sync.Mutex
	out     []byte
	chunks  []chunk
	qpos    int // output up to here has had its queries answered
	scanned int
	wrote   chan struct{} // signalled (never blocking) after each read
	done    chan struct{} // closed when the program has exited
	err     error
}

// chunk is one read from the terminal: the output up to end had arrived
// at at.
type chunk struct {
	at  time.Time
	end int
}

// maxQuery is the longest query in answers.
const maxQuery = 8

// startSession runs bin with args in a terminal of cols x rows, in a
// scratch home, with no fal credentials from the caller's environment.
func startSession(bin string, args []string, cols, rows int, home string) (*session, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"TERM=xterm-256color",
		"LANG=C.UTF-8",
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"FAL_CONFIG_PATH=" + filepath.Join(home, "none.toml"),
		"FAL_HOME_DIR=" + filepath.Join(home, "fal"),
	}
	// The program dies with the probe, whatever ends the probe.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	s := &session{cmd: cmd, wrote: make(chan struct{}, 1), done: make(chan struct{})}
	s.started = time.Now()
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s.pty = f
	go s.read()
	go func() { s.err = cmd.Wait(); close(s.done) }()
	return s, nil
}

func (s *session) read() {
	buf := make([]byte, 64<<10)
	for {
		n, err := s.pty.Read(buf)
		if n > 0 {
			at := time.Now()
			s.mu.Lock()
			s.out = append(s.out, buf[:n]...)
			s.chunks = append(s.chunks, chunk{at: at, end: len(s.out)})
			reply := s.queries()
			s.mu.Unlock()
			if len(reply) > 0 {
				s.pty.Write(reply)
			}
			select {
			case s.wrote <- struct{}{}:
			default:
			}
		}
		if err != nil {
			return
		}
	}
}

// queries finds the terminal queries in output not yet answered and
// returns their replies; s.mu is held.
func (s *session) queries() []byte {
	from := max(s.qpos, s.scanned-(maxQuery-1), 0)
	s.scanned = len(s.out)
	region := s.out[from:]
	reply := replies(region)
	if len(reply) > 0 {
		s.qpos = len(s.out)
	}
	return reply
}

// mark is a position in the output, for what came after it.
func (s *session) mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.out)
}

// since is a copy of the output from mark m on.
func (s *session) since(m int) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.out[m:]...)
}

// send writes keys as typed and returns when they were written.
func (s *session) send(keys string) (time.Time, error) {
	at := time.Now()
	_, err := s.pty.Write([]byte(keys))
	return at, err
}

var errExited = errors.New("the program exited")

// wait blocks until cond holds on the output since mark m, the deadline
// passes, ctx ends or the program exits.
func (s *session) wait(ctx context.Context, m int, within time.Duration, what string, cond func(out []byte) bool) error {
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		if cond(s.since(m)) {
			return nil
		}
		select {
		case <-s.wrote:
		case <-timer.C:
			return fmt.Errorf("waited %s for %s; the screen shows:\n%s", within, what, lastScreen(s.since(m)))
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			if cond(s.since(m)) {
				return nil
			}
			return fmt.Errorf("waiting for %s: %w (%v)", what, errExited, s.err)
		}
	}
}

// waitText waits for re to match the text drawn since mark m.
func (s *session) waitText(ctx context.Context, m int, within time.Duration, re *regexp.Regexp) error {
	return s.wait(ctx, m, within, fmt.Sprintf("%q on screen", re), func(out []byte) bool { return re.Match(strip(out)) })
}

// firstMatch is when the text drawn since mark m first matched re: the
// time of the read that completed it.
func (s *session) firstMatch(m int, re *regexp.Regexp) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.chunks {
		if c.end <= m {
			continue
		}
		if re.Match(strip(s.out[m:c.end])) {
			return c.at, true
		}
	}
	return time.Time{}, false
}

// firstAfter is when the first byte written after t arrived, waiting
// for it at most within.
func (s *session) firstAfter(ctx context.Context, t time.Time, within time.Duration) (time.Time, error) {
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		if at, ok := s.chunkAfter(t); ok {
			return at, nil
		}
		select {
		case <-s.wrote:
		case <-timer.C:
			return time.Time{}, fmt.Errorf("no output within %s of a key press", within)
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-s.done:
			return time.Time{}, fmt.Errorf("after a key press: %w (%v)", errExited, s.err)
		}
	}
}

// chunkAfter is when the first read after t arrived, if one has.
func (s *session) chunkAfter(t time.Time) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, _ := slices.BinarySearchFunc(s.chunks, t, func(c chunk, t time.Time) int {
		if c.at.After(t) {
			return 1
		}
		return -1
	})
	if i == len(s.chunks) {
		return time.Time{}, false
	}
	return s.chunks[i].at, true
}

// quit presses q and waits for the program to leave; kill ends it if it
// does not.
func (s *session) quit(within time.Duration) error {
	if _, err := s.send("q"); err != nil {
		return err
	}
	select {
	case <-s.done:
		return s.err
	case <-time.After(within):
		return fmt.Errorf("the program did not exit within %s of q", within)
	}
}

// kill ends the program and everything it started, and releases the
// terminal; it is safe to call more than once.
func (s *session) kill() {
	select {
	case <-s.done:
	default:
		// The program leads its own session and process group.
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	s.pty.Close()
}

// lastScreen is the text of the last frame in out, for error messages.
func lastScreen(out []byte) string {
	const limit = 4000
	text := strip(out)
	if len(text) > limit {
		text = text[len(text)-limit:]
	}
	return string(regexp.MustCompile(`\n+`).ReplaceAll(text, []byte("\n")))
}
