// Package secretform is the form that sets a secret of an environment: a
// name, checked as you type, then the value, masked. Setting a name that
// exists asks whether to overwrite it. The value is never drawn, never
// written to the debug log (the form reports when it has the keyboard, see
// Masking), and not kept: the editor is wiped as soon as the call that
// sends it is built.
//
// The "not exposed by default" option is fal's default_exposed, sent as
// the box shows it, as fal's CLI sends it: a new secret starts exposed, an
// existing one as it is. The form says which runners will receive it.
package secretform

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/modal"
	"github.com/faldash/faldash/views/pane"
	"github.com/faldash/faldash/views/runnerenv"
)

const (
	boxWidth   = 90
	labelWidth = 6
	inputWidth = 40
	// maxValue bounds a value typed or pasted: certificates fit, a
	// runaway paste does not.
	maxValue = 64 << 10
)

const (
	fieldName = iota
	fieldValue
	fieldOption // "not exposed by default", toggled with the dialog's toggle key
	focusStops
)

// Form sets one secret.
type Form struct {
	d         pane.Deps
	ask, form pane.KeyActions[*Form] // the keys of the question, and of the form
	env       string
	onSet     func(name string)
	fields    [2]modal.Field
	focus     int
	// exposed holds the secrets env has, by name, with their exposure.
	exposed map[string]bool
	// hidden: the secret is set as not exposed by default. It follows the
	// existing secret of the name typed until the box is toggled.
	hidden  bool
	toggled bool
	asking  bool // the overwrite question is open
	sending bool
	err     string

	width, height int
}

// set is the answer to SetSecret.
type set struct{ err error }

var (
	_ pane.Modal  = (*Form)(nil)
	_ pane.Masker = (*Form)(nil)
)

// New builds the form setting a secret of env; existing are the secrets
// it has. onSet, if not nil, is called with the name once it is set, on
// the model's goroutine.
func New(d pane.Deps, env string, existing []*client.Secret, onSet func(name string)) *Form {
	f := &Form{d: d, env: env, onSet: onSet, exposed: map[string]bool{}, width: boxWidth, height: 20}
	f.ask, f.form = pane.Bind(askActions, f, &f.d), pane.Bind(formActions, f, &f.d)
	for _, s := range existing {
		f.exposed[s.Name] = s.DefaultExposed
	}
	f.fields[fieldName].Label = "name"
	f.fields[fieldName].Ed.Limit = names.MaxSecretLen
	f.fields[fieldValue].Label = "value"
	f.fields[fieldValue].Ed.Masked = true
	f.fields[fieldValue].Ed.Limit = maxValue
	f.fields[fieldValue].Note = "masked; never shown again"
	return f
}

func (f *Form) Init() tea.Cmd { return nil }

// Masking reports whether keys typed now may be part of the value.
func (f *Form) Masking() bool { return f.focus == fieldValue && !f.asking }

// ValueLen is the length of the value held, in runes: zero once sent.
func (f *Form) ValueLen() int { return f.fields[fieldValue].Ed.Len() }

func (f *Form) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case set:
		f.sending = false
		if msg.err != nil {
			f.err = sanitize.String(msg.err.Error()) + " (type the value again to retry)"
			return nil
		}
		if f.onSet != nil {
			f.onSet(f.fields[fieldName].Ed.Value())
		}
		return f.d.Ask(pane.CloseModal{})
	case tea.KeyMsg:
		return f.key(msg)
	}
	return nil
}

func (f *Form) key(km tea.KeyMsg) tea.Cmd {
	if f.asking {
		cmd, _ := f.ask.Key(km)
		return cmd
	}
	if cmd, ok := f.form.Key(km); ok {
		return cmd
	}
	return f.typed(km)
}

// typed gives a key to the focused field; the option has no text.
func (f *Form) typed(km tea.KeyMsg) tea.Cmd {
	if !f.sending && f.focus != fieldOption && f.fields[f.focus].Ed.Update(km) {
		f.err = ""
		f.check()
	}
	return nil
}

// askActions answer whether to overwrite a secret that exists.
var askActions = modal.AskActions("overwrite", (*Form).send, func(f *Form) { f.asking = false })

// formActions are the form's keys; every other key is typed into the
// focused field. Once sent, only Esc does something.
var formActions = keymap.Context[*Form]{
	{Name: "dialog.submit", Footer: 1, Label: func(f *Form) (string, bool) {
		if f.focus != fieldName {
			return "set", true
		}
		return "next", true
	}, Run: func(f *Form, _ tea.KeyMsg) tea.Cmd {
		if f.sending {
			return nil
		}
		return f.submit()
	}},
	// The toggle key is text in a text field.
	{Name: "dialog.toggle", Footer: 2, Label: func(f *Form) (string, bool) { return "", f.focus == fieldOption },
		Run: func(f *Form, km tea.KeyMsg) tea.Cmd {
			if f.focus != fieldOption {
				return f.typed(km)
			}
			if !f.sending {
				f.hidden, f.toggled = !f.hidden, true
			}
			return nil
		}},
	{Name: "dialog.next_field", Footer: 3, Run: func(f *Form, _ tea.KeyMsg) tea.Cmd { return f.move(1) }},
	{Name: "dialog.prev_field", Run: func(f *Form, _ tea.KeyMsg) tea.Cmd { return f.move(focusStops - 1) }},
	{Name: "dialog.cancel", Footer: 4, Run: func(f *Form, _ tea.KeyMsg) tea.Cmd {
		f.fields[fieldValue].Ed.Wipe()
		return f.d.Ask(pane.CloseModal{})
	}},
}

// Scope is the keys live in the form, and in its question, for the clash
// check.
func Scope() []keymap.Scope {
	return []keymap.Scope{formActions.Scope("secret form"), askActions.Scope("secret form's question")}
}

// move moves the focus by stops, round.
func (f *Form) move(by int) tea.Cmd {
	if !f.sending {
		f.focus = (f.focus + by) % focusStops
	}
	return nil
}

// keys are the question's while it is asked, else the form's.
func (f *Form) keys() pane.KeyActions[*Form] {
	if f.asking {
		return f.ask
	}
	return f.form
}

func (f *Form) exists() bool {
	_, ok := f.exposed[f.fields[fieldName].Ed.Value()]
	return ok
}

// check puts the problems of the name next to it, and, until the box is
// toggled, shows the exposure the secret of that name has.
func (f *Form) check() bool {
	name := &f.fields[fieldName]
	name.Err, name.Note = "", ""
	n := name.Ed.Value()
	if exposed, ok := f.exposed[n]; ok && !f.toggled {
		f.hidden = !exposed
	} else if !f.toggled {
		f.hidden = false
	}
	if n == "" {
		return false
	}
	if err := names.ValidateSecret(n); err != nil {
		name.Err = err.Error()
		return false
	}
	if f.exists() {
		name.Note = "exists in " + sanitize.String(names.Env(f.env)) + ": setting it overwrites it"
	}
	return true
}

// submit moves from the name to the value, and from the value sends it,
// asking first if that overwrites a secret.
func (f *Form) submit() tea.Cmd {
	if !f.check() {
		if f.fields[fieldName].Ed.Len() == 0 {
			f.err = "Type the secret's name first."
		}
		f.focus = fieldName
		return nil
	}
	if f.focus == fieldName || f.fields[fieldValue].Ed.Len() == 0 {
		f.focus = fieldValue
		return nil
	}
	if f.exists() {
		f.asking = true
		return nil
	}
	return f.send()
}

// send builds the call with the value and wipes the editor: from here on
// only the command holds the value.
func (f *Form) send() tea.Cmd {
	f.sending, f.err = true, ""
	c, env, name := f.d.Client, f.env, f.fields[fieldName].Ed.Value()
	value := f.fields[fieldValue].Ed.Value()
	exposed := !f.hidden
	f.fields[fieldValue].Ed.Wipe()
	where := sanitize.String(name) + " in " + sanitize.String(names.Env(env))
	return f.d.Ask(pane.Call("setting secret "+where, "set secret "+where,
		func(ctx context.Context) error { return c.SetSecret(ctx, env, name, value, &exposed) },
		func(err error) tea.Msg { return set{err: err} }))
}

func (f *Form) SetSize(width, height int) {
	f.width, f.height = modal.BoxWidth(width, boxWidth), height
}

func (f *Form) View() string {
	st := f.d.Styles
	d := f.d.Keys.Dialog
	layout := modal.FieldLayout{LabelWidth: labelWidth, InputWidth: inputWidth}
	inner := modal.Inner(f.width)
	body := layout.Lines(st, &f.fields[fieldName], f.focus == fieldName && !f.asking, inner)
	body = append(body, layout.Lines(st, &f.fields[fieldValue], f.focus == fieldValue && !f.asking, inner)...)
	marker := "  "
	if f.focus == fieldOption && !f.asking {
		marker = st.Cursor.Render("›") + " "
	}
	body = append(body, marker+modal.Check(st, f.hidden, "not exposed by default ("+d.Toggle.Help().Key+" toggles)"))
	body = append(body, "")
	kind := f.d.Client.Target().Kind
	reach := runnerenv.Reach(kind, f.env, "it", !f.hidden)
	reach = strings.ToUpper(reach[:1]) + reach[1:]
	if !f.hidden || kind == client.TargetCloud {
		reach += " It arrives as an environment variable of this name."
	}
	body = append(body, modal.Wrap(st.Label.Render(reach), modal.Inner(f.width))...)

	title := st.ModalTitle.Render("Set a secret of " + sanitize.String(names.Env(f.env)))
	var foot []string
	switch {
	case f.asking:
		foot = append(foot,
			st.ModalDanger.Render(sanitize.String(f.fields[fieldName].Ed.Value())+" exists in "+
				sanitize.String(names.Env(f.env))+": overwrite its value?"),
			modal.KeysLine(st, f.ShortHelp()))
		return modal.Frame(st, f.width, f.height, title, body, foot)
	case f.sending:
		foot = append(foot, st.StatusInfo.Render("Setting…"))
	case f.err != "":
		foot = append(foot, modal.Wrap(st.FieldError.Render(theme.GlyphErr+" "+f.err), modal.Inner(f.width))...)
	}
	foot = append(foot, modal.KeysLine(st, f.ShortHelp()))
	return modal.Frame(st, f.width, f.height, title, body, foot)
}

func (f *Form) ShortHelp() []key.Binding  { return f.keys().ShortHelp() }
func (f *Form) FullHelp() [][]key.Binding { return f.keys().FullHelp() }
