// Package envform is the form that creates an environment: a name, checked
// as you type by the rules the controller applies (and against the names
// already listed), and an optional description. A refusal by the controller
// is shown in the form, which stays open.
package envform

import (
	"context"
	"slices"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/modal"
	"github.com/faldash/faldash/views/pane"
)

const (
	boxWidth   = 90
	labelWidth = 12
	inputWidth = 34
)

const (
	fieldName = iota
	fieldDescription
)

// Form creates one environment.
type Form struct {
	pane.KeyActions[*Form] // its keys, bound to it
	d                      pane.Deps
	existing               []string
	fields                 [2]modal.Field
	focus                  int
	tried                  bool // Enter was pressed: an empty name is an error from now on
	send                   modal.Send

	width, height int
}

// created is the answer to CreateEnvironment.
type created struct{ err error }

var _ pane.Modal = (*Form)(nil)

// New builds the form; existing are the names listed already.
func New(d pane.Deps, existing []string) *Form {
	f := &Form{d: d, existing: existing, width: boxWidth, height: 20}
	f.KeyActions = pane.Bind(formActions, f, &f.d)
	f.fields[fieldName].Label = "name"
	f.fields[fieldName].Ed.Limit = names.MaxEnvironmentLen
	f.fields[fieldName].Note = "lowercase letters, digits, hyphens"
	f.fields[fieldDescription].Label = "description"
	f.fields[fieldDescription].Ed.Limit = names.MaxDescriptionLen
	f.fields[fieldDescription].Note = "optional"
	return f
}

func (f *Form) Init() tea.Cmd { return nil }

func (f *Form) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case created:
		closed, ok := f.send.Answer(f.d, msg.err)
		if !ok {
			return nil
		}
		return closed
	case tea.KeyMsg:
		return f.send.FormKey(f.KeyActions, msg, &f.fields[f.focus], f.edited)
	}
	return nil
}

// edited checks the fields again after a change of text.
func (f *Form) edited() { f.check() }

// formActions are the form's keys; every other key is typed into the
// focused field. Once sent, only Esc does something.
var formActions = keymap.Context[*Form]{
	{Name: "dialog.submit", Desc: "create", Footer: 1, Run: func(f *Form, _ tea.KeyMsg) tea.Cmd { return f.send.Submit(f.submit) }},
	{Name: "dialog.next_field", Footer: 2, Run: (*Form).switchField},
	{Name: "dialog.prev_field", Run: (*Form).switchField},
	{Name: "dialog.cancel", Footer: 3, Run: func(f *Form, _ tea.KeyMsg) tea.Cmd { return f.d.Ask(pane.CloseModal{}) }},
}

// Scope is the keys live in the form, for the clash check.
func Scope() keymap.Scope { return formActions.Scope("new environment form") }

// switchField moves the focus to the other of the two fields.
func (f *Form) switchField(tea.KeyMsg) tea.Cmd {
	if !f.send.Out {
		f.focus = 1 - f.focus
	}
	return nil
}

// check puts the problems of each field next to it.
func (f *Form) check() bool {
	name, desc := &f.fields[fieldName], &f.fields[fieldDescription]
	name.Err, desc.Err = "", ""
	n := name.Ed.Value()
	switch {
	case n == "" && !f.tried:
	case slices.Contains(f.existing, n):
		name.Err = "an environment of this name exists already"
	default:
		if err := names.ValidateEnvironment(n); err != nil {
			name.Err = err.Error()
		}
	}
	if err := names.ValidateDescription(desc.Ed.Value()); err != nil {
		desc.Err = err.Error()
	}
	return name.Err == "" && desc.Err == "" && n != ""
}

func (f *Form) submit() tea.Cmd {
	f.tried = true
	if !f.check() {
		f.send.Err = "Fix the marked fields first."
		return nil
	}
	f.send = modal.Send{Out: true}
	c := f.d.Client
	name, desc := f.fields[fieldName].Ed.Value(), f.fields[fieldDescription].Ed.Value()
	return f.d.Ask(pane.Task{
		Label: "creating environment " + sanitize.String(name),
		// The environments pane puts its cursor on it once it is listed,
		// whether or not the form is still there to hear the answer.
		Then: pane.EnvCreated{Name: name},
		Run: func(ctx context.Context) pane.Outcome {
			_, err := c.CreateEnvironment(ctx, name, desc)
			return pane.Outcome{Said: "created environment " + sanitize.String(name), Err: err,
				Reply: created{err: err}}
		},
	})
}

func (f *Form) SetSize(width, height int) {
	f.width, f.height = modal.BoxWidth(width, boxWidth), height
}

func (f *Form) View() string {
	st := f.d.Styles
	layout := modal.FieldLayout{LabelWidth: labelWidth, InputWidth: inputWidth}
	inner := modal.Inner(f.width)
	body := layout.Lines(st, &f.fields[fieldName], f.focus == fieldName, inner)
	body = append(body, layout.Lines(st, &f.fields[fieldDescription], f.focus == fieldDescription, inner)...)
	var foot []string
	switch {
	case f.send.Out:
		foot = append(foot, st.StatusInfo.Render("Creating…"))
	case f.send.Err != "":
		foot = append(foot, modal.Wrap(st.FieldError.Render(theme.GlyphErr+" "+f.send.Err), modal.Inner(f.width))...)
	}
	foot = append(foot, modal.KeysLine(st, f.ShortHelp()))
	return modal.Frame(st, f.width, f.height, st.ModalTitle.Render("New environment"), body, foot)
}
