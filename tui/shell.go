package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"
	"github.com/muesli/cancelreader"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/views/pane"
)

// A shell on a runner is opened in a command, while the dashboard keeps
// the terminal, so that one that cannot open is a line in the status and
// nothing more. Only an open session gets the terminal, through tea.Exec:
// Bubble Tea lets go of the terminal, the session runs on it in raw mode,
// and the dashboard comes back as it was.

// shellOpenedMsg is the outcome of opening a shell on runner.
type shellOpenedMsg struct {
	task   int
	runner client.RunnerID
	sh     client.Shell
	end    context.CancelFunc // ends the session's context
	err    error
}

// shellEndedMsg says how the shell on runner ended: with an exit status,
// or with err.
type shellEndedMsg struct {
	runner  client.RunnerID
	code    int
	hasCode bool
	err     error
}

// openShell opens a shell on the runner, with a terminal of the
// dashboard's size.
func (m *Model) openShell(s pane.Shell) tea.Cmd {
	id := m.startTask("opening a shell on runner " + sanitize.String(string(s.Runner)))
	c, base, runner := m.client, m.ctx, s.Runner
	size := client.TermSize{Rows: m.height, Cols: m.width}
	return func() tea.Msg {
		// The session lives as long as the program; only its opening
		// is bounded.
		ctx, end := context.WithCancel(base)
		timer := time.AfterFunc(callTimeout, end)
		sh, err := c.Shell(ctx, runner, client.ShellRequest{TTY: &size})
		if !timer.Stop() && err == nil {
			sh.Close()
			err = fmt.Errorf("no answer within %s", callTimeout)
		}
		if err != nil {
			end()
		}
		return shellOpenedMsg{task: id, runner: runner, sh: sh, end: end, err: err}
	}
}

// shellOpened hands the terminal to an open session.
func (m *Model) shellOpened(msg shellOpenedMsg) tea.Cmd {
	m.endTask(msg.task)
	if msg.err != nil {
		return m.setStatus(sanitize.String("Can't open a shell on runner "+string(msg.runner)+": "+msg.err.Error()), statusErr)
	}
	run := &shellRun{sh: msg.sh, runner: msg.runner}
	return tea.Exec(run, func(err error) tea.Msg {
		msg.end()
		return run.ended(err)
	})
}

// shellEnded says how the shell ended; the data may have changed
// meanwhile.
func (m *Model) shellEnded(msg shellEndedMsg) tea.Cmd {
	who := "shell on runner " + string(msg.runner)
	var status tea.Cmd
	switch {
	case msg.err != nil:
		status = m.setStatus(sanitize.String(who+" ended: "+msg.err.Error()), statusErr)
	case !msg.hasCode:
		status = m.setStatus(sanitize.String(who+" ended without an exit status"), statusInfo)
	case msg.code == 0:
		status = m.setStatus(sanitize.String(who+" exited with status 0"), statusOK)
	default:
		status = m.setStatus(sanitize.String(fmt.Sprintf("%s exited with status %d", who, msg.code)), statusInfo)
	}
	return tea.Batch(status, m.refreshNow())
}

// shellRun is a session given the terminal: it implements tea.ExecCommand.
type shellRun struct {
	sh     client.Shell
	runner client.RunnerID
	in     io.Reader
	out    io.Writer

	// How it went, set by Run.
	code    int
	hasCode bool
	err     error
}

func (r *shellRun) SetStdin(in io.Reader)   { r.in = in }
func (r *shellRun) SetStdout(out io.Writer) { r.out = out }
func (r *shellRun) SetStderr(io.Writer)     {}

// Run copies the terminal's input to the session and the session's
// output to the terminal until the session ends, with the terminal in
// raw mode (the remote terminal does the echoing and line editing) and
// its size following the local one.
func (r *shellRun) Run() error {
	defer r.sh.Close()
	inFd, inTerm := terminal(r.in)
	outFd, outTerm := terminal(r.out)
	if inTerm {
		if state, err := term.MakeRaw(inFd); err == nil {
			defer term.Restore(inFd, state)
		}
	}
	size := func() (client.TermSize, bool) {
		for _, t := range []struct {
			fd uintptr
			ok bool
		}{{outFd, outTerm}, {inFd, inTerm}} {
			if !t.ok {
				continue
			}
			if w, h, err := term.GetSize(t.fd); err == nil {
				return client.TermSize{Rows: h, Cols: w}, true
			}
		}
		return client.TermSize{}, false
	}
	// The dashboard's last size may be a moment old.
	if s, ok := size(); ok {
		_ = r.sh.Resize(s)
	}
	stopResizes := followResizes(func() {
		if s, ok := size(); ok {
			_ = r.sh.Resize(s)
		}
	})
	defer stopResizes()
	fmt.Fprintf(r.out, "\r\n[faldash] shell on runner %s; exit it to return to the dashboard\r\n", sanitize.String(string(r.runner)))
	stopInput := r.forwardInput()
	_, err := io.Copy(r.out, r.sh)
	stopInput()
	r.code, r.hasCode = r.sh.ExitCode()
	if err != nil {
		r.err = err
	}
	return nil
}

// forwardInput copies the terminal's input to the session until the
// returned function stops it. The read is cancelled, not abandoned: a
// read left waiting would take the next key from the dashboard.
func (r *shellRun) forwardInput() (stop func()) {
	if r.in == nil {
		_ = r.sh.CloseWrite()
		return func() {}
	}
	cr, err := cancelreader.NewReader(r.in)
	if err != nil {
		_ = r.sh.CloseWrite()
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := cr.Read(buf)
			if n > 0 {
				if _, werr := r.sh.Write(buf[:n]); werr != nil {
					return
				}
			}
			if errors.Is(err, io.EOF) {
				_ = r.sh.CloseWrite()
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			if cr.Cancel() {
				<-done
			}
			cr.Close()
		})
	}
}

// ended is the message for how the session went; err is Bubble Tea's,
// from giving the terminal back.
func (r *shellRun) ended(err error) tea.Msg {
	if r.err != nil {
		err = r.err
	}
	return shellEndedMsg{runner: r.runner, code: r.code, hasCode: r.hasCode, err: err}
}

// terminal is f's descriptor when it is a terminal.
func terminal(f any) (uintptr, bool) {
	file, ok := f.(*os.File)
	if !ok {
		return 0, false
	}
	return file.Fd(), term.IsTerminal(file.Fd())
}
