package envs

import (
	"fmt"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/views/pane"
)

func BenchmarkEnvironments(b *testing.B) {
	panetest.Bench(b, 10_000, panetest.Listing{
		New: func(d pane.Deps) pane.Pane { return New(d) },
		Set: func(fc *fakeclient.Client, n, v int) {
			fc.SetEnvironments(panetest.Rows(n, func(i int) client.Environment {
				return client.Environment{
					Name: fmt.Sprintf("env-%05d", i), Description: fmt.Sprintf("team %d, round %d", i%50, v),
					CreatedAt: panetest.Now.Add(-time.Duration(i) * time.Minute),
				}
			})...)
		},
	})
}
