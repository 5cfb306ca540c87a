package tui

import (
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
)

// spinnerFrames is the spinner drawn while something runs.
var spinnerFrames = spinner.MiniDot

type statusKind int

const (
	statusInfo statusKind = iota
	statusOK
	statusErr
)

// status is the message of the status line.
type status struct {
	text string
	kind statusKind
}

// clearStatusMsg clears the status line if it still shows message seq, so
// that a late clear can't wipe a newer message.
type clearStatusMsg struct{ seq uint64 }

// setStatus shows text for a few seconds (errors a little longer). text
// must be sanitized already.
func (m *Model) setStatus(text string, kind statusKind) tea.Cmd {
	m.statusSeq++
	m.status = status{text: text, kind: kind}
	ttl := statusTTL
	if kind == statusErr {
		ttl = errorStatusTTL
	}
	return m.after(ttl, clearStatusMsg{seq: m.statusSeq})
}

// task is something running that the status line shows with a spinner
// until it ends.
type task struct {
	id    int
	label string
	// A child's task also has what to say when it ends and where its
	// answer goes.
	done  string
	from  origin
	reply func(result any, err error) tea.Msg
	then  tea.Msg
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
	return !e.loaded && e.err == nil && m.poll.inFlight
}

func (m *Model) spinnerView() string {
	f := spinnerFrames.Frames
	return m.st.Spinner.Render(f[m.spinFrame%len(f)])
}
