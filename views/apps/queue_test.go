package apps

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
)

// queueFixture is an apps pane of staging with apps a and b.
func queueFixture(t *testing.T) (*Pane, *fakeclient.Client) {
	t.Helper()
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	fc.SetApps("staging", app("a", "staging"), app("b", "staging"))
	p := New(panetest.Deps(fc, &now), "staging")
	p.SetSize(200, 10)
	return p, fc
}

// list is one poll of the pane, as the root runs it; it returns the
// number of queue calls it made and the messages the pane asked for.
func list(t *testing.T, p *Pane, fc *fakeclient.Client) (int, []tea.Msg) {
	t.Helper()
	before := len(fc.CallsTo("QueueSize"))
	msgs := panetest.Msgs(panetest.Load(t, p, panetest.Now))
	return len(fc.CallsTo("QueueSize")) - before, msgs
}

func queueCells(p *Pane) string {
	var out []string
	for _, id := range p.table.IDs() {
		row, _ := p.table.Cells(id)
		out = append(out, id+"="+row[colQueue])
	}
	return strings.Join(out, " ")
}

func TestQueueColumnFollowsEachListing(t *testing.T) {
	p, fc := queueFixture(t)
	fc.SetQueue("staging", "a", 3)
	if n, msgs := list(t, p, fc); n != 2 || len(msgs) != 0 {
		t.Errorf("first listing: %d queue calls, said %#v", n, msgs)
	}
	if got := queueCells(p); got != "a=3 b=0" {
		t.Errorf("queues: %s", got)
	}
	for _, c := range fc.CallsTo("QueueSize") {
		if c.Env != "staging" || (c.App != "a" && c.App != "b") {
			t.Errorf("queue call %+v", c)
		}
	}

	// Each listing asks again; the column sorts by size.
	fc.SetQueue("staging", "b", 7)
	list(t, p, fc)
	if got := queueCells(p); got != "a=3 b=7" {
		t.Errorf("after the second listing: %s", got)
	}
	p.table.SetSort(colQueue, true)
	if got := strings.Join(p.table.IDs(), ","); got != "b,a" {
		t.Errorf("by queue, descending: %s", got)
	}
}

func TestFailingQueueBacksOffAndKeepsThePane(t *testing.T) {
	p, fc := queueFixture(t)
	fc.SetQueue("staging", "a", 4)
	list(t, p, fc)

	fc.Fail("QueueSize", &client.Error{Kind: client.Unavailable, Op: "queue of a", Addr: "rest.example"})
	// The listing itself succeeded: its answer is no failure, so the root
	// keeps the pane's data fresh.
	if err := p.Fetch()(context.Background()).Err(); err != nil {
		t.Errorf("a failing queue failed the listing: %v", err)
	}
	fc.Fail("QueueSize", &client.Error{Kind: client.Unavailable, Op: "queue of a", Addr: "rest.example"})
	_, msgs := list(t, p, fc)
	if len(msgs) != 1 || !msgs[0].(pane.Status).Err ||
		!strings.Contains(msgs[0].(pane.Status).Text, "queue sizes: queue of a: cannot reach the controller at rest.example") {
		t.Errorf("a failing queue said %#v", msgs)
	}
	row, _ := p.table.Cells("a")
	if got := queueCells(p); got != "a=- b=-" || row[colRunners] != "2" {
		t.Errorf("after a failure: %s, runners %q", got, row[colRunners])
	}

	// Each failure in a row doubles the listings made without asking: 1,
	// then 3. A failure after the first says nothing more.
	for _, pass := range []int{1, 3} {
		for range pass {
			if n, _ := list(t, p, fc); n != 0 {
				t.Fatalf("%d queue calls during the back-off", n)
			}
		}
		if n, msgs := list(t, p, fc); n == 0 || len(msgs) != 0 {
			t.Errorf("after the back-off: %d queue calls, said %#v", n, msgs)
		}
	}

	// Once it answers, every listing asks again.
	fc.Fail("QueueSize", nil)
	for range 7 {
		list(t, p, fc)
	}
	for range 2 {
		if n, _ := list(t, p, fc); n != 2 {
			t.Errorf("%d queue calls after recovering, want 2", n)
		}
	}
	if got := queueCells(p); got != "a=4 b=0" {
		t.Errorf("after recovering: %s", got)
	}
}

func TestQueueWithoutRESTAPIIsADashAndNotAskedAgain(t *testing.T) {
	p, fc := queueFixture(t)
	if _, msgs := list(t, p, fc); len(msgs) != 0 {
		t.Errorf("an unsupported queue said %#v", msgs)
	}
	if n, _ := list(t, p, fc); n != 0 {
		t.Errorf("%d queue calls after unsupported", n)
	}
	if got := queueCells(p); got != "a=- b=-" {
		t.Errorf("unsupported: %s", got)
	}
}

// TestQueuesOfManyAppsAskedOnScreenOnly: past maxQueueReads apps, a
// listing asks for the queues of the apps on screen, not of every app.
func TestQueuesOfManyAppsAskedOnScreenOnly(t *testing.T) {
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	var apps []client.App
	for i := range maxQueueReads + 10 {
		apps = append(apps, app(fmt.Sprintf("app-%03d", i), "staging"))
	}
	fc.SetApps("staging", apps...)
	fc.SetQueue("staging", "app-000", 1)
	p := New(panetest.Deps(fc, &now), "staging")
	p.SetSize(200, 10) // a header and 9 rows
	if n, _ := list(t, p, fc); n != maxQueueReads {
		t.Errorf("first listing: %d queue calls, want %d", n, maxQueueReads)
	}
	p.View()
	if n, _ := list(t, p, fc); n != 9 {
		t.Errorf("next listing: %d queue calls, want the 9 on screen", n)
	}
	p.Update(uitest.Key("G"))
	p.View()
	fc.Reset()
	list(t, p, fc)
	for _, c := range fc.CallsTo("QueueSize") {
		if c.App < "app-065" {
			t.Errorf("asked for the queue of %s, off screen", c.App)
		}
	}
	if got := queueCells(p); !strings.Contains(got, "app-000=-") || !strings.Contains(got, "app-073=0") {
		t.Errorf("queues: %s", got)
	}
}
