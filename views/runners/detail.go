package runners

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/names"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/internal/ui/theme"
	"github.com/faldash/faldash/keymap"
	"github.com/faldash/faldash/views/format"
	"github.com/faldash/faldash/views/pane"
)

// labelWidth is the width of the field names of the record.
const labelWidth = 14

// maxRequests is how many of a runner's current requests the record lists.
const maxRequests = 5

// lookup is what the detail's Fetch finds.
type lookup struct {
	runner client.Runner
	found  bool
}

// Detail is one runner's full record, kept fresh by polling its app's
// runners, above its logs.
type Detail struct {
	pane.KeyActions[*Detail] // its keys, bound to it
	d                        pane.Deps
	env, app                 string
	id                       client.RunnerID

	runner client.Runner
	found  bool
	loaded bool
	at     time.Time // when the record was listed
	// shownAt is the time its durations were last counted to, where they
	// stop while the data is stale (Deps.Stale: the root's word).
	shownAt time.Time

	offset        int // first record line shown
	width, height int
	logs          logPanel
}

var (
	_ pane.Pane     = (*Detail)(nil)
	_ pane.Searcher = (*Detail)(nil)
	_ pane.Lockable = (*Detail)(nil)
)

// NewDetail builds the detail of runner id of app in env.
func NewDetail(d pane.Deps, env, app string, id client.RunnerID) *Detail {
	p := &Detail{d: d, env: env, app: app, id: id}
	p.KeyActions = pane.Bind(detailActions, p, &p.d)
	p.SetReadOnly(d.ReadOnly)
	return p
}

// SetReadOnly shows or hides the shell key in the help.
func (p *Detail) SetReadOnly(readOnly bool) { p.d.ReadOnly = readOnly }

// detailActions are the keys of a runner's detail: the record scrolls
// line by line, the logs by page, and `/` searches the logs.
var detailActions = slices.Concat(keymap.Context[*Detail]{
	{Name: "table.up", Run: scrollRecord},
	{Name: "table.down", Run: scrollRecord},
	{Name: "table.half_page_up", Run: scrollRecord},
	{Name: "table.half_page_down", Run: scrollRecord},
	{Name: "logs.follow", Group: 1, Footer: 2, Run: scrollLogs, Label: func(p *Detail) (string, bool) {
		// The key says what it will do: following, it pauses.
		if p.logs.follow {
			return "pause logs", true
		}
		return "follow logs", true
	}},
	{Name: "runners.shell", Group: 1, Footer: 3, Run: func(p *Detail, _ tea.KeyMsg) tea.Cmd {
		// Refused by the root where writing is not allowed.
		return p.d.Ask(pane.Shell{Runner: p.id})
	}},
	{Name: "global.filter", Desc: "search logs", Group: 1, Footer: 4},
	{Name: "table.page_up", Group: 1, Footer: 5, Run: scrollLogs},
	{Name: "table.page_down", Group: 1, Run: scrollLogs},
	{Name: "table.top", Group: 1, Run: scrollLogs},
	{Name: "table.bottom", Group: 1, Run: scrollLogs},
}, pane.GlobalActs(
	keymap.Act[*Detail]{Name: "global.back", Footer: 1},
	keymap.Act[*Detail]{Name: "global.command"},
	keymap.Act[*Detail]{Name: "global.pane_envs"},
	keymap.Act[*Detail]{Name: "global.pane_apps"},
	keymap.Act[*Detail]{Name: "global.pane_runners"},
	keymap.Act[*Detail]{Name: "global.pane_secrets"},
	keymap.Act[*Detail]{Name: "global.refresh"},
	keymap.Act[*Detail]{Name: "global.help", Footer: 6},
	keymap.Act[*Detail]{Name: "global.quit", Footer: 7},
	keymap.Act[*Detail]{Name: "global.force_quit"},
))

// DetailScope is the keys live in a runner's detail, for the clash check.
func DetailScope() keymap.Scope { return detailActions.Scope("log view") }

func scrollRecord(p *Detail, km tea.KeyMsg) tea.Cmd { p.scroll(km); return nil }
func scrollLogs(p *Detail, km tea.KeyMsg) tea.Cmd   { p.logKey(km); return nil }

// Fetch lists the app's runners, the recently terminated ones included so
// that a runner that ends stays on screen, and picks this one.
func (p *Detail) Fetch() pane.Fetch {
	c, env, app, id := p.d.Client, p.env, p.app, p.id
	q := client.RunnerQuery{IncludePending: true, TerminatedSince: p.d.Now().Add(-TerminatedWindow)}
	return pane.FetchOf(func(ctx context.Context) (lookup, error) {
		rs, err := c.ListAppRunners(ctx, env, app, q)
		if err != nil {
			return lookup{}, err
		}
		i := slices.IndexFunc(rs, func(r client.Runner) bool { return r.ID == id })
		if i < 0 {
			return lookup{}, nil
		}
		return lookup{runner: rs[i], found: true}, nil
	})
}

func (p *Detail) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pane.Result[lookup]:
		l := msg.Data
		p.loaded, p.at = true, msg.At
		p.found = l.found
		if l.found {
			p.runner = l.runner
		}
	case pane.Shown:
		return p.startLogs()
	case pane.Hidden:
		p.stopLogs()
	case logsRead:
		return p.applyLogs(msg)
	case tea.KeyMsg:
		return p.Pressed(msg)
	}
	return nil
}

// now is the time the record's durations are counted to: stale data
// does not tick, but stays as last drawn, since the data reached no
// further; shownAt is not moved while it is stale.
func (p *Detail) now() time.Time {
	if p.d.Stale() {
		if p.shownAt.After(p.at) {
			return p.shownAt
		}
		return p.at
	}
	p.shownAt = p.d.Now()
	return p.shownAt
}

func (p *Detail) scroll(msg tea.KeyMsg) {
	k := p.d.Keys.Table
	page := max(1, p.recordHeight())
	switch {
	case key.Matches(msg, k.Up):
		p.offset--
	case key.Matches(msg, k.Down):
		p.offset++
	case key.Matches(msg, k.HalfPageUp):
		p.offset -= max(1, page/2)
	case key.Matches(msg, k.HalfPageDown):
		p.offset += max(1, page/2)
	}
	p.clampOffset(len(p.record()))
}

func (p *Detail) clampOffset(lines int) {
	p.offset = max(0, min(p.offset, lines-p.recordHeight()))
}

// recordHeight is what the record gets; the log panel takes the rest.
func (p *Detail) recordHeight() int {
	return max(0, p.height-p.logsHeight())
}

func (p *Detail) SetSize(width, height int) {
	p.width, p.height = width, height
	p.clampOffset(len(p.record()))
}

func (p *Detail) View() string {
	if p.width <= 0 || p.height <= 0 {
		return ""
	}
	lines := p.record()
	p.clampOffset(len(lines))
	h := p.recordHeight()
	stale := p.d.Stale() // the record stays, dimmed
	out := make([]string, 0, p.height)
	for i := p.offset; i < min(len(lines), p.offset+h); i++ {
		line := ansi.Truncate(lines[i], p.width, "…")
		if stale {
			line = p.d.Styles.Dim.Render(ansi.Strip(line))
		}
		out = append(out, line)
	}
	for len(out) < h {
		out = append(out, "")
	}
	out = append(out, p.logsView(p.width, p.height-h)...)
	return strings.Join(out, "\n")
}

// record is the runner's every field, one per line, each server string
// sanitized.
func (p *Detail) record() []string {
	st, field := p.d.Styles, p.field
	if !p.loaded {
		return []string{st.Empty.Render("Loading runner " + sanitize.String(string(p.id)) + "…")}
	}
	r := p.runner
	var lines []string
	if !p.found {
		lines = append(lines, st.Empty.Render("Runner "+sanitize.String(string(p.id))+
			" is no longer listed: it ended more than an hour ago or never existed."))
		if r.ID == "" {
			return lines
		}
		lines = append(lines, st.Empty.Render("Its last known record:"), "")
	}
	elapsed := p.now().Sub(p.at)
	expires := format.Dash
	if left, ok := ExpiresIn(r, elapsed); ok {
		expires = format.Duration(left)
	}
	uptime := format.Dash
	if up, ok := Uptime(r, elapsed); ok {
		uptime = format.Duration(up)
	}
	_, replaceSentence := replacement(r.Replacement)
	inGroup := "unknown"
	if r.PresentInGroup != nil {
		inGroup = format.YesNo(*r.PresentInGroup)
	}
	state := st.State(cleanState(&r))
	if left, ok := RetryIn(r, elapsed); ok {
		state += st.Summary.Render(retryText(format.Duration(left)))
	}
	if Lost(r) {
		state += " " + st.Lost.Render("lost")
		inGroup += " " + st.Lost.Render("(lost: fal no longer sees it in its group)")
	}
	lines = append(lines,
		field("Runner", sanitize.String(string(r.ID))),
		field("App", sanitize.String(p.app)+" in "+sanitize.String(names.Env(p.env))+
			"  (alias "+format.Or(r.Alias)+")"),
		field("State", state),
		field("In flight", format.Count(r.InFlight, "request", "requests")),
		field("Expires in", expires),
		field("Uptime", uptime),
		field("Revision", format.Or(string(r.Revision))),
		field("Machine type", format.Or(r.MachineType)),
		field("Replacement", replaceSentence),
		field("In group", inGroup),
		"",
	)
	lines = append(lines, p.requests(r.Leases())...)
	md := r.Metadata()
	lines = append(lines, "", field("Metadata", metadataSummary(md)))
	lines = append(lines, metadataLines(md)...)
	return lines
}

// field is one line of the record: a label, then its value.
func (p *Detail) field(label, value string) string {
	return p.d.Styles.Label.Render(fmt.Sprintf("%-*s", labelWidth, label)) + value
}

// requests lists the requests a runner holds, from its leases, as fal's
// CLI does: a lease without a request is not one. How long each has run
// is counted now, at every draw.
func (p *Detail) requests(leases []client.Lease) []string {
	st := p.d.Styles
	var held []client.Lease
	for _, l := range leases {
		if l.RequestID != "" {
			held = append(held, l)
		}
	}
	if len(held) == 0 {
		return []string{p.field("Requests", "none")}
	}
	shown := held[:min(len(held), maxRequests)]
	rows := make([][3]string, 0, len(shown)+1)
	rows = append(rows, [3]string{"REQUEST", "CALLER", "RUNNING FOR"})
	now := p.now()
	for _, l := range shown {
		running := format.Dash
		if !l.LeasedAt.IsZero() {
			running = format.Duration(now.Sub(l.LeasedAt))
		}
		rows = append(rows, [3]string{sanitize.String(l.RequestID), format.Or(l.CallerUserID), running})
	}
	var w [2]int
	for _, r := range rows {
		w[0], w[1] = max(w[0], ansi.StringWidth(r[0])), max(w[1], ansi.StringWidth(r[1]))
	}
	lines := []string{p.field("Requests", strconv.Itoa(len(held)))}
	for i, r := range rows {
		line := "  " + pad(r[0], w[0]) + "  " + pad(r[1], w[1]) + "  " + r[2]
		if i == 0 {
			line = st.TableHeader.Render(line)
		}
		lines = append(lines, line)
	}
	if more := len(held) - len(shown); more > 0 {
		lines = append(lines, st.Empty.Render(fmt.Sprintf("  and %d more", more)))
	}
	return lines
}

// pad fills s with spaces to w cells.
func pad(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-ansi.StringWidth(s)))
}

func metadataSummary(m map[string]any) string {
	if len(m) == 0 {
		return "none"
	}
	return format.Count(len(m), "key", "keys")
}

// metadataLines flattens the runner's metadata into sorted "a.b: value"
// lines. Values that are not objects are shown as compact JSON.
func metadataLines(m map[string]any) []string {
	var out []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			name := prefix + k
			if sub, ok := m[k].(map[string]any); ok && len(sub) > 0 {
				walk(name+".", sub)
				continue
			}
			out = append(out, "  "+sanitize.String(name)+": "+jsonValue(m[k]))
		}
	}
	walk("", m)
	return out
}

// jsonValue shows a metadata value as compact JSON with its strings
// sanitized first: JSON alone would turn a control sequence into legible
// litter ("\u001b]0;…") instead of dropping it as every other string is.
func jsonValue(v any) string {
	if s, ok := v.(string); ok {
		return sanitize.String(s)
	}
	b, err := json.Marshal(sanitizeJSON(v))
	if err != nil {
		return sanitize.String(fmt.Sprint(v))
	}
	return sanitize.String(string(b))
}

func sanitizeJSON(v any) any {
	switch v := v.(type) {
	case string:
		return sanitize.String(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = sanitizeJSON(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[sanitize.String(k)] = sanitizeJSON(e)
		}
		return out
	}
	return v
}

// Legend explains the runner states the record names.
func (p *Detail) Legend() []theme.Legend { return []theme.Legend{p.d.Styles.StateLegend()} }
