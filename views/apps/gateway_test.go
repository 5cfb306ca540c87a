package apps

import (
	"testing"

	"github.com/faldash/faldash/client"
)

// A controller that serves no gateway (`faldash serve --gateway off`)
// has no endpoint to show: the column says so rather than naming fal.run.
func TestEndpointWithoutGateway(t *testing.T) {
	p, _ := build(t, client.Target{Kind: client.TargetLocal, User: "local", NoGateway: true}, "staging", app("my-app", "staging"))
	if row, _ := p.table.Cells("my-app"); row[colURL] != "no gateway" {
		t.Errorf("endpoint without a gateway %q, want \"no gateway\"", row[colURL])
	}
}
