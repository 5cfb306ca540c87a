package theme

import (
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// levelColors colours log levels as fal's CLI does: errors red, warnings
// yellow, info blue, stdout cyan, debug dim. Other levels are plain text.
func levelColors(t Theme) map[string]lipgloss.AdaptiveColor {
	return map[string]lipgloss.AdaptiveColor{
		"critical": t.Danger, "fatal": t.Danger, "exception": t.Danger, "error": t.Danger, "stderr": t.Danger,
		"warning": t.Warning, "warn": t.Warning,
		"info":   t.Accent,
		"stdout": t.Info,
		"debug":  t.Faint, "trace": t.Faint, "notset": t.Faint,
	}
}

// LogLevel is the style of a log line's level word. Colour only helps: the
// word itself tells the levels apart.
func (s *Styles) LogLevel(level string) lipgloss.Style {
	if st, ok := s.levels[strings.ToLower(level)]; ok {
		return st
	}
	return s.Input
}
