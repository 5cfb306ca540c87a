package secrets

import (
	"strings"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
)

func TestListsSecretsOfItsEnvironment(t *testing.T) {
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	fc.SetSecrets("dev",
		client.Secret{Name: "TOKEN", CreatedAt: now.Add(-2 * time.Hour), DefaultExposed: true},
		client.Secret{Name: "OTHER", CreatedAt: now.Add(-time.Minute)},
	)
	p := New(panetest.Deps(fc, &now), "dev")
	p.SetSize(80, 6)
	panetest.Load(t, p, now)
	if calls := fc.CallsTo("ListSecrets"); len(calls) != 1 || calls[0].Env != "dev" {
		t.Fatalf("calls %+v", calls)
	}
	v := p.View()
	for _, want := range []string{"TOKEN", "2h ago", "yes", "OTHER", "1m ago", "no"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// Ages move with the clock, without a new listing.
	now = now.Add(time.Hour)
	p.Update(pane.Tick{})
	if v := p.View(); !strings.Contains(v, "3h ago") || !strings.Contains(v, "1h ago") {
		t.Errorf("ages did not move:\n%s", v)
	}
	// Enter does nothing here: secrets have no pane below.
	if cmd := p.Update(uitest.Key("enter")); cmd != nil {
		t.Errorf("enter returned %v", panetest.Msgs(cmd))
	}
}

func TestEmptyNamesTheEnvironment(t *testing.T) {
	now := panetest.Now
	fc := fakeclient.New(client.Target{})
	p := New(panetest.Deps(fc, &now), "qa")
	p.SetSize(80, 4)
	panetest.Load(t, p, now)
	if !strings.Contains(p.View(), "No secrets in qa.") {
		t.Errorf("view:\n%s", p.View())
	}
}
