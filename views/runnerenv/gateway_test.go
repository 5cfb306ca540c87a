package runnerenv

import (
	"strings"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
)

// Without a gateway there is no URL to curl, and the view says why.
func TestCallWithoutGateway(t *testing.T) {
	now := panetest.Now
	fc := fakeclient.New(client.Target{Kind: client.TargetLocal, User: "alice", NoGateway: true})
	v := New(panetest.Deps(fc, &now), "staging", &client.App{Name: "my-app"})
	v.SetSize(140, 40)
	view := v.View()
	if strings.Contains(view, "curl") || strings.Contains(view, "fal.run") || !strings.Contains(view, "no gateway") {
		t.Errorf("the view of an app served over no gateway:\n%s", view)
	}
}
