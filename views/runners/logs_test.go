package runners

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
)

// oneLoad returns the Load a command asks for.
func oneLoad(t *testing.T, cmd tea.Cmd) pane.Load {
	t.Helper()
	msgs := panetest.Msgs(cmd)
	if len(msgs) != 1 {
		t.Fatalf("want one Load, got %#v", msgs)
	}
	l, ok := msgs[0].(pane.Load)
	if !ok {
		t.Fatalf("want a Load, got %T", msgs[0])
	}
	return l
}

// runLoad runs the Load a command asks for, as the root would, and hands
// the reply back to the detail; it returns the next command.
func runLoad(t *testing.T, d *Detail, cmd tea.Cmd) tea.Cmd {
	t.Helper()
	l := oneLoad(t, cmd)
	return d.Update(l.Run(context.Background()))
}

// readLogs runs the detail's reads until it holds n lines, and returns the
// read it asks for next (which would wait for a line that never comes).
func readLogs(t *testing.T, d *Detail, cmd tea.Cmd, n int) tea.Cmd {
	t.Helper()
	for len(d.logs.entries) < n {
		if cmd == nil {
			t.Fatalf("the detail stopped reading at %d lines, want %d", len(d.logs.entries), n)
		}
		cmd = runLoad(t, d, cmd)
	}
	return cmd
}

// logDetail is the detail of a runner with lines, under a clock that reads
// panetest.Now in zone.
func logDetail(t *testing.T, zone *time.Location, lines ...client.LogLine) (*Detail, *fakeclient.Client, *time.Time) {
	t.Helper()
	now := panetest.Now.In(zone)
	fc := fakeclient.New(client.Target{})
	fc.SetRunners("main", "my-app", client.Runner{ID: "r-1", Alias: "my-app", State: client.StateIdle})
	fc.SetLogs("r-1", lines...)
	d := NewDetail(panetest.Deps(fc, &now), "main", "my-app", "r-1")
	d.SetSize(100, 30)
	return d, fc, &now
}

func TestDetailStreamsLogsWhileShown(t *testing.T) {
	now := panetest.Now // 15:09:26 UTC
	d, fc, _ := logDetail(t, time.FixedZone("UTC+1", 3600),
		client.LogLine{Time: now.Add(-30 * time.Hour), Level: "info", Message: "yesterday's"},
		client.LogLine{Time: now.Add(-6 * time.Second), Level: "stdout", Message: "model loaded"},
		client.LogLine{Time: now.Add(-5*time.Second + 250*time.Millisecond), Level: "stderr",
			Message: "warning: \x1b]0;pwned\x07slow disk"},
		client.LogLine{Time: now.Add(-4 * time.Second), Level: "WARNING", Message: "two\nlines"},
		client.LogLine{Level: "a-very\x1b[2J-long-level", Message: "no time"},
	)
	open := d.Update(pane.Shown{})
	if !strings.Contains(d.View(), "loading logs…") {
		t.Errorf("before the stream opens:\n%s", d.View())
	}
	next := readLogs(t, d, open, 6)
	if q := fc.CallsTo("RunnerLogs")[0].Logs; q != (client.LogQuery{Tail: logTail, Follow: true}) {
		t.Errorf("query %+v, want the tail then follow", q)
	}
	v := d.View()
	for _, want := range []string{
		"2026-03-13 10:09:26.000 info   yesterday's",
		"16:09:20.000 stdout model loaded",
		"16:09:21.250 stderr warning: slow disk",
		"16:09:22.000 warn   two\n" + strings.Repeat(" ", 20) + "lines",
		strings.Repeat(" ", 12) + " a-very no time",
		"LOGS  6 lines · following · f to pause",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("logs lack %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "\x1b") || strings.Contains(v, "pwned") {
		t.Errorf("a control sequence reached the screen:\n%q", v)
	}
	if next == nil {
		t.Fatal("the detail stopped reading a log that follows")
	}
	read := oneLoad(t, next)

	// Leaving the detail ends the stream; the read in flight then ends
	// and its answer, of an older generation, changes nothing.
	d.Update(pane.Hidden{})
	if cmd := d.Update(read.Run(context.Background())); cmd != nil {
		t.Error("a read of an ended stream asked for more")
	}
	if got := len(d.logs.entries); got != 6 {
		t.Errorf("%d lines after hiding, want the 6 read", got)
	}
	if n := len(fc.CallsTo("RunnerLogs")); n != 1 {
		t.Errorf("%d RunnerLogs calls, want 1", n)
	}

	// Shown again, it starts over from the tail.
	readLogs(t, d, d.Update(pane.Shown{}), 6)
	d.Update(pane.Hidden{})

	// f pauses following; G follows again.
	d.Update(uitest.Key("f"))
	if d.logs.follow {
		t.Error("f did not pause")
	}
	d.Update(uitest.Key("G"))
	if !d.logs.follow {
		t.Error("G did not follow")
	}
}

func TestLogSearchRestartsTheStream(t *testing.T) {
	now := panetest.Now
	d, fc, _ := logDetail(t, time.UTC,
		client.LogLine{Time: now, Level: "stdout", Message: "GET /health 200"},
		client.LogLine{Time: now, Level: "error", Message: "GET /predict 500"},
		client.LogLine{Time: now, Level: "stdout", Message: "GET /predict 200"},
	)
	old := readLogs(t, d, d.Update(pane.Shown{}), 3)
	if d.Search() != "" {
		t.Errorf("search %q before any", d.Search())
	}

	next := readLogs(t, d, d.SetSearch("predict"), 2)
	calls := fc.CallsTo("RunnerLogs")
	if got := calls[len(calls)-1].Logs; got != (client.LogQuery{Tail: logTail, Follow: true, Search: "predict"}) {
		t.Errorf("query %+v, want the search with the tail and follow", got)
	}
	v := d.View()
	if !strings.Contains(v, `LOGS  search "predict" · 2 lines · following`) || strings.Contains(v, "/health") {
		t.Errorf("searched logs:\n%s", v)
	}

	// A read of the stream before the search changes nothing.
	read := oneLoad(t, old)
	if cmd := d.Update(read.Run(context.Background())); cmd != nil || len(d.logs.entries) != 2 {
		t.Errorf("a read of the old stream was taken: %d lines", len(d.logs.entries))
	}

	// The same search again restarts nothing; a blank one clears it.
	if cmd := d.SetSearch("predict"); cmd != nil {
		t.Error("the same search restarted the stream")
	}
	n := len(fc.CallsTo("RunnerLogs"))
	readLogs(t, d, d.SetSearch("  "), 3)
	if d.Search() != "" || len(fc.CallsTo("RunnerLogs")) != n+1 {
		t.Errorf("blank search: %q, %d calls", d.Search(), len(fc.CallsTo("RunnerLogs"))-n)
	}
	if got := fc.CallsTo("RunnerLogs")[n].Logs.Search; got != "" {
		t.Errorf("cleared search still sent %q", got)
	}
	d.Update(pane.Hidden{})
	_ = next
}

func TestSearchWithNoMatchSaysSo(t *testing.T) {
	d, _, _ := logDetail(t, time.UTC, client.LogLine{Level: "stdout", Message: "hello"})
	runLoad(t, d, d.SetSearch("nothing like it"))
	if v := d.View(); !strings.Contains(v, "no log lines match the search yet") {
		t.Errorf("empty search result:\n%s", v)
	}
	d.Update(pane.Hidden{})
}

func TestDetailSaysWhyThereAreNoLogs(t *testing.T) {
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	d := NewDetail(panetest.Deps(fc, &now), "main", "my-app", "r-1")
	d.SetSize(100, 30)
	runLoad(t, d, d.Update(pane.Shown{}))
	if v := d.View(); !strings.Contains(v, "logs need fal's REST API: logs of runner r-1: not supported") {
		t.Errorf("unsupported:\n%s", v)
	}

	for _, tc := range []struct {
		err  error
		want string
	}{
		{io.EOF, "end of log: the runner has ended"},
		{&client.Error{Kind: client.Unavailable, Op: "logs of runner r-1", Addr: "rest.example"}, "logs need fal's REST API: logs of runner r-1: cannot reach"},
		{&client.Error{Kind: client.NotFound}, "this runner's logs are gone"},
		{&client.Error{Kind: client.Invalid, Msg: "bad\x1b[2J since"}, "logs: invalid: bad since"},
	} {
		d.Update(logsRead{gen: d.logs.gen, err: tc.err})
		if v := d.View(); !strings.Contains(v, tc.want) {
			t.Errorf("%v: view lacks %q:\n%s", tc.err, tc.want, v)
		}
	}
}
