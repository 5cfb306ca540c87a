// Package panetest holds what the panes' tests and benchmarks share:
// dependencies over a fake client with monochrome styles and a fixed
// clock, loading and polling a pane, running the commands it returns, and
// the benchmark every table pane runs.
package panetest

import (
	"context"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/pane"
)

// Now is the fixed time of the panes' tests.
var Now = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// Deps builds pane dependencies over fc, drawn in monochrome, with a clock
// that reads *now.
func Deps(fc *fakeclient.Client, now *time.Time) pane.Deps {
	return pane.Deps{
		Client: fc,
		Keys:   keymap.Default(),
		Styles: uitest.Styles(termenv.Ascii),
		Now:    func() time.Time { return *now },
	}
}

// Fresh gives d a freshness record of its own, standing in for the root's,
// and returns it: a test notes an answer in it before handing the pane
// the answer's message, as the root does.
func Fresh(d *pane.Deps) *pane.Freshness {
	f := &pane.Freshness{}
	d.Fresh = f.Get
	return f
}

// Load fetches p's data and hands p the Result, as taken at at, returning
// p's command; a failed fetch fails t.
func Load(t testing.TB, p pane.Pane, at time.Time) tea.Cmd {
	t.Helper()
	a := p.Fetch()(context.Background())
	if err := a.Err(); err != nil {
		t.Fatal(err)
	}
	return p.Update(a.Msg(at))
}

// Poll refreshes p as the root does: runs its Fetch, notes the answer in
// f (see Fresh) and hands the pane its Result, if any, returning the
// pane's command.
func Poll(p pane.Pane, f *pane.Freshness, at time.Time) tea.Cmd {
	a := p.Fetch()(context.Background())
	f.Note(a.Err(), at)
	if msg := a.Msg(at); msg != nil {
		return p.Update(msg)
	}
	return nil
}

// Msgs runs cmd and what it batches, returning the messages in order.
func Msgs(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, Msgs(c)...)
		}
		return out
	default:
		return []tea.Msg{msg}
	}
}
