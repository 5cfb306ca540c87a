// Package runnerenv is the runner environment view: exactly what a runner
// of an app in an environment receives, fal's platform variables and then
// the names of the environment's secrets, grouped by whether fal exposes
// them by default (their values are never returned by the API, and never
// shown). Opened on an app, it shows that app's real
// values; opened on the secrets of an environment, the values that differ
// per app are shown as what they will be.
package runnerenv

import (
	"context"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/modal"
	"github.com/faldash/faldash/views/pane"
)

const (
	boxWidth  = 96
	nameWidth = 20
)

// Masked stands for a value that is never shown.
const Masked = "••••••••"

// View is the runner environment of one environment, or of one app in it.
type View struct {
	pane.KeyActions[*View] // its keys, bound to it
	d                      pane.Deps
	env                    string
	app                    *client.App // nil: any app of env

	secrets []client.Secret
	load    modal.Loading
	offset  int

	width, height int
}

var _ pane.Modal = (*View)(nil)

// New builds the view for app in env, or for any app of env when app is
// nil.
func New(d pane.Deps, env string, app *client.App) *View {
	v := &View{d: d, env: env, width: boxWidth, height: 30}
	v.KeyActions = pane.Bind(viewActions, v, &v.d)
	if app != nil {
		a := *app
		v.app = &a
	}
	return v
}

// Init lists the environment's secrets: their names are part of what a
// runner receives.
func (v *View) Init() tea.Cmd {
	c, env := v.d.Client, v.env
	return modal.List(v.d, func(ctx context.Context) ([]client.Secret, error) {
		return c.ListSecrets(ctx, env)
	})
}

func (v *View) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case modal.Listed[client.Secret]:
		if !v.load.Answer(msg.Err) {
			return nil
		}
		v.secrets = slices.SortedFunc(slices.Values(msg.Items), func(a, b client.Secret) int {
			return strings.Compare(a.Name, b.Name)
		})
	case tea.KeyMsg:
		return v.Pressed(msg)
	}
	return nil
}

// viewActions scroll the view and close it, also with the key that opened
// it.
var viewActions = keymap.Context[*View]{
	{Name: "table.up", Footer: 1, Run: func(v *View, _ tea.KeyMsg) tea.Cmd { v.offset = max(0, v.offset-1); return nil }},
	{Name: "table.down", Footer: 2, Run: func(v *View, _ tea.KeyMsg) tea.Cmd { v.offset++; return nil }},
	{Name: "dialog.cancel", Desc: "close", Footer: 3, Run: closeView},
	{Name: "dialog.submit", Run: closeView},
	{Name: "secrets.runner_env", Run: closeView},
}

// Scope is the keys live in the view, for the clash check.
func Scope() keymap.Scope { return viewActions.Scope("runner environment") }

func closeView(v *View, _ tea.KeyMsg) tea.Cmd { return v.d.Ask(pane.CloseModal{}) }

// Var is one variable a runner receives: its name, its value as shown,
// and what it is.
type Var struct {
	Name, Value, About string
}

// Platform lists fal's platform variables as a runner of the view's app
// receives them.
func (v *View) Platform() []Var {
	t := v.d.Client.Target()
	user := t.User
	if user == "" {
		user = "local"
	}
	user = sanitize.String(user)
	appName := user + "/" + sanitize.String(names.Alias("<app>", v.env))
	appID := "<the app's revision>"
	if v.app != nil {
		appName = user + "/" + sanitize.String(names.Alias(v.app.Name, v.env))
		appID = sanitize.String(string(v.app.Revision))
	}
	host := sanitize.String(t.Addr)
	if host == "" {
		host = "<the controller's address>"
	}
	hf := "a cache directory shared by the app's runners"
	vars := []Var{
		{"FAL_KEY", Masked, "a key scoped to the app's owner"},
		{"FAL_APP_NAME", appName, "owner/alias"},
		{"FAL_APP_ID", appID, "the revision it runs"},
		{"FAL_USER_NICKNAME", user, ""},
		{"FAL_JOB_ID", "<runner id>", "each runner's own id"},
		{"FAL_HOST", host, "the control plane"},
		{"FAL_RUNNER_STATE", "SETUP → RUNNING → TERMINATING", "as the runner moves on"},
		{"HF_HOME", "<cache dir>", hf},
	}
	if t.Kind != client.TargetCloud {
		vars = append(vars, Var{"PORT", "<free port>", "the local controller's runners serve HTTP on it"})
	}
	return vars
}

// Call is how to call the view's app from a shell, as a header line and
// the command; nil without an app. fal's gateway takes a key as
// `Authorization: Key id:secret`, which FAL_KEY holds in that form.
func (v *View) Call() []string {
	if v.app == nil {
		return nil
	}
	t := v.d.Client.Target()
	if t.NoGateway {
		return []string{"Calling it", "not possible: the controller serves its apps over no gateway (faldash serve --gateway off)"}
	}
	url := sanitize.String(t.EndpointURL(v.app.Name, v.env))
	owner := t.User
	if owner == "" {
		owner = "local"
	}
	switch v.app.AuthMode {
	case client.AuthPublic:
		return []string{"Calling it (public: no key needed)", "curl " + url}
	case client.AuthShared:
		return []string{"Calling it (shared: any valid key)", `curl -H "Authorization: Key $FAL_KEY" ` + url}
	}
	return []string{"Calling it (private: keys of " + sanitize.String(owner) + " only)", `curl -H "Authorization: Key $FAL_KEY" ` + url}
}

func (v *View) lines() []string {
	st := v.d.Styles
	row := func(name, value, about string) string {
		pad := strings.Repeat(" ", max(1, nameWidth-len(name)))
		line := "  " + st.Label.Render(name) + pad + st.Input.Render(value)
		if about != "" {
			line += "  " + st.Empty.Render(about)
		}
		return line
	}
	var out []string
	out = append(out, st.TableHeader.Render("fal's platform variables"))
	for _, pv := range v.Platform() {
		out = append(out, row(pv.Name, pv.Value, pv.About))
	}
	out = append(out, "", st.TableHeader.Render("Secrets of "+sanitize.String(names.Env(v.env))+" (values are never shown)"))
	status, loading := v.load.Status(st, "secrets")
	switch {
	case loading:
		out = append(out, "  "+status)
	case len(v.secrets) == 0:
		out = append(out, "  "+st.Empty.Render("none"))
	}
	// fal decides by exposure which secrets a runner gets: the exposed
	// ones, unless its app lists the secrets it takes; the others only
	// when listed. Each group says so rather than claiming every runner
	// gets every secret.
	kind := v.d.Client.Target().Kind
	for _, exposed := range []bool{true, false} {
		group := slices.DeleteFunc(slices.Clone(v.secrets), func(s client.Secret) bool { return s.DefaultExposed != exposed })
		if len(group) == 0 {
			continue
		}
		heading := "Exposed by default: "
		if !exposed {
			heading = "Not exposed by default: "
		}
		for _, l := range modal.Wrap(heading+Reach(kind, "", "these", exposed), modal.Inner(v.width)-2) {
			out = append(out, "  "+st.Empty.Render(l))
		}
		for _, s := range group {
			value, about := Masked, ""
			if !exposed && kind != client.TargetCloud {
				value = "not received"
			}
			if names.IsPlatformVariable(s.Name) {
				about = "shadowed: fal's variable of this name wins"
			}
			out = append(out, row(sanitize.String(s.Name), value, about))
		}
	}
	if call := v.Call(); call != nil {
		out = append(out, "", st.TableHeader.Render(call[0]), "  "+st.Input.Render(call[1]))
	}
	return out
}

// Reach says which runners receive a secret of env as fal decides it by
// the secret's exposure (default_exposed): an exposed one every runner of
// an app that does not list its secrets (secrets=[…] in a fal app's
// code), one not exposed only runners of apps that list it. An app on a
// local controller lists none. env "" leaves the environment unnamed; it
// names the secret or secrets ("it", "these").
func Reach(kind client.TargetKind, env, it string, exposed bool) string {
	in := ""
	if env != "" {
		in = " in " + sanitize.String(names.Env(env))
	}
	switch {
	case exposed && kind == client.TargetCloud:
		return "every runner of an app" + in + " receives " + it + ", unless the app lists the secrets it takes (secrets=[…] in its code) and leaves " + it + " out."
	case exposed:
		return "every runner of an app" + in + " receives " + it + "."
	case kind == client.TargetCloud:
		return "only runners of apps" + in + " that list " + it + " in their secrets (secrets=[…] in the app's code) receive " + it + "."
	}
	return "no runner receives " + it + ": only apps that list " + it + " in their secrets would, and an app on a local controller cannot list secrets."
}

func (v *View) SetSize(width, height int) {
	v.width, v.height = modal.BoxWidth(width, boxWidth), height
}

func (v *View) View() string {
	st := v.d.Styles
	what := "a runner of an app in " + sanitize.String(names.Env(v.env))
	if v.app != nil {
		what = "a runner of " + sanitize.String(names.Alias(v.app.Name, v.env))
	}
	title := st.ModalTitle.Render("What " + what + " receives")
	lines := v.lines()
	room := max(1, v.height-8) // the frame, the title and the keys
	v.offset = max(0, min(v.offset, len(lines)-room))
	body := lines[v.offset:]
	return modal.Frame(st, v.width, v.height, title, body, []string{modal.KeysLine(st, v.ShortHelp())})
}
