// Package scaleform is the scale form: every scaling field of an app at
// once, prefilled with its current values, checked as you type (by the
// same rules the local controller applies), with the change shown as a
// diff before it is applied and the fields fal resets on the next deploy
// marked. Enter applies the change as one UpdateApp that sets only the
// fields that changed; Esc cancels. On a refusal the form stays open with
// the controller's reason.
package scaleform

import (
	"context"
	"errors"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/modal"
	"github.com/faldash/faldash/views/pane"
)

// Layout of the form.
const (
	boxWidth   = 110
	labelWidth = 20
	inputWidth = 18
)

// Form edits the scaling of one app.
type Form struct {
	pane.KeyActions[*Form] // its keys, bound to it
	d                      pane.Deps
	env                    string
	app                    string
	cur                    scaling.Settings
	fields                 []modal.Field
	focus                  int

	spec    client.ScaleSpec // what the fields ask to change
	invalid bool             // some field is refused
	send    modal.Send

	width, height int
}

// applied is the answer to the form's UpdateApp.
type applied struct{ err error }

var _ pane.Modal = (*Form)(nil)

// New builds the form for app in env, prefilled with its settings.
func New(d pane.Deps, env string, app client.App) *Form {
	f := &Form{d: d, env: env, app: app.Name, cur: app.Scaling, width: boxWidth, height: 40}
	f.KeyActions = pane.Bind(formActions, f, &f.d)
	f.fields = make([]modal.Field, len(defs))
	for i, def := range defs {
		fl := &f.fields[i]
		fl.Label = def.label
		fl.Ed.SetValue(sanitize.String(def.text(app.Scaling)))
		fl.Ed.Limit = 200
		if def.reset {
			fl.Mark = theme.GlyphResetOnDeploy
		}
	}
	f.check()
	return f
}

func (f *Form) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case applied:
		closed, _ := f.send.Answer(f.d, msg.err)
		return closed
	case tea.KeyMsg:
		return f.send.FormKey(f.KeyActions, msg, &f.fields[f.focus], f.check)
	}
	return nil
}

// formActions are the form's keys; every other key is typed into the
// focused field. Once sent, only Esc does something: the answer closes
// the form or says why it can't.
var formActions = keymap.Context[*Form]{
	{Name: "dialog.submit", Footer: 1, Run: func(f *Form, _ tea.KeyMsg) tea.Cmd { return f.send.Submit(f.submit) }},
	{Name: "dialog.next_field", Footer: 2, Run: func(f *Form, _ tea.KeyMsg) tea.Cmd { return f.move(1) }},
	{Name: "dialog.prev_field", Footer: 3, Run: func(f *Form, _ tea.KeyMsg) tea.Cmd { return f.move(len(f.fields) - 1) }},
	{Name: "dialog.cancel", Footer: 4, Run: func(f *Form, _ tea.KeyMsg) tea.Cmd { return f.d.Ask(pane.CloseModal{}) }},
}

// Scope is the keys live in the form, for the clash check.
func Scope() keymap.Scope { return formActions.Scope("scale form") }

// move moves the focus by fields, round.
func (f *Form) move(by int) tea.Cmd {
	if !f.send.Out {
		f.focus = (f.focus + by) % len(f.fields)
	}
	return nil
}

// check reads every field into the spec and validates the settings it
// would give, putting each problem next to its field.
func (f *Form) check() {
	f.spec = client.ScaleSpec{}
	f.invalid = false
	for i, def := range defs {
		f.fields[i].Err = ""
		if err := def.read(f.fields[i].Ed.Value(), f.cur, &f.spec); err != nil {
			f.fields[i].Err = err.Error()
			f.invalid = true
		}
	}
	if f.invalid {
		return // the settings can't be built from text that does not read
	}
	for _, fe := range fieldErrors(f.spec.Apply(f.cur).Validate()) {
		for i, def := range defs {
			if def.name == fe.Field && f.fields[i].Err == "" {
				f.fields[i].Err = fe.Msg
				f.invalid = true
			}
		}
	}
}

// fieldErrors unpacks Validate's joined errors.
func fieldErrors(err error) []*scaling.FieldError {
	if err == nil {
		return nil
	}
	var out []*scaling.FieldError
	var fe *scaling.FieldError
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			if errors.As(e, &fe) {
				out = append(out, fe)
			}
		}
	} else if errors.As(err, &fe) {
		out = append(out, fe)
	}
	return out
}

// Changes lists the fields the form would change, by fal's name.
func (f *Form) Changes() []string {
	after := f.spec.Apply(f.cur)
	var out []string
	for _, def := range defs {
		if def.shown(f.cur) != def.shown(after) {
			out = append(out, def.name)
		}
	}
	return out
}

// Spec is the change the form would send.
func (f *Form) Spec() client.ScaleSpec { return f.spec }

func (f *Form) submit() tea.Cmd {
	switch {
	case f.invalid:
		f.send.Err = "Fix the marked fields first."
		return nil
	case f.spec.IsEmpty():
		f.send.Err = "Nothing to apply: no field was changed."
		return nil
	}
	f.send = modal.Send{Out: true}
	c, env, app, spec := f.d.Client, f.env, f.app, f.spec
	alias := sanitize.String(names.Alias(app, env))
	changed := strings.Join(f.changedLabels(), ", ")
	return f.d.Ask(pane.Call("scaling "+alias, "scaled "+alias+": "+changed,
		func(ctx context.Context) error {
			_, err := c.UpdateApp(ctx, env, app, spec)
			return err
		},
		func(err error) tea.Msg { return applied{err: err} }))
}

func (f *Form) changedLabels() []string {
	after := f.spec.Apply(f.cur)
	var out []string
	for _, def := range defs {
		if old, now := def.shown(f.cur), def.shown(after); old != now {
			out = append(out, def.label+" "+old+"→"+now)
		}
	}
	return out
}

func (f *Form) SetSize(width, height int) {
	f.width, f.height = modal.BoxWidth(width, boxWidth), height
}

func (f *Form) View() string {
	st := f.d.Styles
	title := st.ModalTitle.Render("Scale " + sanitize.String(names.Alias(f.app, f.env)))
	layout := modal.FieldLayout{LabelWidth: labelWidth, InputWidth: inputWidth}
	var fields []string
	first, last := 0, 0 // the focused field's lines
	for i := range f.fields {
		lines := layout.Lines(st, &f.fields[i], i == f.focus, modal.Inner(f.width))
		if i == f.focus {
			first, last = len(fields), len(fields)+len(lines)
		}
		fields = append(fields, lines...)
	}
	legend := "  " + st.ResetMark.Render(theme.GlyphResetOnDeploy) +
		st.Label.Render(" fal resets this field on the next deploy")
	diff := f.diff()

	var status []string
	switch {
	case f.send.Out:
		status = append(status, st.StatusInfo.Render("Applying…"))
	case f.send.Err != "":
		status = append(status, st.FieldError.Render(theme.GlyphErr+" "+f.send.Err))
	}
	foot := append(status[:len(status):len(status)], modal.KeysLine(st, f.ShortHelp()))
	body := append(append(fields[:len(fields):len(fields)], legend, ""), diff...)
	if len(body) > modal.Room(f.width, f.height, title, foot) {
		// Short of room, the diff must stay in view, or Enter would apply
		// what one can't see: the fields scroll around the focused one
		// instead, and the keys are left to the screen's footer, which
		// shows them too.
		foot = status
		pinned := append([]string{legend}, diff...)
		room := modal.Room(f.width, f.height, title, foot)
		fields = modal.Window(st, fields, first, last, max(last-first, room-len(pinned)))
		body = append(fields, pinned...)
	}
	return modal.Frame(st, f.width, f.height, title, body, foot)
}

// diff shows each change as old → new.
func (f *Form) diff() []string {
	st := f.d.Styles
	after := f.spec.Apply(f.cur)
	lines := []string{st.ModalTitle.Render("Changes")}
	for _, def := range defs {
		old, now := def.shown(f.cur), def.shown(after)
		if old == now {
			continue
		}
		label := def.label + strings.Repeat(" ", max(0, labelWidth-len(def.label)))
		lines = append(lines, "  "+st.Label.Render(label)+" "+st.DiffOld.Render(old)+" → "+st.DiffNew.Render(now))
	}
	if len(lines) == 1 {
		lines = append(lines, "  "+st.Empty.Render("none yet: edit a field"))
	}
	return lines
}

func (f *Form) Init() tea.Cmd { return nil }
