package e2e

import (
	"strings"
	"testing"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/cmdline"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/internal/testcert"
)

// fal's own CLI reaches a `faldash serve --tls-cert` the way it reaches
// fal cloud: without ISOLATE_TEST_MODE, trusting the certificate through
// the variables its gRPC (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH) and httpx
// (SSL_CERT_FILE) read. Without FAL_REST_HOST its REST calls go to the
// gRPC address, over TLS with ALPN http/1.1.
func TestFalCLIOverTLS(t *testing.T) {
	path := falCLIPath(t)
	cert := testcert.Loopback(t)
	ctl := startServe(t, "--tls-cert", cert.CertFile, "--tls-key", cert.KeyFile)

	creds, err := client.ReadKeyFile(ctl.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := client.Dial(client.DialOptions{Addr: ctl.addr, Kind: client.TargetLocal, Credentials: creds, RootCAs: cert.Pool})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	argv := []string{"sleep", "1000"} // never started: no minimum, no requests
	if _, err := cl.Deploy(t.Context(), client.DeployRequest{App: "tls-app", Entrypoint: cmdline.Join(argv), Metadata: cmdline.Metadata(argv),
		Scaling: scaling.Spec{MinConcurrency: scaling.Int(0)}}, nil); err != nil {
		t.Fatal(err)
	}

	fal := &falCLI{path: path, env: falEnv(t, ctl, "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH="+cert.CertFile, "SSL_CERT_FILE="+cert.CertFile)}
	if out := fal.run(t, "environments", "list"); !strings.Contains(out, "main") {
		t.Errorf("fal environments list over TLS:\n%s", out)
	}
	if out := fal.run(t, "queue", "size", "tls-app"); !strings.Contains(out, "queue size: 0") {
		t.Errorf("fal queue size over TLS:\n%s", out)
	}
}
