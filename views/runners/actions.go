package runners

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/modal"
	"github.com/faldash/faldash/views/pane"
)

// maxListed is how many runner ids a confirmation names.
const maxListed = 8

// acted is the answer to a stop or kill: the runners it reached, or found
// gone already.
type acted struct{ ok []client.RunnerID }

// actions are the keys of the runners pane: opening a runner, marking
// them, stopping or killing the marked runners (or the one under the
// cursor), a shell on the one under the cursor, and scaling the app.
// Mutating keys arrive only when writing is allowed: the root refuses
// them otherwise.
var actions = slices.Concat(keymap.Context[*Pane]{
	{Name: "runners.logs", Footer: 2, Run: (*Pane).open},
	{Name: "runners.shell", Footer: 3, Run: func(p *Pane, _ tea.KeyMsg) tea.Cmd {
		// The highlighted runner, marks or not: a terminal holds one
		// shell.
		id, ok := p.table.CursorID()
		if !ok {
			return p.d.Ask(pane.Status{Text: "No runner selected."})
		}
		return p.d.Ask(pane.Shell{Runner: id})
	}},
	{Name: "runners.mark", Footer: 4, Run: func(p *Pane, _ tea.KeyMsg) tea.Cmd {
		if id, ok := p.table.CursorID(); ok {
			p.table.ToggleSelect(id)
			p.table.MoveDown(1)
		}
		return nil
	}},
	{Name: "runners.stop", Footer: 5, Run: onTargets((*Pane).stop)},
	{Name: "runners.kill", Footer: 6, Run: onTargets((*Pane).kill)},
	// The footer has room for one more: showing terminated runners
	// gives way to the shell, and stays in the full help; while they are
	// shown, the footer says how to hide them, so the way back is in
	// sight.
	{Name: "runners.toggle_terminated", Footer: 7, Label: (*Pane).toggleLabel,
		Run: func(p *Pane, _ tea.KeyMsg) tea.Cmd { return p.toggleTerminated() }},
	{Name: "apps.scale_up_min", Run: (*Pane).scale},
	{Name: "apps.scale_down_min", Run: (*Pane).scale},
	{Name: "apps.scale_up_max", Run: (*Pane).scale},
	{Name: "apps.scale_down_max", Run: (*Pane).scale},
}, pane.TableActs("details", (*Pane).open))

// Scope is the keys live in the runners pane, for the clash check.
func Scope() keymap.Scope { return actions.Scope("runners pane") }

// open shows the runner under the cursor, its record and its logs.
func (p *Pane) open(tea.KeyMsg) tea.Cmd {
	if id, ok := p.table.CursorID(); ok {
		return p.d.Ask(pane.Open{Key: pane.RunnerKey(p.env, p.app, id)})
	}
	return nil
}

// scale is a press of a scaling key, on the app whose runners are shown.
func (p *Pane) scale(km tea.KeyMsg) tea.Cmd {
	if !p.hasApp {
		why := "its settings are not listed yet"
		if p.appErr != nil {
			why = sanitize.String(p.appErr.Error())
		}
		return p.d.Ask(pane.Status{Err: true, Text: "Can't scale " + sanitize.String(p.app) + " from here: " + why})
	}
	return p.scaler.Key(km, p.appInfo)
}

// onTargets confirms an action on the marked runners, or the one under
// the cursor.
func onTargets(confirm func(p *Pane, ids []client.RunnerID) *modal.Confirm) func(*Pane, tea.KeyMsg) tea.Cmd {
	return func(p *Pane, _ tea.KeyMsg) tea.Cmd {
		ids := p.targets()
		if len(ids) == 0 {
			return p.d.Ask(pane.Status{Text: "No runner selected."})
		}
		return p.d.Ask(pane.ShowModal{Modal: confirm(p, ids)})
	}
}

// targets are the marked runners, or else the one under the cursor.
func (p *Pane) targets() []client.RunnerID {
	if marked := p.table.Selected(); len(marked) > 0 {
		return marked
	}
	if id, ok := p.table.CursorID(); ok {
		return []client.RunnerID{id}
	}
	return nil
}

// stop confirms a graceful stop of ids.
func (p *Pane) stop(ids []client.RunnerID) *modal.Confirm {
	c := p.d.Client
	what := p.what(ids)
	body := []string{
		"A stopped runner drains first: it takes no new requests and finishes the ones it holds, then stops. " +
			"The autoscaler starts new runners if the app's minimum asks for them.",
		"Replace first starts a replacement and waits until it is ready, so capacity does not drop.",
	}
	body = append(body, listIDs(ids)...)
	return modal.NewConfirm(p.d, "Stop "+what+" gracefully?", body, func(replace bool) tea.Cmd {
		how := ""
		if replace {
			how = ", replacing first"
		}
		return p.each(ids, what, "stopping", "stopping "+what+how, "stopping "+what+" (draining first"+how+")",
			func(ctx context.Context, id client.RunnerID) error { return c.StopRunner(ctx, id, replace) })
	}).WithOption("replace first", false)
}

// kill confirms ending ids at once.
func (p *Pane) kill(ids []client.RunnerID) *modal.Confirm {
	c := p.d.Client
	what := p.what(ids)
	body := []string{"A killed runner ends at once, without draining: the requests it holds fail."}
	body = append(body, listIDs(ids)...)
	return modal.NewConfirm(p.d, "Kill "+what+"?", body, func(bool) tea.Cmd {
		return p.each(ids, what, "killed", "killing "+what, "killed "+what,
			func(ctx context.Context, id client.RunnerID) error { return c.KillRunner(ctx, id) })
	}).Danger()
}

// what names the runners acted on: "runner r-1 of my-app", "3 runners of
// my-app".
func (p *Pane) what(ids []client.RunnerID) string {
	of := " of " + sanitize.String(names.Alias(p.app, p.env))
	if len(ids) == 1 {
		return "runner " + sanitize.String(string(ids[0])) + of
	}
	return strconv.Itoa(len(ids)) + " runners" + of
}

func listIDs(ids []client.RunnerID) []string {
	if len(ids) < 2 {
		return nil
	}
	shown := make([]string, 0, maxListed)
	for _, id := range ids[:min(len(ids), maxListed)] {
		shown = append(shown, sanitize.String(string(id)))
	}
	line := "Runners: " + strings.Join(shown, ", ")
	if rest := len(ids) - len(shown); rest > 0 {
		line += fmt.Sprintf(" and %d more", rest)
	}
	return []string{line}
}

// each is one task that calls do for every runner in turn: one line in the
// status, however many runners. A runner the controller no longer knows
// has ended already, which is what was asked: it counts as gone, not as a
// failure. When some calls fail, the status says how many of each there
// were ("1 killed, 1 failed") and the last-error view has every reason;
// what names the runners, and verb what the call did to one ("killed").
func (p *Pane) each(ids []client.RunnerID, what, verb, label, done string, do func(context.Context, client.RunnerID) error) tea.Cmd {
	return p.d.Ask(pane.Task{
		Label: label,
		Run: func(ctx context.Context) pane.Outcome {
			var o outcome
			for _, id := range ids {
				switch err := do(ctx, id); {
				case err == nil:
					o.done = append(o.done, id)
				case errors.Is(err, client.ErrNotFound):
					o.gone = append(o.gone, id)
				default:
					o.failed = append(o.failed, fmt.Errorf("runner %s: %w", id, err))
				}
			}
			out := pane.Outcome{Said: done, Reply: acted{ok: append(o.done, o.gone...)}}
			switch {
			case len(o.failed) == 0 && len(o.gone) == 0:
			case len(o.failed) == 0 && len(ids) == 1:
				out.Said = what + ": already gone"
			case len(o.failed) == 0:
				out.Said = what + ": " + o.counts(verb)
			case len(ids) == 1:
				out.Err = errors.Unwrap(o.failed[0]) // the label names the runner
			default:
				out.Err = &pane.Partial{Summary: o.counts(verb), Err: errors.Join(o.failed...)}
			}
			return out
		},
	})
}

// outcome is what an action on several runners did to each.
type outcome struct {
	done, gone []client.RunnerID
	failed     []error
}

// counts says how many runners went each way: "1 killed, 1 already gone".
func (o outcome) counts(verb string) string {
	var parts []string
	if n := len(o.done); n > 0 || len(o.gone)+len(o.failed) == 0 {
		parts = append(parts, strconv.Itoa(n)+" "+verb)
	}
	if n := len(o.gone); n > 0 {
		parts = append(parts, strconv.Itoa(n)+" already gone")
	}
	if n := len(o.failed); n > 0 {
		parts = append(parts, strconv.Itoa(n)+" failed")
	}
	return strings.Join(parts, ", ")
}

// unmark drops the marks of the runners an action reached.
func (p *Pane) unmark(ids []client.RunnerID) {
	for _, id := range ids {
		if p.table.IsSelected(id) {
			p.table.ToggleSelect(id)
		}
	}
}

// scaleText is the app's min and max, with a pending change: "min 0→2 · max 10".
func (p *Pane) scaleText() string {
	if !p.hasApp {
		return ""
	}
	st := p.d.Styles
	lo, hi, pending := p.scaler.Shown(p.app, p.appInfo.Scaling)
	if pending {
		return st.Pending.Render("scaling: " + p.scaler.Pending(p.app) + " (pending)")
	}
	return st.Summary.Render(fmt.Sprintf("min %d · max %d", lo, hi))
}

// spread puts left and right on one line of width w.
func spread(left, right string, w int) string {
	if right == "" {
		return left
	}
	gap := w - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		return ansi.Truncate(left+" "+right, w, "…")
	}
	return left + strings.Repeat(" ", gap) + right
}
