package apps

import (
	"fmt"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/views/pane"
)

func BenchmarkApps(b *testing.B) {
	panetest.Bench(b, 10_000, panetest.Listing{
		New: func(d pane.Deps) pane.Pane { return New(d, "main") },
		Set: func(fc *fakeclient.Client, n, v int) {
			fc.SetApps("main", panetest.Rows(n, func(i int) client.App {
				return client.App{
					Name: fmt.Sprintf("app-%05d", i), Env: "main", Revision: client.RevisionID(fmt.Sprintf("%032x", i)),
					AuthMode: client.AuthShared, ActiveRunners: (i + v) % 7,
					Scaling: scaling.Settings{MinConcurrency: i % 3, MaxConcurrency: 10, KeepAlive: 300,
						MachineTypes: []string{"GPU-H100"}, Regions: []string{"us-east"}},
				}
			})...)
		},
	})
}
