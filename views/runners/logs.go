package runners

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/tui/sanitize"
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

// logPanel is the bottom of the detail view: the runner's output, streamed
// from the client while the detail is visible (tail, then follow).
type logPanel struct {
	gen    int                // the stream's generation: replies of an older one are dropped
	cancel context.CancelFunc // ends the stream; nil when none runs
	lines  []string
	note   string // why there are no (more) lines
	follow bool   // keep the newest line in view
	offset int    // first line shown when not following
}

// logItem is one line, or the error that ended the stream.
type logItem struct {
	line client.LogLine
	err  error
}

// logFeed carries a stream's lines from the goroutine that reads it; it
// travels in messages so the pane never holds the stream itself.
type logFeed <-chan logItem

// logsRead is the answer to one read of the feed.
type logsRead struct {
	gen   int
	feed  logFeed
	lines []client.LogLine
	err   error // the stream ended: io.EOF, or why it failed
}

// start opens the runner's log stream; its lines arrive as logsRead.
func (p *Detail) startLogs() tea.Cmd {
	p.stopLogs()
	p.logs.gen++
	p.logs.lines, p.logs.note, p.logs.follow, p.logs.offset = nil, "loading logs…", true, 0
	ctx, cancel := context.WithCancel(context.Background())
	p.logs.cancel = cancel
	c, id, gen := p.d.Client, p.id, p.logs.gen
	return pane.Cmd(pane.Load{
		Run: func(context.Context) (any, error) {
			st, err := c.RunnerLogs(ctx, id, client.LogQuery{Tail: logTail, Follow: true})
			if err != nil {
				return logsRead{gen: gen, err: err}, nil
			}
			ch := make(chan logItem, logBatch)
			go pump(ctx, st, ch)
			return readFeed(gen, ch), nil
		},
		Reply: logsReply,
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

func logsReply(result any, err error) tea.Msg {
	r, _ := result.(logsRead)
	if err != nil && r.err == nil {
		r.err = err
	}
	return r
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
	if len(r.lines) > 0 || r.err == nil {
		p.logs.note = ""
	}
	for _, l := range r.lines {
		prefix := ""
		if l.Level == "stderr" {
			prefix = "! "
		}
		for _, line := range strings.Split(sanitize.Lines(l.Message), "\n") {
			p.logs.lines = append(p.logs.lines, prefix+line)
		}
	}
	if over := len(p.logs.lines) - logKeep; over > 0 {
		p.logs.lines = append(p.logs.lines[:0:0], p.logs.lines[over:]...)
		p.logs.offset = max(0, p.logs.offset-over)
	}
	switch {
	case r.err == nil:
		gen, feed := r.gen, r.feed
		return pane.Cmd(pane.Load{
			Run:   func(context.Context) (any, error) { return readFeed(gen, feed), nil },
			Reply: logsReply,
		})
	case errors.Is(r.err, io.EOF):
		p.logs.note = "end of log: the runner has ended"
	case errors.Is(r.err, context.Canceled):
	case errors.Is(r.err, client.ErrUnsupported):
		p.logs.note = "logs: not available from this controller (fal cloud shows them on its web dashboard)"
	case errors.Is(r.err, client.ErrNotFound):
		p.logs.note = "this runner's logs are gone"
	default:
		p.logs.note = "logs: " + sanitize.String(r.err.Error())
	}
	p.logs.cancel = nil
	return nil
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
			p.logs.offset = max(0, len(p.logs.lines)-page)
		}
	case key.Matches(msg, k.Table.PageUp):
		p.scrollLogs(-page)
	case key.Matches(msg, k.Table.PageDown):
		p.scrollLogs(page)
	case key.Matches(msg, k.Table.Top):
		p.scrollLogs(-len(p.logs.lines))
	case key.Matches(msg, k.Table.Bottom):
		p.logs.follow = true
	default:
		return false
	}
	return true
}

func (p *Detail) scrollLogs(by int) {
	page := max(1, p.logsHeight()-2)
	if p.logs.follow {
		p.logs.offset = max(0, len(p.logs.lines)-page)
		p.logs.follow = false
	}
	p.logs.offset = max(0, min(p.logs.offset+by, len(p.logs.lines)-page))
	if p.logs.offset+page >= len(p.logs.lines) && by > 0 {
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
	state := "paused"
	if p.logs.follow {
		state = "following"
	}
	title := st.TableHeader.Render("LOGS") + "  " + st.Dim.Render(fmt.Sprintf("%d lines · %s · f to %s",
		len(p.logs.lines), state, map[bool]string{true: "pause", false: "follow"}[p.logs.follow]))
	out := []string{"", ansi.Truncate(title, width, "…")}
	room := height - len(out)
	if p.logs.note != "" {
		room--
	}
	start := p.logs.offset
	if p.logs.follow {
		start = max(0, len(p.logs.lines)-room)
	}
	for i := start; i < min(len(p.logs.lines), start+room); i++ {
		out = append(out, ansi.Truncate(p.logs.lines[i], width, "…"))
	}
	if p.logs.note != "" {
		out = append(out, st.Empty.Render(ansi.Truncate(p.logs.note, width, "…")))
	}
	for len(out) < height {
		out = append(out, "")
	}
	return out[len(out)-height:]
}
