package runners

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ui/sanitize"
	"github.com/faldash/faldash/views/format"
	"github.com/faldash/faldash/views/pane"
)

// Log limits: the tail asked for when the stream opens, the lines kept
// (older ones are dropped), and the most lines one read hands over, so a
// burst of output becomes a few messages rather than one per line.
const (
	logTail  = 500
	logKeep  = 5000
	logBatch = 256
)

// How a log line's time and level are drawn: local time to the
// millisecond, with the date when the line is not from today, and the
// level as a word of fixed width, so that messages line up.
const (
	clockLayout = "15:04:05.000"
	dateLayout  = "2006-01-02 " + clockLayout
	levelWidth  = 6
)

// logPanel is the bottom of the detail view: the runner's output, streamed
// from the client while the detail is visible (tail, then follow).
type logPanel struct {
	gen     int                // the stream's generation: replies of an older one are dropped
	cancel  context.CancelFunc // ends the stream; nil when none runs
	entries []logEntry
	search  string // fal's search parameter of the stream; empty for every line
	note    string // why there are no (more) lines
	follow  bool   // keep the newest line in view
	offset  int    // first line shown when not following
}

// logEntry is one line of the panel: a log line, or one line of a log
// line's multi-line message. Its prefix is drawn when it is shown, so that
// "today" is the day it is looked at.
type logEntry struct {
	at    time.Time
	level string // sanitized
	text  string // sanitized, one line
	cont  bool   // a continuation of the line above: no time or level of its own
}

// logItem is one line, or the error that ended the stream.
type logItem struct {
	line client.LogLine
	err  error
}

// logFeed carries a stream's lines from the goroutine that reads it; it
// travels in messages so the pane never holds the stream itself.
type logFeed <-chan logItem

// logsRead is the answer to one read of the feed, or to opening it.
type logsRead struct {
	gen   int
	feed  logFeed
	lines []client.LogLine
	err   error // the stream ended: io.EOF, or why it failed
}

// startLogs (re)opens the runner's log stream with the panel's search;
// the answer to opening it, then its lines, arrive as logsRead.
func (p *Detail) startLogs() tea.Cmd {
	p.stopLogs()
	p.logs.entries, p.logs.note, p.logs.follow, p.logs.offset = nil, "loading logs…", true, 0
	ctx, cancel := context.WithCancel(context.Background())
	p.logs.cancel = cancel
	c, id, gen := p.d.Client, p.id, p.logs.gen
	q := client.LogQuery{Tail: logTail, Follow: true, Search: p.logs.search}
	return p.d.Ask(pane.Load{
		// The stream outlives this load: it feeds lines until stopLogs
		// cancels it, so it runs on its own context, not on the load's,
		// which ends when Run returns.
		Run: func(context.Context) tea.Msg {
			st, err := c.RunnerLogs(ctx, id, q)
			if err != nil {
				return logsRead{gen: gen, err: err}
			}
			ch := make(chan logItem, logBatch)
			go pump(ctx, st, ch)
			return logsRead{gen: gen, feed: ch}
		},
	})
}

// stopLogs ends the stream, if one runs; replies still on their way are
// dropped by generation.
func (p *Detail) stopLogs() {
	if p.logs.cancel != nil {
		p.logs.cancel()
		p.logs.cancel = nil
	}
	p.logs.gen++
}

// pump copies the stream into ch until it ends, then sends its error.
func pump(ctx context.Context, st client.LogStream, ch chan<- logItem) {
	defer close(ch)
	for {
		l, err := st.Recv()
		select {
		case ch <- logItem{line: l, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}

// readFeed waits for one line, then takes what else is already there.
func readFeed(gen int, feed logFeed) logsRead {
	r := logsRead{gen: gen, feed: feed}
	for it := range feed {
		if it.err != nil {
			r.err = it.err
			return r
		}
		r.lines = append(r.lines, it.line)
		if len(r.lines) >= logBatch || len(feed) == 0 {
			return r
		}
	}
	r.err = context.Canceled // the pump stopped: the stream was ended here
	return r
}

// applyLogs takes one read and asks for the next.
func (p *Detail) applyLogs(r logsRead) tea.Cmd {
	if r.gen != p.logs.gen {
		return nil
	}
	if r.err == nil {
		p.logs.note = ""
	}
	for _, l := range r.lines {
		level := strings.ToLower(sanitize.String(l.Level))
		for i, text := range strings.Split(sanitize.Lines(l.Message), "\n") {
			p.logs.entries = append(p.logs.entries, logEntry{at: l.Time, level: level, text: text, cont: i > 0})
		}
	}
	if over := len(p.logs.entries) - logKeep; over > 0 {
		p.logs.entries = append(p.logs.entries[:0:0], p.logs.entries[over:]...)
		p.logs.offset = max(0, p.logs.offset-over)
	}
	switch {
	case r.err == nil:
		gen, feed := r.gen, r.feed
		return p.d.Ask(pane.Load{
			// No context to watch: the feed closes when the stream's own
			// context (see startLogs) is cancelled.
			Run: func(context.Context) tea.Msg { return readFeed(gen, feed) },
		})
	case errors.Is(r.err, io.EOF):
		p.logs.note = "end of log: the runner has ended"
	case errors.Is(r.err, context.Canceled):
	case errors.Is(r.err, client.ErrUnsupported), errors.Is(r.err, client.ErrUnavailable):
		p.logs.note = "logs need fal's REST API: " + sanitize.String(r.err.Error())
	case errors.Is(r.err, client.ErrNotFound):
		p.logs.note = "this runner's logs are gone"
	default:
		p.logs.note = "logs: " + sanitize.String(r.err.Error())
	}
	p.logs.cancel = nil
	return nil
}

// Search is the logs' search text, empty when every line is shown.
func (p *Detail) Search() string { return p.logs.search }

// SetSearch restarts the log stream with q as fal's search parameter, so
// that the server picks the lines (the tail is of matching lines, not a
// filter of the last ones); blank q shows every line again.
func (p *Detail) SetSearch(q string) tea.Cmd {
	if strings.TrimSpace(q) == "" {
		q = ""
	}
	if q == p.logs.search {
		return nil
	}
	p.logs.search = q
	return p.startLogs()
}

// logKey handles the log keys: f follows or pauses; page keys and
// home/end scroll the log (up and down scroll the record above it).
func (p *Detail) logKey(msg tea.KeyMsg) bool {
	k := p.d.Keys
	page := max(1, p.logsHeight()-2)
	switch {
	case key.Matches(msg, k.Logs.Follow):
		p.logs.follow = !p.logs.follow
		if !p.logs.follow {
			p.logs.offset = max(0, len(p.logs.entries)-page)
		}
	case key.Matches(msg, k.Table.PageUp):
		p.scrollLogs(-page)
	case key.Matches(msg, k.Table.PageDown):
		p.scrollLogs(page)
	case key.Matches(msg, k.Table.Top):
		p.scrollLogs(-len(p.logs.entries))
	case key.Matches(msg, k.Table.Bottom):
		p.logs.follow = true
	default:
		return false
	}
	return true
}

func (p *Detail) scrollLogs(by int) {
	page := max(1, p.logsHeight()-2)
	n := len(p.logs.entries)
	if p.logs.follow {
		p.logs.offset = max(0, n-page)
		p.logs.follow = false
	}
	p.logs.offset = max(0, min(p.logs.offset+by, n-page))
	if p.logs.offset+page >= n && by > 0 {
		p.logs.follow = true
	}
}

// logsHeight is the log panel's share of the detail: what the record
// leaves, but never fewer than logsMin lines (the record then scrolls).
func (p *Detail) logsHeight() int {
	return max(min(p.height, logsMin), p.height-len(p.record()))
}

const logsMin = 8

func (p *Detail) logsView(width, height int) []string {
	if height <= 0 {
		return nil
	}
	st := p.d.Styles
	out := []string{"", ansi.Truncate(p.logsTitle(), width, "…")}
	note := p.logs.note
	if note == "" && len(p.logs.entries) == 0 {
		note = "no log lines yet"
		if p.logs.search != "" {
			note = "no log lines match the search yet"
		}
	}
	room := height - len(out)
	if note != "" {
		room--
	}
	n := len(p.logs.entries)
	start := p.logs.offset
	if p.logs.follow {
		start = max(0, n-room)
	}
	now := p.d.Now()
	for i := start; i < min(n, start+room); i++ {
		out = append(out, ansi.Truncate(p.logLine(p.logs.entries[i], now), width, "…"))
	}
	if note != "" {
		out = append(out, st.Empty.Render(ansi.Truncate(note, width, "…")))
	}
	for len(out) < height {
		out = append(out, "")
	}
	return out[len(out)-height:]
}

// logsTitle is the panel's title: the search, the line count, and
// whether it follows.
func (p *Detail) logsTitle() string {
	st := p.d.Styles
	var parts []string
	if p.logs.search != "" {
		parts = append(parts, `search "`+sanitize.String(p.logs.search)+`"`)
	}
	state, toggle := "paused", "follow"
	if p.logs.follow {
		state, toggle = "following", "pause"
	}
	parts = append(parts, format.Count(len(p.logs.entries), "line", "lines"), state,
		p.d.Keys.Logs.Follow.Help().Key+" to "+toggle)
	return st.TableHeader.Render("LOGS") + "  " + st.Dim.Render(strings.Join(parts, " · "))
}

// logLine draws one entry as fal's CLI prints a log line: local time,
// level, message. A continuation is indented to the message.
func (p *Detail) logLine(e logEntry, now time.Time) string {
	st := p.d.Styles
	stamp := logTime(e.at, now)
	if e.cont {
		return strings.Repeat(" ", len(stamp)+1+levelWidth+1) + e.text
	}
	word := fmt.Sprintf("%-*s", levelWidth, levelWord(e.level))
	return st.Label.Render(stamp) + " " + st.LogLevel(e.level).Render(word) + " " + e.text
}

// logTime is at in the local zone, the zone of the pane's clock (time.Now
// reads in time.Local): its time of day, with its date when it is not
// today's. A line without a time gets blanks of the same width.
func logTime(at, now time.Time) string {
	if at.IsZero() {
		return strings.Repeat(" ", len(clockLayout))
	}
	at = at.In(now.Location())
	if y, m, d := at.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return at.Format(clockLayout)
	}
	return at.Format(dateLayout)
}

// levelWord is a level cut to levelWidth, the long ones abbreviated as
// people read them.
func levelWord(level string) string {
	switch level {
	case "warning":
		return "warn"
	case "critical":
		return "crit"
	case "exception":
		return "exc"
	}
	if r := []rune(level); len(r) > levelWidth {
		return string(r[:levelWidth])
	}
	return level
}
