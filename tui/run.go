package tui

import (
	"context"
	"errors"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// maxFPS is Bubble Tea v1's highest frame rate.
const maxFPS = 120

// Run runs the dashboard full-screen (alternate screen) until the user
// quits, Ctrl+C, or ctx ends, and leaves the terminal as it found it in
// every case, a crash included: Bubble Tea recovers a panic in the model or
// in a command, restores the terminal and prints the stack, and Run returns
// it as an error. opts are added to the program's options (tests pass
// input and output).
func Run(ctx context.Context, cfg Config, opts ...tea.ProgramOption) (err error) {
	if cfg.Client == nil {
		return errors.New("tui: no client")
	}
	if cfg.Styles == nil {
		// Ask the terminal for its background now, before Bubble Tea reads
		// the input: the answer would otherwise be read as keys, and the
		// query would wait out its timeout.
		lipgloss.HasDarkBackground()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	m := New(cfg)
	m.ctx = ctx
	// Bubble Tea v1 writes a frame only on its renderer's ticker: at its
	// highest rate the first frame waits half as long, and so does every
	// key's echo. A tick with nothing new writes nothing.
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx), tea.WithFPS(maxFPS)}, opts...)...)

	defer func() {
		// Bubble Tea catches panics inside its loop; this catches the rest
		// (none is expected) so that main still reports instead of dying.
		if r := recover(); r != nil {
			p.Kill()
			err = fmt.Errorf("tui crashed: %v", r)
		}
	}()
	_, err = p.Run()
	switch {
	case errors.Is(err, tea.ErrProgramPanic):
		return fmt.Errorf("tui crashed (the terminal was restored; the stack trace is above): %w", err)
	case errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil:
		return nil // ended by ctx, e.g. SIGTERM: a normal way out
	case err != nil:
		return fmt.Errorf("tui: %w", err)
	}
	return nil
}
