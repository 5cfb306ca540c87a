package pane

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
)

// Children (panes and modals) never call the client from Update: they ask
// the root (Deps.Ask) for a Task, a Load or a Schedule, and the functions
// they hand over run on another goroutine, so those must hold copies of
// whatever they need. The root acts on the request as soon as the child
// returns, remembers which child asked (a pane, by Key, even once hidden;
// a modal, while it is still open) and sends the answer, a message, there.

// Task asks the root to run a call that changes something, as a task of
// the status line: a spinner and Label while Run runs, then ✓ and what the
// Outcome said, or ✗ Label and the error; then the visible pane is
// refreshed.
type Task struct {
	Label string // what runs: "scaling my-app"
	// Run makes the call, off the model's goroutine.
	Run func(ctx context.Context) Outcome
	// Then, if not nil, is handled by the root once Run has succeeded,
	// whether or not the child that asked is still there to hear it (an
	// EnvDeleted after the dialog that asked for the deletion was closed).
	Then tea.Msg
}

// Outcome is how a Task went.
type Outcome struct {
	// Said is what happened, shown when Err is nil: an action on several
	// things says how many it reached.
	Said string
	Err  error
	// Reply, if not nil, goes to the child that asked for the task, in
	// the child's own type.
	Reply tea.Msg
}

// Call is a Task of one call whose only result is whether it worked: done
// is said when it did, and reply, if not nil, tells the child that asked.
func Call(label, done string, call func(ctx context.Context) error, reply func(err error) tea.Msg) Task {
	return Task{Label: label, Run: func(ctx context.Context) Outcome {
		err := call(ctx)
		o := Outcome{Said: done, Err: err}
		if reply != nil {
			o.Reply = reply(err)
		}
		return o
	}}
}

// Partial is the error of a task that went only partly: the status line
// says the task's label and Summary ("1 killed, 1 failed") rather than
// "failed", and the last-error view shows Err, every reason, whole.
type Partial struct {
	Summary string
	Err     error
}

func (p *Partial) Error() string { return p.Summary + ": " + p.Err.Error() }
func (p *Partial) Unwrap() error { return p.Err }

// Load asks the root to run a read outside the polling of the visible pane
// (what a delete will destroy, an app's revisions): no status line, no
// refresh, and the message Run returns, of the child's own type, goes back
// to the child that asked.
type Load struct {
	Run func(ctx context.Context) tea.Msg
}

// Schedule asks the root to deliver Msg to the child that asked after
// After: a debounce, without the child owning a timer.
type Schedule struct {
	After time.Duration
	Msg   tea.Msg
}

// Modal is a dialog or form the root draws instead of the body, in a box.
// While it is open it gets every key (Ctrl+C aside), and the polling of the
// visible pane pauses. It is used through its pointer from the model's
// goroutine only.
type Modal interface {
	// Init runs once, when the modal opens: a modal that needs data asks
	// for it here (with Load).
	Init() tea.Cmd
	Update(tea.Msg) tea.Cmd
	// View draws the modal's box, no larger than the size given to SetSize.
	View() string
	// SetSize gives the room the body has; the root centres the box in it.
	SetSize(width, height int)
	// ShortHelp is the footer while the modal is open.
	help.KeyMap
}

// Masker is a modal that may have a secret value under the keyboard: while
// Masking reports true the root does not write the keys to the debug log.
type Masker interface {
	Masking() bool
}

// ShowModal asks the root to open Modal, replacing any open one.
type ShowModal struct{ Modal Modal }

// CloseModal asks the root to close the modal that returned it.
type CloseModal struct{}

// Lockable is a pane with mutating keys: the root tells it whether writing
// is allowed, so that its help lists only the keys that work. The root
// itself refuses mutating keys while writing is not allowed.
type Lockable interface {
	SetReadOnly(readOnly bool)
}

// EnvDeleted says an environment is gone: the root drops its panes and, if
// it was in use, goes to the environments; the environments pane moves its
// cursor to a neighbour.
type EnvDeleted struct{ Name string }

// EnvCreated says an environment was created: the environments pane puts
// its cursor on it once it is listed.
type EnvCreated struct{ Name string }

// Shell asks the root to open a shell on a runner (fal's ShellRunner) and
// give it the terminal until it ends; a shell that cannot open is
// reported in the status line, and the dashboard stays.
type Shell struct {
	Runner client.RunnerID
}
