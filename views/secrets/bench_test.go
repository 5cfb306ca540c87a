package secrets

import (
	"fmt"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/panetest"
	"github.com/faldash/faldash/views/pane"
)

func BenchmarkSecrets(b *testing.B) {
	panetest.Bench(b, 10_000, panetest.Listing{
		New: func(d pane.Deps) pane.Pane { return New(d, "main") },
		Set: func(fc *fakeclient.Client, n, v int) {
			fc.SetSecrets("main", panetest.Rows(n, func(i int) client.Secret {
				return client.Secret{
					Name: fmt.Sprintf("SECRET_%05d", i), Env: "main", DefaultExposed: (i+v)%2 == 0,
					CreatedAt: panetest.Now.Add(-time.Duration(i) * time.Minute),
				}
			})...)
		},
	})
}
