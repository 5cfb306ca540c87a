package runners

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/views/pane"
)

// runLoads runs the Load a command asks for, as the root would, and hands
// the reply back to the detail; it returns the next command.
func runLoad(t *testing.T, d *Detail, cmd tea.Cmd) tea.Cmd {
	t.Helper()
	if cmd == nil {
		return nil
	}
	msgs := panetest.Msgs(cmd)
	if len(msgs) != 1 {
		t.Fatalf("want one Load, got %v", msgs)
	}
	l, ok := msgs[0].(pane.Load)
	if !ok {
		t.Fatalf("want a Load, got %T", msgs[0])
	}
	res, err := l.Run(context.Background())
	return d.Update(l.Reply(res, err))
}

func TestDetailStreamsLogsWhileShown(t *testing.T) {
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	fc.SetRunners("main", "my-app", client.Runner{ID: "r-1", Alias: "my-app", State: client.StateIdle})
	fc.SetLogs("r-1",
		client.LogLine{Level: "stdout", Message: "model loaded"},
		client.LogLine{Level: "stderr", Message: "warning: \x1b]0;pwned\x07slow disk"},
		client.LogLine{Level: "stdout", Message: "two\nlines"},
	)
	d := NewDetail(panetest.Deps(fc, &now), "main", "my-app", "r-1")
	d.SetSize(100, 30)

	next := runLoad(t, d, d.Update(pane.Shown{}))
	v := d.View()
	for _, want := range []string{"model loaded", "! warning: slow disk", "two", "lines", "4 lines · following"} {
		if !strings.Contains(v, want) {
			t.Errorf("logs lack %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "\x1b]") || strings.Contains(v, "pwned") {
		t.Errorf("a control sequence reached the screen:\n%q", v)
	}
	if next == nil {
		t.Fatal("the detail stopped reading a log that follows")
	}
	msgs := panetest.Msgs(next)
	read := msgs[0].(pane.Load)

	// Leaving the detail ends the stream; the read in flight then ends
	// and its answer, of an older generation, changes nothing.
	d.Update(pane.Hidden{})
	res, err := read.Run(context.Background())
	if cmd := d.Update(read.Reply(res, err)); cmd != nil {
		t.Error("a read of an ended stream asked for more")
	}
	if got := len(d.logs.lines); got != 4 {
		t.Errorf("%d lines after hiding, want the 4 read", got)
	}
	if n := len(fc.CallsTo("RunnerLogs")); n != 1 {
		t.Errorf("%d RunnerLogs calls, want 1", n)
	}

	// Shown again, it starts over from the tail.
	runLoad(t, d, d.Update(pane.Shown{}))
	if got := len(d.logs.lines); got != 4 {
		t.Errorf("%d lines after showing again, want 4", got)
	}
	d.Update(pane.Hidden{})

	// f pauses following; G follows again.
	d.Update(panetest.Key("f"))
	if d.logs.follow {
		t.Error("f did not pause")
	}
	d.Update(panetest.Key("G"))
	if !d.logs.follow {
		t.Error("G did not follow")
	}
}

func TestDetailSaysWhyThereAreNoLogs(t *testing.T) {
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	d := NewDetail(panetest.Deps(fc, &now), "main", "my-app", "r-1")
	d.SetSize(100, 30)
	runLoad(t, d, d.Update(pane.Shown{}))
	if !strings.Contains(d.View(), "logs: not available from this controller") {
		t.Errorf("unsupported:\n%s", d.View())
	}
}
