// Package uitest holds what tests of the UI kit, the views and the root
// model share: keys pressed by the names Bubble Tea gives them, and the
// theme's styles drawn in a chosen colour profile.
package uitest

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/internal/ui/theme"
)

// Styles are the default theme's styles as a terminal of profile p with a
// dark background draws them: termenv.Ascii for the monochrome views
// tests compare, a colour profile for what a user's terminal costs.
func Styles(p termenv.Profile) *theme.Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	r.SetHasDarkBackground(true)
	return theme.NewStyles(theme.Default(), r)
}
