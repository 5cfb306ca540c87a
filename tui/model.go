package tui

import (
	"context"
	"io"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/pane"
	"github.com/faldash/faldash/views/runners"
	"github.com/faldash/faldash/views/scalekeys/pending"
)

// mode decides who gets the keys.
type mode int

const (
	modeNormal  mode = iota
	modeCommand      // the `:` line has every key
	modeFilter       // the `/` line has every key
	modeHelp         // every key of the pane is shown; ? or esc closes
)

// Model is the root model. Use it through its pointer, as a tea.Model.
type Model struct {
	client   client.Client
	target   client.Target
	keys     *keymap.KeyMap
	st       *theme.Styles
	now      func() time.Time
	refresh  time.Duration
	readOnly bool
	debug    io.Writer

	// ctx ends every call when the program ends.
	ctx context.Context
	// after schedules msg after d; tests replace it to fire timers by hand.
	after func(d time.Duration, msg tea.Msg) tea.Cmd
	// loads hands over the command of a child's Load; tests replace it
	// to hold loads back (a log that follows never ends).
	loads func(tea.Cmd) tea.Cmd

	width, height int

	panes   map[pane.Key]*entry
	cur     pane.Key
	trail   []pane.Key // where Esc goes back to, most recent last
	env     string     // the environment in use, never empty
	app     string     // the app whose runners `3` shows, or ""
	history *runners.History
	// fx collects the requests of the child being called (Deps.Ask).
	fx *pane.Effects
	// scaling is the keyboard scaling in progress, one change per app
	// whichever pane it was pressed in.
	scaling *pending.Book

	poll   poller
	lastOK time.Time // of the last successful poll of any pane

	mode  mode
	input lineInput
	compl completion // Tab on the command line
	help  help.Model
	// helpTop is the first line of the help shown, when the help is
	// taller than the body.
	helpTop int

	// modal, when not nil, is drawn instead of the body and gets every
	// key; modalID numbers the modals opened, so that a closed one's late
	// answers can't reach the next.
	modal      pane.Modal
	modalID    uint64
	modalOwner pane.Key
	// unlocked lifts, for the session, the lock on main of fal cloud.
	unlocked bool

	status    status
	statusSeq uint64
	lastErr   lastError
	tasks     []task
	taskSeq   int

	spinning     bool // a spinner frame is scheduled
	spinFrame    int
	clockRunning bool // a one-second tick is scheduled
}

// entry is a cached pane with what the root knows of its data.
type entry struct {
	pane  pane.Pane
	fresh pane.Freshness
}

// New builds the dashboard. It makes no call: Init starts the first poll.
func New(cfg Config) *Model {
	m := &Model{
		client:   cfg.Client,
		keys:     cfg.KeyMap,
		st:       cfg.Styles,
		now:      cfg.Now,
		refresh:  cfg.refresh(),
		readOnly: cfg.ReadOnly,
		debug:    cfg.Debug,
		ctx:      context.Background(),
		after:    tick,
		panes:    map[pane.Key]*entry{},
		history:  runners.NewHistory(),
		scaling:  pending.New(),
		fx:       &pane.Effects{},
		loads:    func(c tea.Cmd) tea.Cmd { return c },
		env:      names.Env(cfg.Env),
	}
	if m.keys == nil {
		m.keys = keymap.Default()
	}
	if m.st == nil {
		m.st = theme.NewStyles(theme.Default(), nil)
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.client != nil {
		m.target = m.client.Target()
	}

	m.help = help.New()
	m.help.Styles = m.st.Help

	m.cur = pane.EnvironmentsKey()
	if cfg.Env != "" {
		m.cur = pane.AppsKey(m.env)
	}
	m.entry(m.cur)
	return m
}

func tick(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

// Init starts polling the first pane; the first frame, with its loading
// indicator, is drawn before any answer.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.startFetch(), m.keepTicking())
}

// Update handles one message. Every command it returns works on copies:
// results come back as messages, never by touching the model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.logMsg(msg)
	cmd := m.update(msg)
	if left := m.fx.Take(); len(left) > 0 {
		// Asked outside call (a child's method the root called
		// directly): the visible child's, as an unrouted request is.
		cmd = tea.Batch(cmd, m.act(m.visibleChild(), left))
	}
	return m, tea.Batch(cmd, m.keepTicking())
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
	case tea.KeyMsg:
		return m.handleKey(msg)
	case fetchedMsg:
		return m.fetched(msg)
	case pollTickMsg:
		return m.pollTick(msg)
	case clockMsg:
		m.clockRunning = false
		if m.clockWanted() {
			return m.paneUpdate(m.cur, pane.Tick{})
		}
	case spinMsg:
		m.spinning = false
		m.spinFrame++
	case clearStatusMsg:
		if msg.seq == m.statusSeq {
			m.status = status{}
		}
	case checkedMsg:
		return m.checked(msg)
	case namesMsg:
		m.namesLoaded(msg)
	case pane.Request:
		// Not asked through Deps.Ask (a child's pane.Cmd, or a test): it
		// is the visible child's, if anyone's.
		return m.request(m.visibleChild(), msg)
	default:
		return m.updateActions(msg)
	}
	return nil
}

// updateActions handles what the children's actions bring: their
// requests, the answers to them, modals opening, and what changed.
func (m *Model) updateActions(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case delivery:
		return m.deliver(msg)
	case taskDoneMsg:
		return m.taskDone(msg)
	case pane.EnvDeleted:
		return m.envDeleted(msg.Name)
	case pane.EnvCreated:
		return m.paneUpdate(pane.EnvironmentsKey(), msg)
	case unlockedMsg:
		return m.unlock()
	case shellOpenedMsg:
		return m.shellOpened(msg)
	case shellEndedMsg:
		return m.shellEnded(msg)
	}
	if m.modal != nil {
		return m.modalUpdate(msg)
	}
	return m.paneUpdate(m.cur, msg)
}

// visibleChild is the origin of what is on screen: the modal if one is
// open, else the visible pane.
func (m *Model) visibleChild() origin {
	if m.modal != nil {
		return m.fromModal()
	}
	return origin{pane: m.cur}
}

// keepTicking schedules the one-second tick and the spinner frame while
// they are wanted, one of each at most: an idle screen schedules nothing.
func (m *Model) keepTicking() tea.Cmd {
	var cmds []tea.Cmd
	if !m.clockRunning && m.clockWanted() {
		m.clockRunning = true
		cmds = append(cmds, m.after(time.Second, clockMsg{}))
	}
	if !m.spinning && m.spinWanted() {
		m.spinning = true
		cmds = append(cmds, m.after(spinnerFrames.FPS, spinMsg{}))
	}
	return tea.Batch(cmds...)
}

// clockWanted: something on screen changes with time alone, the age of the
// data, a retry countdown, uptimes and keep-alive countdowns.
func (m *Model) clockWanted() bool {
	if m.tooSmall() {
		return false
	}
	return m.current().fresh.Loaded || m.poll.failures > 0
}

func (m *Model) resize(w, h int) {
	m.width, m.height = w, h
	m.help.Width = w
	m.layout()
}

// layout gives the visible pane the body's size. Hidden panes are sized
// when shown.
func (m *Model) layout() {
	w, h := m.bodySize()
	m.current().pane.SetSize(w, h)
	m.sizeModal()
}

func (m *Model) quit() tea.Cmd {
	if m.poll.inFlight {
		m.poll.cancel()
	}
	return tea.Quit
}

type clockMsg struct{}
type spinMsg struct{}
