// Package revisions is the list of an app's registered revisions in its
// environment, newest first, with the one its alias points at marked;
// Enter on another one points the alias at it (fal's SetAlias), after a
// y/n confirmation.
package revisions

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/format"
	"github.com/faldash/faldash/views/modal"
	"github.com/faldash/faldash/views/pane"
)

const boxWidth = 100

// currentGlyph marks the revision the alias points at.
const currentGlyph = "●"

// View lists the revisions of one app.
type View struct {
	d         pane.Deps
	ask, list pane.KeyActions[*View] // the keys of the question, and of the list
	env       string
	app       client.App

	revs   []client.Revision
	load   modal.Loading
	cursor int

	asking bool // the set-revision question is open
	send   modal.Send

	width, height int
}

// set is the answer to SetAlias.
type set struct{ err error }

var _ pane.Modal = (*View)(nil)

// New builds the list of app's revisions in env. With d.ReadOnly, the list
// can be browsed but not acted on.
func New(d pane.Deps, env string, app client.App) *View {
	v := &View{d: d, env: env, app: app, width: boxWidth, height: 30}
	v.ask, v.list = pane.Bind(askActions, v, &v.d), pane.Bind(listActions, v, &v.d)
	return v
}

// Init lists the revisions.
func (v *View) Init() tea.Cmd {
	c, env, app := v.d.Client, v.env, v.app.Name
	return modal.List(v.d, func(ctx context.Context) ([]client.Revision, error) {
		return c.ListRevisions(ctx, env, app)
	})
}

func (v *View) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case modal.Listed[client.Revision]:
		if !v.load.Answer(msg.Err) {
			return nil
		}
		v.revs = slices.SortedFunc(slices.Values(msg.Items), func(a, b client.Revision) int {
			return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(a.ID, b.ID))
		})
		v.cursor = max(0, slices.IndexFunc(v.revs, func(r client.Revision) bool { return r.ID == v.app.Revision }))
	case set:
		closed, _ := v.send.Answer(v.d, msg.err)
		return closed
	case tea.KeyMsg:
		return v.keys().Pressed(msg)
	}
	return nil
}

// keys are the question's while it is asked, else the list's.
func (v *View) keys() pane.KeyActions[*View] {
	if v.asking {
		return v.ask
	}
	return v.list
}

// askActions answer whether to point the app at the chosen revision.
var askActions = modal.AskActions("", (*View).setRevision, func(v *View) { v.asking = false })

// listActions move through the revisions and choose one. Once the
// choice is sent, only Esc does something.
var listActions = keymap.Context[*View]{
	{Name: "table.up", Footer: 1, Run: func(v *View, _ tea.KeyMsg) tea.Cmd { return v.moveTo(v.cursor - 1) }},
	{Name: "table.down", Footer: 2, Run: func(v *View, _ tea.KeyMsg) tea.Cmd { return v.moveTo(v.cursor + 1) }},
	{Name: "table.top", Run: func(v *View, _ tea.KeyMsg) tea.Cmd { return v.moveTo(0) }},
	{Name: "table.bottom", Run: func(v *View, _ tea.KeyMsg) tea.Cmd { return v.moveTo(len(v.revs) - 1) }},
	// Read-only, a revision can be looked at, not chosen.
	{Name: "dialog.submit", Footer: 3, Label: func(v *View) (string, bool) { return "run this revision", !v.d.ReadOnly },
		Run: (*View).choose},
	{Name: "dialog.cancel", Desc: "close", Footer: 4, Run: func(v *View, _ tea.KeyMsg) tea.Cmd { return v.d.Ask(pane.CloseModal{}) }},
}

// Scope is the keys live in the list of revisions, and in its question,
// for the clash check.
func Scope() []keymap.Scope {
	return []keymap.Scope{listActions.Scope("revisions"), askActions.Scope("revisions' question")}
}

// moveTo puts the cursor on revision i, or the nearest there is.
func (v *View) moveTo(i int) tea.Cmd {
	if !v.send.Out {
		v.cursor = max(0, min(len(v.revs)-1, i))
	}
	return nil
}

// choose asks whether to point the app at the revision under the cursor.
func (v *View) choose(tea.KeyMsg) tea.Cmd {
	if v.send.Out {
		return nil
	}
	v.send.Err = ""
	r, ok := v.selected()
	switch {
	case !ok:
	case r.ID == v.app.Revision:
		v.send.Err = "This is the revision the app runs already."
	case v.d.ReadOnly:
		v.send.Err = "Read-only: pointing the app at another revision is not allowed here."
	default:
		v.asking = true
	}
	return nil
}

func (v *View) selected() (client.Revision, bool) {
	if v.cursor < 0 || v.cursor >= len(v.revs) {
		return client.Revision{}, false
	}
	return v.revs[v.cursor], true
}

func (v *View) setRevision() tea.Cmd {
	r, ok := v.selected()
	if !ok {
		return nil
	}
	v.send.Out = true
	c, env, app, rev := v.d.Client, v.env, v.app.Name, r.ID
	alias := sanitize.String(names.Alias(app, env))
	short := format.Short(string(rev), 8)
	return v.d.Ask(pane.Call("pointing "+alias+" at "+short, alias+" now runs revision "+short,
		func(ctx context.Context) error {
			_, err := c.SetAlias(ctx, env, app, rev, nil, nil)
			return err
		},
		func(err error) tea.Msg { return set{err: err} }))
}

func (v *View) SetSize(width, height int) {
	v.width, v.height = modal.BoxWidth(width, boxWidth), height
}

func (v *View) View() string {
	st := v.d.Styles
	title := st.ModalTitle.Render("Revisions of " + sanitize.String(names.Alias(v.app.Name, v.env)))
	var body []string
	status, loading := v.load.Status(st, "revisions")
	switch {
	case loading:
		body = []string{status}
	case len(v.revs) == 0:
		body = []string{st.Empty.Render("No revisions registered in " + sanitize.String(names.Env(v.env)) + ".")}
	default:
		body = v.rows()
	}
	var foot []string
	switch {
	case v.asking:
		r, _ := v.selected()
		foot = append(foot, st.ModalDanger.Render(fmt.Sprintf("Point %s at revision %s? Its runners are replaced by runners of it.",
			sanitize.String(names.Alias(v.app.Name, v.env)), format.Short(string(r.ID), 8))),
			modal.KeysLine(st, v.ask.ShortHelp()))
	case v.send.Out:
		foot = append(foot, st.StatusInfo.Render("Setting the revision…"))
	case v.send.Err != "":
		foot = append(foot, st.FieldError.Render(theme.GlyphErr+" "+v.send.Err))
	}
	if !v.asking {
		foot = append(foot, modal.KeysLine(st, v.list.ShortHelp()))
	}
	return modal.Frame(st, v.width, v.height, title, body, foot)
}

func (v *View) rows() []string {
	st := v.d.Styles
	header := fmt.Sprintf("  %-36s  %-9s  %7s  %7s  %s", "REVISION", "CREATED", "RUNNERS", "MIN/MAX", "MACHINES")
	lines := []string{st.TableHeader.Render(header)}
	for i, r := range v.revs {
		mark := " "
		if r.ID == v.app.Revision {
			mark = currentGlyph
		}
		line := fmt.Sprintf("%s %-36s  %-9s  %7d  %7s  %s", mark, format.Short(string(r.ID), 36),
			format.Ago(v.d.Now(), r.CreatedAt), r.ActiveRunners,
			fmt.Sprintf("%d/%d", r.Scaling.MinConcurrency, r.Scaling.MaxConcurrency), format.List(r.Scaling.MachineTypes))
		if i == v.cursor {
			line = st.Cursor.Render("▌") + st.SelectedRow.Render(line)
		} else {
			line = " " + line
		}
		lines = append(lines, line)
	}
	lines = append(lines, "", st.Label.Render(currentGlyph+" the revision "+
		sanitize.String(names.Alias(v.app.Name, v.env))+" points at"))
	return lines
}

func (v *View) ShortHelp() []key.Binding  { return v.keys().ShortHelp() }
func (v *View) FullHelp() [][]key.Binding { return v.keys().FullHelp() }
