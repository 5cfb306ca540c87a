// Package envdelete is the dialog that deletes an environment. It says what
// will be destroyed (the environment's apps and secrets, by number and
// name, and its live runners, counted when the dialog opens) and asks for
// the environment's name to be typed. Enter deletes only when the text is
// exactly the name; anything else does nothing, and [Delete] cannot take
// focus until then. Focus starts on Cancel, so a stray Enter closes the
// dialog, and Esc always does; closing without deleting says so.
package envdelete

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/lineedit"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/format"
	"github.com/faldash/faldash/views/modal"
	"github.com/faldash/faldash/views/pane"
)

const (
	boxWidth   = 80
	inputWidth = 34
	// maxNames is how many apps or secrets are named; the rest are counted.
	maxNames = 6
)

// Focus is what Enter acts on.
type Focus int

const (
	FocusInput Focus = iota
	FocusDelete
	FocusCancel
)

// Modal asks for the typed name of the environment to delete.
type Modal struct {
	pane.KeyActions[*Modal] // its keys, bound to it
	d                       pane.Deps
	env                     string

	counts   *Contents // nil until counted
	countErr string

	input lineedit.Editor
	focus Focus
	send  modal.Send

	width, height int
}

// Contents is what deleting the environment destroys.
type Contents struct {
	Apps    []string
	Secrets []string
	Runners int // live: not terminated
}

// counted is the answer to the counting.
type counted struct {
	env string
	c   Contents
	err error
}

// deleted is the answer to DeleteEnvironment.
type deleted struct{ err error }

var _ pane.Modal = (*Modal)(nil)

// New builds the dialog deleting env. Deleting the default environment is
// refused before it comes to this.
func New(d pane.Deps, env string) *Modal {
	m := &Modal{d: d, env: env, focus: FocusCancel, width: boxWidth, height: 30}
	m.KeyActions = pane.Bind(modalActions, m, &m.d)
	m.input.Limit = names.MaxEnvironmentLen + 8
	return m
}

// Init counts the environment's apps, secrets and live runners.
func (m *Modal) Init() tea.Cmd {
	c, env := m.d.Client, m.env
	return m.d.Ask(pane.Load{Run: func(ctx context.Context) tea.Msg {
		got, err := count(ctx, c, env)
		return counted{env: env, c: got, err: err}
	}})
}

// count lists what env holds. It runs off the model's goroutine.
func count(ctx context.Context, c client.Client, env string) (Contents, error) {
	var out Contents
	apps, err := c.ListApps(ctx, env)
	if err != nil {
		return out, fmt.Errorf("list apps of %s: %w", env, err)
	}
	secrets, err := c.ListSecrets(ctx, env)
	if err != nil {
		return out, fmt.Errorf("list secrets of %s: %w", env, err)
	}
	for _, a := range apps {
		out.Apps = append(out.Apps, a.Name)
		rs, err := c.ListAppRunners(ctx, env, a.Name, client.RunnerQuery{IncludePending: true})
		if err != nil {
			return out, fmt.Errorf("list runners of %s: %w", names.Alias(a.Name, env), err)
		}
		for _, r := range rs {
			if r.State != client.StateTerminated {
				out.Runners++
			}
		}
	}
	for _, s := range secrets {
		out.Secrets = append(out.Secrets, s.Name)
	}
	slices.Sort(out.Apps)
	slices.Sort(out.Secrets)
	return out, nil
}

// Focused is what Enter acts on now.
func (m *Modal) Focused() Focus { return m.focus }

// Matches reports whether the typed text is exactly the name.
func (m *Modal) Matches() bool { return m.input.Value() == m.env }

func (m *Modal) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case counted:
		if msg.env != m.env {
			return nil
		}
		if msg.err != nil {
			m.countErr = sanitize.String(msg.err.Error())
			return nil
		}
		c := msg.c
		m.counts = &c
	case deleted:
		closed, _ := m.send.Answer(m.d, msg.err)
		return closed
	case tea.KeyMsg:
		return m.key(msg)
	}
	return nil
}

func (m *Modal) key(km tea.KeyMsg) tea.Cmd {
	if cmd, ok := m.Key(km); ok {
		return cmd
	}
	switch {
	case m.send.Out:
	case km.Type == tea.KeyRunes || km.Type == tea.KeySpace:
		// Typing goes to the name, wherever the focus was: focus on Cancel
		// is there to catch a stray Enter, not to swallow the name.
		m.focus = FocusInput
		m.input.Update(km)
		m.send.Err = ""
	case m.focus == FocusInput:
		m.input.Update(km)
		m.send.Err = ""
	}
	return nil
}

// modalActions are the dialog's keys; typing goes to the name. Once the
// deletion is sent, only Esc does something.
var modalActions = keymap.Context[*Modal]{
	{Name: "dialog.next_field", Footer: 1, Run: func(m *Modal, _ tea.KeyMsg) tea.Cmd { return m.step(1) }},
	{Name: "dialog.prev_field", Run: func(m *Modal, _ tea.KeyMsg) tea.Cmd { return m.step(-1) }},
	{Name: "dialog.submit", Desc: "press focused", Footer: 2, Run: func(m *Modal, _ tea.KeyMsg) tea.Cmd { return m.send.Submit(m.submit) }},
	{Name: "dialog.cancel", Footer: 3, Run: func(m *Modal, _ tea.KeyMsg) tea.Cmd { return m.cancel() }},
}

// Scope is the keys live in the dialog, for the clash check.
func Scope() keymap.Scope { return modalActions.Scope("delete-environment dialog") }

func (m *Modal) step(by int) tea.Cmd {
	if !m.send.Out {
		m.move(by)
	}
	return nil
}

// move steps the focus by dir through the field, Delete and Cancel,
// passing over Delete while the name does not match: a button that would
// refuse must not look pressable.
func (m *Modal) move(dir int) {
	const stops = 3
	m.focus = Focus((int(m.focus) + dir + stops) % stops)
	if m.focus == FocusDelete && !m.Matches() {
		m.focus = Focus((int(m.focus) + dir + stops) % stops)
	}
}

// cancel closes the dialog and says that nothing was deleted, so that
// closing it is not mistaken for the deletion having run.
func (m *Modal) cancel() tea.Cmd {
	return m.d.Ask(pane.CloseModal{},
		pane.Status{Text: "Cancelled: environment " + sanitize.String(m.env) + " was not deleted."})
}

// submit acts on Enter: Cancel closes; anywhere else it deletes if and only
// if the name was typed exactly.
func (m *Modal) submit() tea.Cmd {
	if m.focus == FocusCancel {
		return m.cancel()
	}
	if !m.Matches() {
		m.send.Err = fmt.Sprintf("Type %s exactly to delete it.", sanitize.String(m.env))
		return nil
	}
	m.send = modal.Send{Out: true}
	c, env := m.d.Client, m.env
	name := sanitize.String(env)
	t := pane.Call("deleting environment "+name, "deleted environment "+name+" with its apps and secrets",
		func(ctx context.Context) error { return c.DeleteEnvironment(ctx, env) },
		func(err error) tea.Msg { return deleted{err: err} })
	t.Then = pane.EnvDeleted{Name: env}
	return m.d.Ask(t)
}

func (m *Modal) SetSize(width, height int) {
	m.width, m.height = modal.BoxWidth(width, boxWidth), height
}

func (m *Modal) View() string {
	st := m.d.Styles
	name := sanitize.String(m.env)
	inner := modal.Inner(m.width)
	title := st.ModalDanger.Render("Delete environment " + name + "?")

	body := modal.Wrap("This deletes "+name+" and everything in it, for good:", inner)
	switch {
	case m.countErr != "":
		body = append(body, "  "+st.StatusErr.Render(theme.GlyphErr+" can't count what it holds: "+m.countErr))
	case m.counts == nil:
		body = append(body, "  "+st.Empty.Render("counting its apps, secrets and runners…"))
	default:
		c := m.counts
		body = append(body,
			"  "+st.ModalDanger.Render(format.Count(len(c.Apps), "app", "apps"))+named(c.Apps),
			"  "+st.ModalDanger.Render(format.Count(len(c.Secrets), "secret", "secrets"))+named(c.Secrets),
			"  "+st.ModalDanger.Render(format.Count(c.Runners, "live runner", "live runners"))+runnersNote(c.Runners),
		)
	}
	body = append(body, "", "Type "+st.ModalTitle.Render(name)+" to confirm:")
	field := modal.Field{Label: "name", Ed: m.input}
	switch {
	case m.Matches():
		field.Note = theme.GlyphOK + " matches"
	case m.input.Len() > 0:
		field.Note = "does not match"
	}
	body = append(body, modal.FieldLayout{LabelWidth: len("name"), InputWidth: inputWidth}.Line(st, &field, m.focus == FocusInput))

	var foot []string
	switch {
	case m.send.Out:
		foot = append(foot, st.StatusInfo.Render("Deleting…"))
	case m.send.Err != "":
		foot = append(foot, modal.Wrap(st.FieldError.Render(theme.GlyphErr+" "+m.send.Err), inner)...)
	}
	foot = append(foot, m.buttons(), "", modal.KeysLine(st, m.ShortHelp()))
	return modal.Frame(st, m.width, m.height, title, body, foot)
}

// buttons draws Delete dimmed, as not pressable, until the name matches.
func (m *Modal) buttons() string {
	st := m.d.Styles
	focus := -1
	switch m.focus {
	case FocusDelete:
		focus = 0
	case FocusCancel:
		focus = 1
	}
	if m.Matches() {
		return modal.Buttons(st, focus, "Delete", "Cancel")
	}
	return st.Empty.Render(" Delete ") + " " + modal.Buttons(st, focus-1, "Cancel")
}

// named lists up to maxNames names after a count: ": a, b and 3 more".
func named(all []string) string {
	if len(all) == 0 {
		return ""
	}
	shown := make([]string, 0, maxNames)
	for _, n := range all[:min(len(all), maxNames)] {
		shown = append(shown, sanitize.String(n))
	}
	s := ": " + strings.Join(shown, ", ")
	if rest := len(all) - len(shown); rest > 0 {
		s += fmt.Sprintf(" and %d more", rest)
	}
	return s
}

func runnersNote(n int) string {
	if n == 0 {
		return ""
	}
	return ", which are stopped"
}
