// Package theme holds faldash's only colours and the styles built from them.
//
// Views never name a colour: they take a *Styles (built once by NewStyles)
// and use its fields, so changing the palette is a one-file edit and a
// monochrome terminal degrades the same way everywhere. Colour never carries
// meaning alone: under NO_COLOR lipgloss v1 drops every attribute (bold and
// reverse included), so states come with words and glyphs (see StateWord and
// StateGlyph) and the table marks its cursor with a glyph.
package theme

import "github.com/charmbracelet/lipgloss"

// Theme is a palette of adaptive colours: each has a value for light and one
// for dark terminal backgrounds, picked by the renderer at draw time.
type Theme struct {
	Text   lipgloss.AdaptiveColor // body text
	Muted  lipgloss.AdaptiveColor // secondary text: descriptions, ages, help
	Faint  lipgloss.AdaptiveColor // stale data, separators, disabled things
	Accent lipgloss.AdaptiveColor // cursor, keys in the footer, focus
	Border lipgloss.AdaptiveColor

	SelectedFg lipgloss.AdaptiveColor // the cursor row
	SelectedBg lipgloss.AdaptiveColor

	Success  lipgloss.AdaptiveColor
	Warning  lipgloss.AdaptiveColor
	Danger   lipgloss.AdaptiveColor
	Info     lipgloss.AdaptiveColor
	Stopping lipgloss.AdaptiveColor // draining and terminating runners
	Changed  lipgloss.AdaptiveColor // rows that changed at the last refresh

	ProductionFg lipgloss.AdaptiveColor // the badge on the main environment
	ProductionBg lipgloss.AdaptiveColor
}

// Default is faldash's palette. It uses the 256-colour cube so it looks
// alike in every terminal that has one, and lipgloss downsamples it for
// 16-colour terminals.
func Default() Theme {
	return Theme{
		Text:   lipgloss.AdaptiveColor{Light: "235", Dark: "252"},
		Muted:  lipgloss.AdaptiveColor{Light: "243", Dark: "246"},
		Faint:  lipgloss.AdaptiveColor{Light: "250", Dark: "240"},
		Accent: lipgloss.AdaptiveColor{Light: "25", Dark: "75"},
		Border: lipgloss.AdaptiveColor{Light: "248", Dark: "238"},

		SelectedFg: lipgloss.AdaptiveColor{Light: "232", Dark: "255"},
		SelectedBg: lipgloss.AdaptiveColor{Light: "153", Dark: "24"},

		Success:  lipgloss.AdaptiveColor{Light: "28", Dark: "78"},
		Warning:  lipgloss.AdaptiveColor{Light: "136", Dark: "221"},
		Danger:   lipgloss.AdaptiveColor{Light: "160", Dark: "203"},
		Info:     lipgloss.AdaptiveColor{Light: "31", Dark: "80"},
		Stopping: lipgloss.AdaptiveColor{Light: "166", Dark: "215"},
		Changed:  lipgloss.AdaptiveColor{Light: "127", Dark: "213"},

		ProductionFg: lipgloss.AdaptiveColor{Light: "231", Dark: "231"},
		ProductionBg: lipgloss.AdaptiveColor{Light: "160", Dark: "124"},
	}
}
