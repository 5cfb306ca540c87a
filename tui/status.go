package tui

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/modal"
	"github.com/faldash/faldash/views/pane"
)

// spinnerFrames is the spinner drawn while something runs.
var spinnerFrames = spinner.MiniDot

type statusKind int

const (
	statusInfo statusKind = iota
	statusOK
	statusErr
)

// status is the message of the status line. It belongs to what was on
// screen when it was set: changing panes clears it, an error goes at the
// next key (it is kept whole for the last-error view), and any other
// message after a few seconds.
type status struct {
	text string
	kind statusKind
}

// clearStatusMsg clears the status line if it still shows message seq, so
// that a late clear can't wipe a newer message.
type clearStatusMsg struct{ seq uint64 }

// lastError is the last error said, whole, for the last-error view.
type lastError struct {
	text string // sanitized, lines kept
	at   time.Time
}

// setStatus shows text; an error stays until the next key or pane change,
// anything else for a few seconds. text must be sanitized already.
func (m *Model) setStatus(text string, kind statusKind) tea.Cmd {
	if kind == statusErr {
		return m.setError(text, text)
	}
	m.statusSeq++
	m.status = status{text: text, kind: kind}
	return m.after(statusTTL, clearStatusMsg{seq: m.statusSeq})
}

// setError shows short, sanitized, as the status line's error and keeps
// full (raw: it is sanitized here) for the last-error view. The status
// line points at that view when it can't hold the whole error.
func (m *Model) setError(short, full string) tea.Cmd {
	m.statusSeq++
	m.lastErr = lastError{text: sanitize.Lines(full), at: m.now()}
	hint := " (" + m.keys.Global.LastError.Help().Key + ": in full)"
	room := m.width - ansi.StringWidth(theme.GlyphErr+" ")
	if cut := m.width > 0 && ansi.StringWidth(short) > room; cut || short != m.lastErr.text {
		if m.width > 0 {
			short = ansi.Truncate(short, max(1, room-ansi.StringWidth(hint)), "…")
		}
		short += hint
	}
	m.status = status{text: short, kind: statusErr}
	return nil
}

func (m *Model) clearStatus() {
	m.statusSeq++
	m.status = status{}
}

// keyPressed clears an error: it has been seen, and the key is what the
// user does about it.
func (m *Model) keyPressed() {
	if m.status.kind == statusErr {
		m.clearStatus()
	}
}

// paneStatus shows a pane's message while that pane is on screen: one it
// sent when it was hidden is about something no longer shown.
func (m *Model) paneStatus(from origin, s pane.Status) tea.Cmd {
	if from.pane != m.cur {
		return nil
	}
	kind := statusInfo
	if s.Err {
		kind = statusErr
	}
	return m.setStatus(s.Text, kind)
}

// openLastError shows the last error whole, in a dialog.
func (m *Model) openLastError() tea.Cmd {
	if m.lastErr.text == "" {
		return m.setStatus("No error so far.", statusInfo)
	}
	v := &errorView{d: m.paneDeps(), err: m.lastErr}
	v.KeyActions = pane.Bind(errorActions, v, &v.d)
	return m.openModal(v, m.cur)
}

// errorView is the last error in full: a status line holds one line of
// it, and an action on several runners can fail for several reasons.
type errorView struct {
	pane.KeyActions[*errorView] // its keys, bound to it
	d                           pane.Deps
	err                         lastError
	top                         int // the first line shown, when it is longer than the box
	width, height               int
}

var _ pane.Modal = (*errorView)(nil)

func (v *errorView) Init() tea.Cmd { return nil }

func (v *errorView) Update(msg tea.Msg) tea.Cmd { return v.Pressed(msg) }

// errorActions scroll the error and close it, also with the key that
// opened it.
var errorActions = keymap.Context[*errorView]{
	{Name: "dialog.cancel", Desc: "close", Footer: 1, Run: closeError},
	{Name: "dialog.submit", Run: closeError},
	{Name: "global.last_error", Run: closeError},
	{Name: "table.up", Footer: 2, Run: func(v *errorView, _ tea.KeyMsg) tea.Cmd { v.top = max(0, v.top-1); return nil }},
	{Name: "table.down", Footer: 3, Run: func(v *errorView, _ tea.KeyMsg) tea.Cmd {
		v.top = min(v.top+1, max(0, len(v.lines())-1))
		return nil
	}},
}

func closeError(v *errorView, _ tea.KeyMsg) tea.Cmd { return v.d.Ask(pane.CloseModal{}) }

func (v *errorView) lines() []string {
	var out []string
	for _, l := range strings.Split(v.err.text, "\n") {
		out = append(out, modal.Wrap(l, modal.Inner(modal.BoxWidth(v.width, modal.Width)))...)
	}
	return out
}

func (v *errorView) View() string {
	st := v.d.Styles
	w := modal.BoxWidth(v.width, modal.Width)
	body := v.lines()[min(v.top, len(v.lines())):]
	foot := []string{st.Dim.Render(v.err.at.Format(time.TimeOnly))}
	return modal.Frame(st, w, v.height, st.StatusErr.Render(theme.GlyphErr+" Last error"), body, foot)
}

func (v *errorView) SetSize(width, height int) { v.width, v.height = width, height }

// task is something running that the status line shows with a spinner
// until it ends.
type task struct {
	id    int
	label string
	// A child's task also has where its reply goes, and what the root
	// does once it has succeeded.
	from origin
	then tea.Msg
}

func (m *Model) startTask(label string) int {
	return m.addTask(task{label: label})
}

func (m *Model) addTask(t task) int {
	m.taskSeq++
	t.id = m.taskSeq
	m.tasks = append(m.tasks, t)
	return m.taskSeq
}

// endTask removes task id and returns it.
func (m *Model) endTask(id int) (task, bool) {
	for i, t := range m.tasks {
		if t.id == id {
			m.tasks = append(m.tasks[:i], m.tasks[i+1:]...)
			return t, true
		}
	}
	return task{}, false
}

// spinWanted: a task runs, or the visible pane waits for its first data.
func (m *Model) spinWanted() bool {
	if len(m.tasks) > 0 {
		return true
	}
	e := m.current()
	return e.fresh.Loading() && m.poll.inFlight
}

func (m *Model) spinnerView() string {
	f := spinnerFrames.Frames
	return m.st.Spinner.Render(f[m.spinFrame%len(f)])
}
