package tui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/views/pane"
)

// poller is the refresh loop of the visible pane. At most one call is in
// flight: the next tick is armed only when its answer arrives, and a pane
// switch during a call cancels it and waits for its (dropped) answer
// before asking for the new pane.
type poller struct {
	gen       uint64      // of the latest call
	origin    pane.Origin // of the call in flight
	inFlight  bool
	cancel    context.CancelFunc
	abandoned bool // the call in flight was cancelled: its answer is not wanted
	again     bool // refresh as soon as the call in flight answers
	deferred  bool // a poll was due while a modal was open: poll when it closes

	tickSeq  uint64    // only the tick with this number polls; older ones are void
	next     time.Time // when the armed tick fires
	failures int       // polls failed in a row
	lastErr  error     // of the last poll, nil if it succeeded
}

// fetchedMsg is the answer to one poll, with the origin it was asked for.
type fetchedMsg struct {
	origin pane.Origin
	answer pane.Answer
}

// pollTickMsg is the armed tick numbered seq.
type pollTickMsg struct{ seq uint64 }

// startFetch asks the visible pane's Fetch for its call and runs it. The
// command holds only copies: the fetch function, its context and origin.
func (m *Model) startFetch() tea.Cmd {
	f := m.current().pane.Fetch()
	p := &m.poll
	p.gen++
	p.tickSeq++ // a tick armed before this call must not start another
	origin := pane.Origin{Key: m.cur, Gen: p.gen}
	ctx, cancel := context.WithTimeout(m.ctx, callTimeout)
	p.inFlight, p.origin, p.cancel, p.abandoned, p.again = true, origin, cancel, false, false
	return func() tea.Msg {
		return fetchedMsg{origin: origin, answer: f(ctx)}
	}
}

// fetched applies the answer to the call in flight, if it is that answer
// and its pane is still the visible one, and arms the next poll.
func (m *Model) fetched(msg fetchedMsg) tea.Cmd {
	p := &m.poll
	if !p.inFlight || msg.origin != p.origin {
		m.logf("dropped stale answer for %s gen %d", describeKey(msg.origin.Key), msg.origin.Gen)
		return nil
	}
	p.inFlight = false
	p.cancel()
	if p.abandoned || msg.origin.Key != m.cur {
		m.logf("dropped answer for %s: pane left", describeKey(msg.origin.Key))
		return m.pollNow()
	}

	e := m.current()
	now := m.now()
	err := msg.answer.Err()
	e.fresh.Note(err, now)
	if err == nil {
		p.failures, p.lastErr = 0, nil
		m.lastOK = now
		// A faldash controller says where it serves its apps and as whom
		// with every answer: the header follows.
		m.target = m.client.Target()
	} else {
		p.failures++
		p.lastErr = err
	}
	var cmd tea.Cmd
	if r := msg.answer.Msg(now); r != nil { // a failure is in e.fresh, which the pane reads
		cmd = m.paneUpdate(m.cur, r)
	}
	m.layout() // the error banner comes and goes with errors
	if p.again {
		return tea.Batch(cmd, m.pollNow())
	}
	return tea.Batch(cmd, m.armPoll(now))
}

// pollNow polls the visible pane, unless a modal is open: then the poll
// waits for it to close.
func (m *Model) pollNow() tea.Cmd {
	if m.modal != nil {
		m.poll.deferred = true
		return nil
	}
	m.poll.deferred = false
	return m.startFetch()
}

// resumePolling runs the poll that came due while a modal was open.
func (m *Model) resumePolling() tea.Cmd {
	p := &m.poll
	if !p.deferred {
		return nil
	}
	if p.inFlight {
		p.again = true
		return nil
	}
	return m.pollNow()
}

// armPoll schedules the next poll: after the refresh interval, or after a
// back-off that doubles with each failure in a row up to MaxBackoff.
func (m *Model) armPoll(now time.Time) tea.Cmd {
	p := &m.poll
	d := m.refresh
	for range p.failures {
		if d >= MaxBackoff {
			break
		}
		d *= 2
	}
	d = max(m.refresh, min(d, MaxBackoff))
	p.tickSeq++
	p.next = now.Add(d)
	return m.after(d, pollTickMsg{seq: p.tickSeq})
}

func (m *Model) pollTick(msg pollTickMsg) tea.Cmd {
	if msg.seq != m.poll.tickSeq || m.poll.inFlight {
		return nil
	}
	return m.pollNow()
}

// staleOnShow marks the pane just shown as stale at once when the
// controller is not answering: its data is older than the failure, and
// its uptimes must not count on from where it was left until its own
// poll fails too.
func (m *Model) staleOnShow() {
	e := m.current()
	if m.poll.lastErr == nil || m.conn() == connOK || !e.fresh.Loaded || e.fresh.Err != nil {
		return
	}
	e.fresh.Note(m.poll.lastErr, m.now())
}

// pollSwitched moves polling to a newly shown pane: at once if nothing is
// in flight, else once the call in flight (now cancelled) has answered.
func (m *Model) pollSwitched() tea.Cmd {
	p := &m.poll
	if p.inFlight {
		if p.origin.Key != m.cur {
			p.cancel()
			p.abandoned = true
		}
		return nil
	}
	return m.pollNow()
}

// refreshNow polls the visible pane now, or right after the call in flight.
func (m *Model) refreshNow() tea.Cmd {
	if m.poll.inFlight {
		m.poll.again = true
		return nil
	}
	return m.pollNow()
}

// connState is how the controller is doing, as the header shows it.
type connState int

const (
	connUnknown     connState = iota // no answer yet
	connOK                           // the last poll got an answer
	connRetrying                     // the last few polls failed; trying again
	connUnreachable                  // many polls in a row found no controller
	connRefused                      // the controller refused the key
)

func (m *Model) conn() connState {
	p := &m.poll
	if p.lastErr == nil {
		if m.lastOK.IsZero() {
			return connUnknown
		}
		return connOK
	}
	switch client.KindOf(p.lastErr) {
	case client.Unauthenticated, client.PermissionDenied:
		return connRefused
	case client.NotFound, client.Invalid, client.Precondition, client.AlreadyExists, client.Unsupported:
		return connOK // the controller answered; the pane says what it said
	case client.Unavailable:
		if p.failures >= unreachableAfter {
			return connUnreachable
		}
	}
	return connRetrying
}
