package confine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// The control socket is a SOCK_SEQPACKET pair, one message per request
// or reply, so neither side frames anything. A request is JSON with four
// descriptors: the session's stdin, stdout and stderr, and the read end
// of its lifeline.
const (
	// maxMessage bounds a request, the command and its variables
	// included; the shim reads nothing longer.
	maxMessage = 64 << 10
	spawnFiles = 4
)

// spawnRequest asks a runner's shim for a session.
type spawnRequest struct {
	ID   uint64   `json:"id"`
	Argv []string `json:"argv"`
	Env  []string `json:"env,omitempty"`
	TTY  bool     `json:"tty,omitempty"`

	files []*os.File // received with it
	err   error      // why it cannot be served
}

// spawnReply answers a request: first Started or Error, then, for a
// session that started, Exited with its status.
type spawnReply struct {
	ID      uint64 `json:"id"`
	Started bool   `json:"started,omitempty"`
	Error   string `json:"error,omitempty"`
	Exited  bool   `json:"exited,omitempty"`
	Status  int    `json:"status,omitempty"`
}

// sessions is the shim's side of its control socket. Requests are read on
// a goroutine of their own, but sessions are started, and replies sent,
// only from the shim's main goroutine, which holds the confined thread.
type sessions struct {
	fd   int
	reqs chan spawnRequest
	// live maps a session shim's pid to its request's id.
	live map[int]uint64
}

func serveControl(fd int) *sessions {
	s := &sessions{fd: fd, reqs: make(chan spawnRequest), live: make(map[int]uint64)}
	go s.read(s.reqs)
	return s
}

// requests is the channel requests arrive on; nil (never ready) for a
// shim without a control socket, or once the controller has closed it.
func (s *sessions) requests() <-chan spawnRequest {
	if s == nil {
		return nil
	}
	return s.reqs
}

// stopServing is called once the controller has closed its end. The
// sessions already started go on until their own lifelines end them.
func (s *sessions) stopServing() { s.reqs = nil }

func (s *sessions) read(reqs chan<- spawnRequest) {
	defer close(reqs)
	buf := make([]byte, maxMessage)
	oob := make([]byte, unix.CmsgSpace(spawnFiles*4))
	for {
		// MSG_CMSG_CLOEXEC: a descriptor of one session must never leak
		// into another started meanwhile, or that one's output would not
		// end with its command.
		n, oobn, flags, _, err := unix.Recvmsg(s.fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || (n == 0 && oobn == 0) {
			return
		}
		req := spawnRequest{}
		req.files, req.err = receivedFiles(oob[:oobn])
		switch {
		case req.err != nil:
		case flags&(unix.MSG_TRUNC|unix.MSG_CTRUNC) != 0:
			req.err = errors.New("request too long")
		case len(req.files) != spawnFiles:
			req.err = fmt.Errorf("request with %d descriptors, want %d", len(req.files), spawnFiles)
		}
		if err := json.Unmarshal(buf[:n], &req); err != nil && req.err == nil {
			req.err = fmt.Errorf("request: %w", err)
		}
		if req.err == nil && (len(req.Argv) == 0 || req.Argv[0] == "") {
			req.err = errors.New("no command to run")
		}
		reqs <- req
	}
}

func receivedFiles(oob []byte) ([]*os.File, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	var files []*os.File
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			files = append(files, os.NewFile(uintptr(fd), "session"))
		}
	}
	return files, nil
}

// start starts a session: this same program as a shim of the session,
// with the session's lifeline, which starts the command. The session
// shim is a subreaper in a process group of its own, so the runner's
// signals do not reach it and nothing it starts escapes its end; it
// stays in the runner's Landlock domain and PID namespace, so the
// runner's end ends it too.
func (s *sessions) start(req spawnRequest) {
	defer func() {
		for _, f := range req.files {
			f.Close()
		}
	}()
	if req.err != nil {
		s.reply(spawnReply{ID: req.ID, Error: req.err.Error()})
		return
	}
	sub := spec{lifeline: 3, tty: req.TTY, argv: req.Argv}
	p, err := os.StartProcess(self, append([]string{"faldash", Arg}, sub.args()...), &os.ProcAttr{
		Env:   withDefaults(os.Environ(), req.Env),
		Files: req.files,
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		s.reply(spawnReply{ID: req.ID, Error: fmt.Sprintf("start the session: %v", err)})
		return
	}
	s.live[p.Pid] = req.ID
	_ = p.Release()
	s.reply(spawnReply{ID: req.ID, Started: true})
}

// exited reports a session's end; the shim's other children are of no
// interest here.
func (s *sessions) exited(c child) {
	id, ok := s.live[c.pid]
	if !ok {
		return
	}
	delete(s.live, c.pid)
	s.reply(spawnReply{ID: id, Exited: true, Status: c.status})
}

func (s *sessions) reply(r spawnReply) {
	b, err := json.Marshal(r)
	if err != nil {
		return
	}
	for {
		// MSG_NOSIGNAL: a controller that closed its end must not kill
		// the shim with SIGPIPE.
		err := unix.Sendmsg(s.fd, b, nil, nil, unix.MSG_NOSIGNAL)
		if !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

// withDefaults adds to environ each variable of defaults it does not set.
func withDefaults(environ, defaults []string) []string {
	out := slices.Clone(environ)
	for _, kv := range defaults {
		name, _, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if !slices.ContainsFunc(environ, func(e string) bool { return strings.HasPrefix(e, name+"=") }) {
			out = append(out, kv)
		}
	}
	return out
}

// ErrRunnerGone is what Spawn and Spawned.Wait answer once the runner's
// shim has ended, and the session with it.
var ErrRunnerGone = errors.New("the runner has ended")

// Control starts processes inside a runner's confinement through its
// shim (see CommandWithControl): the runner's Landlock domain, its PID
// namespace or its subreaper, its environment and its working directory.
// It is safe for concurrent use.
type Control struct {
	conn  *net.UnixConn
	child *os.File // the shim's end, until it has started

	sendMu sync.Mutex
	mu     sync.Mutex
	next   uint64
	wait   map[uint64]chan spawnReply
	gone   bool
}

func newControl() (*Control, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	mine := os.NewFile(uintptr(fds[0]), "control")
	conn, err := net.FileConn(mine)
	mine.Close()
	if err != nil {
		unix.Close(fds[1])
		return nil, fmt.Errorf("control socket: %w", err)
	}
	return &Control{
		conn:  conn.(*net.UnixConn),
		child: os.NewFile(uintptr(fds[1]), "control (shim's end)"),
		wait:  make(map[uint64]chan spawnReply),
	}, nil
}

// Started is called once the shim's command has been started (or has
// failed to start): it closes this process's copy of the shim's end, so
// that the shim's exit is seen, and begins reading replies.
func (c *Control) Started() {
	c.child.Close()
	go c.read()
}

func (c *Control) read() {
	defer c.fail()
	buf := make([]byte, maxMessage)
	for {
		n, err := c.conn.Read(buf)
		if err != nil || n == 0 {
			return
		}
		var r spawnReply
		if json.Unmarshal(buf[:n], &r) != nil {
			continue
		}
		c.mu.Lock()
		ch := c.wait[r.ID]
		if r.Exited || r.Error != "" {
			delete(c.wait, r.ID)
		}
		c.mu.Unlock()
		if ch != nil {
			ch <- r // buffered for both replies
			if r.Exited || r.Error != "" {
				close(ch)
			}
		}
	}
}

// fail ends every wait: the shim is gone, or Close was called.
func (c *Control) fail() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gone = true
	for id, ch := range c.wait {
		close(ch)
		delete(c.wait, id)
	}
	c.conn.Close()
}

// Close ends the control socket; sessions already started go on until
// their runner or their End.
func (c *Control) Close() error {
	return c.conn.Close()
}

// SpawnRequest is a process to start beside a runner.
type SpawnRequest struct {
	// Argv is the command; an argv[0] without a slash is looked up in
	// the PATH of the runner's environment.
	Argv []string
	// Env holds variables the process gets where the runner's
	// environment has none of that name (TERM for a terminal).
	Env []string
	// Stdin, Stdout and Stderr become its standard streams; the caller
	// closes its copies once Spawn returns. With TTY they are a
	// terminal, which becomes its controlling terminal in a session of
	// its own.
	Stdin, Stdout, Stderr *os.File
	TTY                   bool
}

// Spawned is a process started by Spawn.
type Spawned struct {
	replies <-chan spawnReply
	life    *os.File
	endOnce sync.Once
}

// Spawn starts req inside the runner's confinement, as a child of its
// shim, and returns once it runs. It ends, with every process it
// started, when it exits, when End is called, when the runner ends, or
// when this process dies.
func (c *Control) Spawn(ctx context.Context, req SpawnRequest) (*Spawned, error) {
	if len(req.Argv) == 0 || req.Argv[0] == "" {
		return nil, errors.New("no command to run")
	}
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("session lifeline: %w", err)
	}
	defer lifeR.Close()
	end := func(err error) (*Spawned, error) {
		lifeW.Close()
		return nil, err
	}
	c.mu.Lock()
	if c.gone {
		c.mu.Unlock()
		return end(ErrRunnerGone)
	}
	c.next++
	id := c.next
	replies := make(chan spawnReply, 2)
	c.wait[id] = replies
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.wait, id)
		c.mu.Unlock()
	}

	msg, err := json.Marshal(spawnRequest{ID: id, Argv: req.Argv, Env: req.Env, TTY: req.TTY})
	if err == nil && len(msg) > maxMessage {
		err = fmt.Errorf("the command and its variables are %d bytes, more than the %d a session may have", len(msg), maxMessage)
	}
	if err != nil {
		forget()
		return end(err)
	}
	var fds []int
	for _, f := range []*os.File{req.Stdin, req.Stdout, req.Stderr, lifeR} {
		// Fd also puts the descriptor back in blocking mode, which is
		// what the session's programs expect of their streams.
		fds = append(fds, int(f.Fd()))
	}
	c.sendMu.Lock()
	_, _, err = c.conn.WriteMsgUnix(msg, unix.UnixRights(fds...), nil)
	c.sendMu.Unlock()
	if err != nil {
		forget()
		if errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
			err = ErrRunnerGone
		}
		return end(err)
	}
	select {
	case r, ok := <-replies:
		switch {
		case !ok:
			return end(ErrRunnerGone)
		case r.Error != "":
			return end(errors.New(r.Error))
		}
		return &Spawned{replies: replies, life: lifeW}, nil
	case <-ctx.Done():
		// Whether it started or not, the lifeline's end ends it.
		return end(ctx.Err())
	}
}

// Wait waits for the process to end and returns its exit status (128 +
// the signal's number when a signal ended it, 137 after End), or
// ErrRunnerGone when the runner ended first.
func (p *Spawned) Wait() (int, error) {
	r, ok := <-p.replies
	p.End()
	if !ok {
		return 0, ErrRunnerGone
	}
	return r.Status, nil
}

// End ends the process and everything it started, if they still run.
func (p *Spawned) End() {
	p.endOnce.Do(func() { p.life.Close() })
}
