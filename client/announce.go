package client

import (
	"context"
	"net/url"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/faldash/faldash/internal/names"
)

// announcement is what a faldash controller said about itself in the
// header of its answers (names.GatewayMetadata): where it serves its
// apps, and its account. fal cloud says nothing, and then nothing is
// known. The zero value is ready for use.
type announcement struct {
	mu      sync.Mutex
	known   bool
	gateway string // "" when the controller serves no gateway
	user    string
}

// maxAnnounced bounds an announced value: a URL or a nickname, never
// long. Anything longer, or a gateway that is no http(s) URL, is not
// believed.
const maxAnnounced = 512

// learn keeps what md announces, if it announces anything believable.
func (a *announcement) learn(md metadata.MD) {
	gw := md.Get(names.GatewayMetadata)
	if len(gw) != 1 || len(gw[0]) > maxAnnounced {
		return
	}
	gateway := gw[0]
	if gateway == names.NoGateway {
		gateway = ""
	} else if u, err := url.Parse(gateway); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return
	}
	var user string
	if u := md.Get(names.UserMetadata); len(u) == 1 && names.ValidateUser(u[0]) == nil {
		user = u[0]
	}
	a.mu.Lock()
	a.known, a.gateway, a.user = true, gateway, user
	a.mu.Unlock()
}

// apply overlays what was announced on t: the controller knows its own
// gateway and account better than the dialler's guesses.
func (a *announcement) apply(t Target) Target {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.known {
		return t
	}
	t.GatewayURL, t.NoGateway = a.gateway, a.gateway == ""
	if a.user != "" {
		t.User = a.user
	}
	return t
}

// unary reads the header of every unary call's answer.
func (a *announcement) unary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	var md metadata.MD
	err := invoker(ctx, method, req, reply, cc, append(opts, grpc.Header(&md))...)
	a.learn(md)
	return err
}

// stream reads a stream's header once its first message (or its end)
// has arrived: asking earlier would wait for the server, which may be
// waiting for the client (a shell).
func (a *announcement) stream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, err
	}
	return &learningStream{ClientStream: s, a: a}, nil
}

type learningStream struct {
	grpc.ClientStream
	a    *announcement
	once sync.Once
}

func (s *learningStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	s.once.Do(func() {
		if md, herr := s.ClientStream.Header(); herr == nil {
			s.a.learn(md)
		}
	})
	return err
}
