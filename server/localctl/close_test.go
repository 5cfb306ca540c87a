package localctl

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/local"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/internal/poll"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/supervisor"
)

// Close answers a request still queued for a runner with 503 at once,
// rather than hold the gateway's shutdown until a runner frees up (a
// queued request has not read its body, so a caller that left goes
// unnoticed): quitting the demo left the terminal blank for seconds.
func TestCloseAnswersQueuedRequests(t *testing.T) {
	c, err := Start(Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", Gateway: "127.0.0.1:0", REST: Off,
		Supervisor: supervisor.Config{RunnerDir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	conn, err := grpc.NewClient(c.Addr(), grpc.WithTransportCredentials(local.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	id, secret := c.Server().AdminKey()
	ctx := metadata.AppendToOutgoingContext(t.Context(), server.MetadataKeyID, id, server.MetadataKeySecret, secret)
	public := falpb.ApplicationAuthMode_PUBLIC
	// No runner may ever start: every request waits in the queue.
	stream, err := falpb.NewIsolateControllerClient(conn).RegisterApplication(ctx, &falpb.RegisterApplicationRequest{
		ApplicationName: proto.String("held"), AuthMode: &public,
		Code:                &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "true"},
		MachineRequirements: &falpb.MachineRequirements{MaxConcurrency: proto.Int32(0)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := stream.Recv(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}

	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.Post(c.GatewayURL()+"/local/held", "text/plain", strings.NewReader("hello"))
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answered <- answer{status: resp.StatusCode, body: string(b)}
	}()
	poll.Wait(t, 10*time.Second, 5*time.Millisecond, "the request to be queued", func() bool {
		q, err := c.Supervisor().Queue(t.Context(), "held")
		return err == nil && q.Size == 1
	})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	a := <-answered
	if a.err != nil || a.status != http.StatusServiceUnavailable || !strings.Contains(a.body, "stopping") {
		t.Errorf("the queued request got %d %q (%v), want 503 saying the controller is stopping", a.status, a.body, a.err)
	}
}
