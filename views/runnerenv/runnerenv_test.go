package runnerenv

import (
	"strings"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
)

// Opened on an app, the view ends with how to call it: with fal's key
// header unless the app is public.
func TestCallShowsTheKeyHeader(t *testing.T) {
	now := panetest.Now
	fc := fakeclient.New(client.Target{Kind: client.TargetLocal, User: "alice", GatewayURL: "https://ctl.example:7778"})
	for _, tc := range []struct {
		mode        client.AuthMode
		title, curl string
	}{
		{client.AuthPrivate, "Calling it (private: keys of alice only)", `curl -H "Authorization: Key $FAL_KEY" https://ctl.example:7778/alice/my-app--staging`},
		{client.AuthShared, "Calling it (shared: any valid key)", `curl -H "Authorization: Key $FAL_KEY" https://ctl.example:7778/alice/my-app--staging`},
		{client.AuthPublic, "Calling it (public: no key needed)", "curl https://ctl.example:7778/alice/my-app--staging"},
	} {
		v := New(panetest.Deps(fc, &now), "staging", &client.App{Name: "my-app", AuthMode: tc.mode})
		v.SetSize(140, 40)
		view := v.View()
		for _, want := range []string{tc.title, tc.curl} {
			if !strings.Contains(view, want) {
				t.Errorf("%s app: the view lacks %q:\n%s", tc.mode, want, view)
			}
		}
	}
	// For any app of an environment there is no one endpoint to show.
	v := New(panetest.Deps(fc, &now), "staging", nil)
	v.SetSize(140, 40)
	if view := v.View(); strings.Contains(view, "curl") {
		t.Errorf("the environment's view shows a curl line:\n%s", view)
	}
}
