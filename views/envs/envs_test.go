package envs

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
)

func load(t *testing.T, p *Pane, fc *fakeclient.Client, now time.Time) {
	t.Helper()
	if cmd := panetest.Load(t, p, now); cmd != nil {
		t.Fatalf("a result returned a command")
	}
}

func setup(t *testing.T) (*Pane, *fakeclient.Client, *time.Time) {
	now := panetest.Now
	fc := fakeclient.New(client.Target{Kind: client.TargetLocal})
	fc.SetEnvironments(
		client.Environment{Name: "main", Description: "prod", IsDefault: true, CreatedAt: now.Add(-48 * time.Hour)},
		client.Environment{Name: "staging", Description: "checks", CreatedAt: now.Add(-time.Hour)},
	)
	p := New(panetest.Deps(fc, &now))
	p.SetSize(100, 10)
	load(t, p, fc, now)
	return p, fc, &now
}

func TestFetchListsEnvironments(t *testing.T) {
	p, fc, _ := setup(t)
	if calls := fc.CallsTo("ListEnvironments"); len(calls) != 1 {
		t.Fatalf("calls %v", fc.Calls())
	}
	if p.Total() != 2 {
		t.Fatalf("%d rows", p.Total())
	}
	v := p.View()
	for _, want := range []string{"main", "prod", "✓", "2d ago", "staging", "1h ago"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
}

func TestEnterOpensAppsOfCursorRow(t *testing.T) {
	p, _, _ := setup(t)
	p.Update(uitest.Key("down"))
	msgs := panetest.Msgs(p.Update(uitest.Key("enter")))
	want := []any{pane.Open{Key: pane.AppsKey("staging")}}
	if !reflect.DeepEqual(toAny(msgs), want) {
		t.Errorf("enter gave %#v, want %#v", msgs, want)
	}
}

func toAny[T any](in []T) []any {
	out := make([]any, len(in))
	for i, v := range in {
		out[i] = v
	}
	return out
}

func TestSortByCreatedKeepsCursor(t *testing.T) {
	p, _, _ := setup(t)
	// sort by name (first column), then by description, default, created
	for range 4 {
		p.Update(uitest.Key(">"))
	}
	id, _ := p.Selected()
	if id != "main" {
		t.Fatalf("cursor on %s", id)
	}
	if col, desc := p.table.Sort(); col != colCreated || desc {
		t.Fatalf("sorted by %d desc %v, want created ascending", col, desc)
	}
	if got := p.table.IDs(); !reflect.DeepEqual(got, []string{"main", "staging"}) {
		t.Errorf("oldest first: %v", got)
	}
	p.Update(uitest.Key("~"))
	if got := p.table.IDs(); !reflect.DeepEqual(got, []string{"staging", "main"}) {
		t.Errorf("newest first: %v", got)
	}
	if id, _ := p.Selected(); id != "main" || p.table.Cursor() != 1 {
		t.Errorf("cursor on %s at %d after reversing, want main at 1", id, p.table.Cursor())
	}
}

func TestErrorKeepsRowsStale(t *testing.T) {
	_, fc, now := setup(t)
	d := panetest.Deps(fc, now)
	fresh := panetest.Fresh(&d) // staleness is the root's record: the pane reads it
	p := New(d)
	p.SetSize(100, 10)
	panetest.Poll(p, fresh, *now)
	fc.Fail("ListEnvironments", errors.New("boom"))
	panetest.Poll(p, fresh, *now)
	if p.Total() != 2 {
		t.Errorf("rows dropped on error: %d", p.Total())
	}
	if !p.table.Stale() {
		t.Error("rows not marked stale")
	}
	fc.Fail("ListEnvironments", nil)
	panetest.Poll(p, fresh, *now)
	if p.table.Stale() {
		t.Error("still stale after a good answer")
	}
}

func TestDeletedRowGoesAndCursorStaysNear(t *testing.T) {
	p, fc, now := setup(t)
	fc.SetEnvironments(
		client.Environment{Name: "main", IsDefault: true}, client.Environment{Name: "staging"}, client.Environment{Name: "dev"})
	load(t, p, fc, *now)
	p.Update(uitest.Key("down")) // staging
	p.Update(pane.EnvDeleted{Name: "staging"})
	if id, _ := p.Selected(); id != "dev" || p.Total() != 2 {
		t.Errorf("after deleting staging: cursor on %q, %d rows", id, p.Total())
	}
	p.Update(pane.EnvDeleted{Name: "dev"})
	if id, _ := p.Selected(); id != "main" {
		t.Errorf("after deleting the last row: cursor on %q", id)
	}
}

func TestCreatedEnvironmentGetsTheCursorOnceListed(t *testing.T) {
	p, fc, now := setup(t)
	p.Update(pane.EnvCreated{Name: "qa"}) // not listed yet
	if id, _ := p.Selected(); id != "main" {
		t.Fatalf("cursor moved to %q before qa was listed", id)
	}
	fc.SetEnvironments(client.Environment{Name: "main"}, client.Environment{Name: "qa"}, client.Environment{Name: "staging"})
	load(t, p, fc, *now)
	if id, _ := p.Selected(); id != "qa" {
		t.Errorf("cursor on %q, want qa", id)
	}
}

func TestDeleteMainExplainsWithoutADialog(t *testing.T) {
	p, _, _ := setup(t)
	msgs := panetest.Msgs(p.Update(uitest.Key("d")))
	st, ok := msgs[0].(pane.Status)
	if len(msgs) != 1 || !ok || !st.Err || !strings.Contains(st.Text, "default environment") {
		t.Errorf("d on main gave %#v", msgs)
	}
	p.Update(uitest.Key("down"))
	if _, ok := panetest.Msgs(p.Update(uitest.Key("d")))[0].(pane.ShowModal); !ok {
		t.Error("d on staging opened no dialog")
	}
}
