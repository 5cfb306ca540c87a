package modal

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/pane"
)

// Confirm asks a yes/no question about one action: y runs it, n or Esc
// closes the dialog having done nothing. Every other key, Enter included,
// does nothing, so that a key pressed out of habit can't confirm. An
// action may have one option (force, replace first) that the toggle key
// turns on and off before answering.
type Confirm struct {
	pane.KeyActions[*Confirm] // its keys, bound to it
	d                         pane.Deps
	title                     string
	body                      []string // plain text, wrapped to the box
	danger                    bool
	option                    *option
	yes                       func(option bool) tea.Cmd

	width, height int
}

type option struct {
	label string
	on    bool
}

var _ pane.Modal = (*Confirm)(nil)

// NewConfirm asks title (a question) with body (what the action does, one
// paragraph per string). yes builds the action's command when the answer is
// yes, with the option's state; it must hold copies only, as every command.
func NewConfirm(d pane.Deps, title string, body []string, yes func(option bool) tea.Cmd) *Confirm {
	c := &Confirm{d: d, title: title, body: body, yes: yes, width: Width, height: 20}
	c.KeyActions = pane.Bind(confirmActions, c, &c.d)
	return c
}

// Danger draws the question as a warning, for actions that lose something.
func (c *Confirm) Danger() *Confirm {
	c.danger = true
	return c
}

// WithOption adds an option, off or on at first.
func (c *Confirm) WithOption(label string, on bool) *Confirm {
	c.option = &option{label: label, on: on}
	return c
}

// Option reports the option's state (false without one).
func (c *Confirm) Option() bool { return c.option != nil && c.option.on }

func (c *Confirm) Update(msg tea.Msg) tea.Cmd { return c.Pressed(msg) }

// confirmActions are the keys of a question; Esc answers no.
var confirmActions = keymap.Context[*Confirm]{
	{Name: "dialog.confirm", Footer: 1, Run: func(c *Confirm, _ tea.KeyMsg) tea.Cmd {
		return tea.Batch(c.d.Ask(pane.CloseModal{}), c.yes(c.Option()))
	}},
	{Name: "dialog.deny", Footer: 2, Run: (*Confirm).no},
	{Name: "dialog.cancel", Footer: 3, Run: (*Confirm).no},
	{Name: "dialog.toggle", Footer: 4, Label: func(c *Confirm) (string, bool) { return "", c.option != nil },
		Run: func(c *Confirm, _ tea.KeyMsg) tea.Cmd {
			if c.option != nil {
				c.option.on = !c.option.on
			}
			return nil
		}},
}

// ConfirmScope is the keys live in a question, for the clash check.
func ConfirmScope() keymap.Scope { return confirmActions.Scope("confirmation") }

func (c *Confirm) no(tea.KeyMsg) tea.Cmd {
	return c.d.Ask(pane.CloseModal{}, pane.Status{Text: "Cancelled: nothing was changed."})
}

func (c *Confirm) SetSize(width, height int) {
	c.width, c.height = BoxWidth(width, Width), height
}

func (c *Confirm) View() string {
	st := c.d.Styles
	title := st.ModalTitle.Render(c.title)
	if c.danger {
		title = st.ModalDanger.Render(c.title)
	}
	var body []string
	for i, p := range c.body {
		if i > 0 {
			body = append(body, "")
		}
		body = append(body, Wrap(p, Inner(c.width))...)
	}
	if c.option != nil {
		body = append(body, "", Check(st, c.option.on, c.option.label)+"  "+
			st.Label.Render("("+c.d.Keys.Dialog.Toggle.Help().Key+" toggles)"))
	}
	return Frame(st, c.width, c.height, title, body, []string{KeysLine(st, c.ShortHelp())})
}

func (c *Confirm) Init() tea.Cmd { return nil }

// AskActions are the keys of a yes/no question a dialog asks before it
// acts: yes answers it, no or Esc returns to the dialog (back). yesDesc
// says what yes does ("overwrite"), "" for plain yes.
func AskActions[T any](yesDesc string, yes func(T) tea.Cmd, back func(T)) keymap.Context[T] {
	no := func(t T, _ tea.KeyMsg) tea.Cmd { back(t); return nil }
	return keymap.Context[T]{
		{Name: "dialog.confirm", Desc: yesDesc, Footer: 1, Run: func(t T, _ tea.KeyMsg) tea.Cmd { back(t); return yes(t) }},
		{Name: "dialog.deny", Footer: 2, Run: no},
		{Name: "dialog.cancel", Run: no},
	}
}
