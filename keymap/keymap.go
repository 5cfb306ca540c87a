// Package keymap declares every key binding of faldash once.
//
// Views match keys against the bindings of a *KeyMap they were given; none
// of them spells a key. Each binding has a stable action name (such as
// "apps.scale_up_min") by which a user remaps it in the config file, and the
// help shown by `?` and the footer is generated from the same bindings, so
// what is documented is what is bound.
package keymap

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every binding, grouped by the scope in which it is active.
type KeyMap struct {
	Global  GlobalKeys
	Table   TableKeys
	Apps    AppsKeys
	Envs    EnvsKeys
	Secrets SecretsKeys
	Runners RunnersKeys
	Logs    LogsKeys
	Dialog  DialogKeys
	Command CommandKeys
}

// GlobalKeys work in every pane (not inside dialogs, which get every key).
type GlobalKeys struct {
	Quit        key.Binding
	ForceQuit   key.Binding // also works while typing, where q is text
	Help        key.Binding
	Command     key.Binding
	Filter      key.Binding
	Back        key.Binding
	Enter       key.Binding
	Refresh     key.Binding
	UnlockWrite key.Binding // lift read-only mode for this session
	LastError   key.Binding // the last error, whole, in a dialog

	PaneEnvs    key.Binding
	PaneApps    key.Binding
	PaneRunners key.Binding
	PaneSecrets key.Binding
}

// TableKeys move the cursor and sort any table.
type TableKeys struct {
	Up           key.Binding
	Down         key.Binding
	PageUp       key.Binding
	PageDown     key.Binding
	HalfPageUp   key.Binding
	HalfPageDown key.Binding
	Top          key.Binding
	Bottom       key.Binding
	SortNext     key.Binding // sort by the next column
	SortPrev     key.Binding
	SortReverse  key.Binding
}

// AppsKeys act on the selected app. The scaling keys also work in the
// runners pane, on the app whose runners are shown.
type AppsKeys struct {
	ScaleUpMin   key.Binding
	ScaleDownMin key.Binding
	ScaleUpMax   key.Binding
	ScaleDownMax key.Binding
	Scale        key.Binding // the form with every scaling field
	Rollout      key.Binding
	Delete       key.Binding
	Revisions    key.Binding
}

// EnvsKeys act on environments.
type EnvsKeys struct {
	New    key.Binding
	Delete key.Binding
}

// SecretsKeys act on the secrets of an environment.
type SecretsKeys struct {
	New       key.Binding // set, also overwrites
	Delete    key.Binding // unset
	RunnerEnv key.Binding // what a runner of an app here receives
}

// RunnersKeys act on the selected or marked runners.
type RunnersKeys struct {
	Stop             key.Binding // graceful: drain first
	Kill             key.Binding
	Mark             key.Binding
	ToggleTerminated key.Binding
	Logs             key.Binding
	Shell            key.Binding // a shell on the runner, given the terminal
}

// LogsKeys work in a runner's detail and log view.
type LogsKeys struct {
	Follow key.Binding
}

// DialogKeys work inside modals and forms, which receive every key.
type DialogKeys struct {
	Confirm   key.Binding // yes, in a y/n question
	Deny      key.Binding
	Submit    key.Binding
	Cancel    key.Binding
	NextField key.Binding
	PrevField key.Binding
	Toggle    key.Binding // an option of a confirmation: force, replace first
}

// CommandKeys work on the `:` command line, besides the dialog keys that
// run and cancel it; every other key is typed.
type CommandKeys struct {
	Complete key.Binding // a command, environment or app; again, the next candidate
}

// Default returns faldash's default bindings. Destructive actions sit on
// plain letters a user must mean (d, K, S), never on a Ctrl chord, and each
// of them is confirmed by its view.
func Default() *KeyMap {
	return &KeyMap{
		Global: GlobalKeys{
			Quit:        bind("quit", "q"),
			ForceQuit:   bind("quit now", "ctrl+c"),
			Help:        bind("all keys", "?"),
			Command:     bind("command", ":"),
			Filter:      bind("filter", "/"),
			Back:        bind("back", "esc"),
			Enter:       bind("open", "enter"),
			Refresh:     bind("refresh now", "ctrl+r"),
			UnlockWrite: bind("unlock writing", "w"),
			LastError:   bind("last error", "!"),
			PaneEnvs:    bind("environments", "1"),
			PaneApps:    bind("apps", "2"),
			PaneRunners: bind("runners", "3"),
			PaneSecrets: bind("secrets", "4"),
		},
		Table: TableKeys{
			Up:           bind("up", "up", "k"),
			Down:         bind("down", "down", "j"),
			PageUp:       bind("page up", "pgup", "ctrl+b"),
			PageDown:     bind("page down", "pgdown", "ctrl+f"),
			HalfPageUp:   bind("half page up", "ctrl+u"),
			HalfPageDown: bind("half page down", "ctrl+d"),
			Top:          bind("first row", "home", "g"),
			Bottom:       bind("last row", "end", "G"),
			SortNext:     bind("sort by next column", ">"),
			SortPrev:     bind("sort by previous column", "<"),
			SortReverse:  bind("reverse sort", "~"),
		},
		Apps: AppsKeys{
			ScaleUpMin:   bind("min concurrency +1", "+"),
			ScaleDownMin: bind("min concurrency -1", "-"),
			ScaleUpMax:   bind("max concurrency +1", "]"),
			ScaleDownMax: bind("max concurrency -1", "["),
			Scale:        bind("scale…", "s"),
			Rollout:      bind("rollout", "r"),
			Delete:       bind("delete app", "d"),
			Revisions:    bind("revisions", "v"),
		},
		Envs: EnvsKeys{
			New:    bind("new environment", "n"),
			Delete: bind("delete environment", "d"),
		},
		Secrets: SecretsKeys{
			New:       bind("set secret", "n"),
			Delete:    bind("unset secret", "d"),
			RunnerEnv: bind("runner environment", "e"),
		},
		Runners: RunnersKeys{
			Stop:             bind("graceful stop", "S"),
			Kill:             bind("kill", "K"),
			Mark:             bind("mark", " "),
			ToggleTerminated: bind("show terminated", "t"),
			Logs:             bind("logs", "l"),
			Shell:            bind("shell", "x"),
		},
		Logs: LogsKeys{
			Follow: bind("follow", "f"),
		},
		Dialog: DialogKeys{
			Confirm:   bind("yes", "y"),
			Deny:      bind("no", "n"),
			Submit:    bind("apply", "enter"),
			Cancel:    bind("cancel", "esc"),
			NextField: bind("next field", "tab"),
			PrevField: bind("previous field", "shift+tab"),
			Toggle:    bind("toggle option", " "),
		},
		Command: CommandKeys{
			Complete: bind("complete", "tab"),
		},
	}
}

// bind makes a binding whose help label is derived from its keys, so that a
// remapped key shows up in the help as what it now is.
func bind(desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(Label(keys), desc))
}
