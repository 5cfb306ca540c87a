// Package tui is faldash's root Bubble Tea model: it lays out the header,
// the visible pane and the footer, switches between panes (built lazily and
// cached by kind and scope), polls the visible pane, and runs the command
// line, the filter and the help screen. It also runs what the panes ask
// for: modals (drawn instead of the body, with every key and polling
// paused while open), tasks in the status line whose answers go back to
// the pane or modal that asked, and the read-only lock. The panes and
// modals themselves live under views/.
package tui

import (
	"io"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/keymap"
)

// Config is everything the dashboard is started with. main builds it from
// its flags:
//
//	Client   the dialled client (required)
//	Env      --env NAME: start in that environment's apps
//	Refresh  --refresh DURATION (0 means DefaultRefresh)
//	ReadOnly --readonly
//	KeyMap   keymap.Load(keymap.ConfigPath(), KeyScopes()...) (nil: keymap.Default())
//	Debug    --debug FILE, opened for writing (nil: no log)
type Config struct {
	Client client.Client
	// Env, if set, opens that environment's apps instead of the list of
	// environments.
	Env string
	// Refresh is the poll interval of the visible pane: DefaultRefresh when
	// zero, never less than MinRefresh.
	Refresh time.Duration
	// ReadOnly hides and refuses every mutating action, for the whole
	// session. Without it, main on fal cloud still opens read-only, until
	// the unlock key (confirmed) lifts that for the session; local and demo
	// controllers open writable.
	ReadOnly bool
	KeyMap   *keymap.KeyMap
	// Debug, if not nil, receives one line per message the model handles.
	// Typed secret values are never written to it.
	Debug io.Writer
	// Now is the clock (nil: time.Now); tests fix it.
	Now func() time.Time
	// Styles draws everything (nil: the default theme on lipgloss's default
	// renderer, which writes to stdout and honours NO_COLOR).
	Styles *theme.Styles
}

// Timing and size limits.
const (
	DefaultRefresh = 2 * time.Second
	MinRefresh     = 500 * time.Millisecond
	// MaxBackoff caps the wait between polls after failures, which doubles
	// from the refresh interval with each one.
	MaxBackoff = 30 * time.Second
	// MinWidth and MinHeight are the smallest terminal laid out; below it a
	// notice asks for more room.
	MinWidth  = 60
	MinHeight = 12

	// callTimeout bounds one poll, so a controller that accepts but never
	// answers can't stall monitoring: the poll fails and is retried.
	callTimeout = 20 * time.Second
	// unreachableAfter is the number of failed polls in a row, all for
	// want of a controller, after which it is shown as unreachable rather
	// than retrying.
	unreachableAfter = 3
	statusTTL        = 4 * time.Second
)

func (c Config) refresh() time.Duration {
	switch {
	case c.Refresh == 0:
		return DefaultRefresh
	case c.Refresh < MinRefresh:
		return MinRefresh
	}
	return c.Refresh
}
