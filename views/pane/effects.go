package pane

import tea "github.com/charmbracelet/bubbletea"

// Request is something a child asks of the root: a Task, Load, Schedule,
// ShowModal, CloseModal, Status, Open,
// Refresh or Shell. A child asks with
// Deps.Ask while it handles a message, and the root acts on it as soon as
// the child's Update (or Init, or SetSearch) returns, knowing which child
// it called: the request itself does not travel through Bubble Tea and
// back, only its answer does.
type Request interface{ request() }

func (Task) request()       {}
func (Load) request()       {}
func (Schedule) request()   {}
func (ShowModal) request()  {}
func (CloseModal) request() {}
func (Status) request()     {}
func (Open) request()       {}
func (Refresh) request()    {}
func (Shell) request()      {}

// Effects holds the requests of the child the root is calling. The root
// owns it and shares it through Deps; it is used from the model's
// goroutine only, like the children.
type Effects struct{ asked []Request }

// Take returns the requests made since the last Take, and forgets them.
func (e *Effects) Take() []Request {
	asked := e.asked
	e.asked = nil
	return asked
}

// Ask records reqs for the root, in order, and returns nil: return it from
// Update, as in `return p.d.Ask(pane.Status{...})`. Without Effects (a
// child driven on its own, as a view's tests do) the requests come back as
// a command of their messages instead, which is how the root used to hear
// them.
func (d Deps) Ask(reqs ...Request) tea.Cmd {
	if d.Effects == nil {
		cmds := make([]tea.Cmd, len(reqs))
		for i, r := range reqs {
			cmds[i] = Cmd(r)
		}
		return tea.Batch(cmds...)
	}
	d.Effects.asked = append(d.Effects.asked, reqs...)
	return nil
}
