package server

import (
	"context"
	"net"
	"net/url"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/faldash/faldash/internal/names"
)

// announceUnary and announceStream put the controller's gateway and
// account in the header of the calls that passed the key check (see
// names.GatewayMetadata): a client learns them from whichever call it
// makes first, on any machine, and fal's clients ignore them.
func (s *service) announceUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	_ = grpc.SetHeader(ctx, s.announcement(ctx))
	return handler(ctx, req)
}

// A shell's stream (the only one with client messages) is left alone:
// its headers say the session was accepted, and headers set now would go
// out with a refusal too.
func (s *service) announceStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if !info.IsClientStream {
		_ = ss.SetHeader(s.announcement(ss.Context()))
	}
	return handler(srv, ss)
}

func (s *service) announcement(ctx context.Context) metadata.MD {
	gw := s.gateway(ctx)
	if gw == "" {
		gw = names.NoGateway
	}
	return metadata.Pairs(names.GatewayMetadata, gw, names.UserMetadata, s.user)
}

// gateway is the gateway's base URL as the caller can reach it, "" when
// there is none. A gateway listening on every address (0.0.0.0, [::])
// is named by the host the caller dialled the controller at, which
// reaches this machine from where the caller is.
func (s *service) gateway(ctx context.Context) string {
	if s.gw == "" {
		return ""
	}
	u, err := url.Parse(s.gw)
	if err != nil {
		return s.gw
	}
	ip := net.ParseIP(u.Hostname())
	if ip == nil || !ip.IsUnspecified() {
		return strings.TrimSuffix(s.gw, "/")
	}
	host := dialledHost(ctx)
	if host == "" {
		return strings.TrimSuffix(s.gw, "/")
	}
	u.Host = net.JoinHostPort(host, u.Port())
	return strings.TrimSuffix(u.String(), "/")
}

// dialledHost is the host of the call's :authority, "" when it has none
// that could name a machine.
func dialledHost(ctx context.Context) string {
	md, _ := metadata.FromIncomingContext(ctx)
	auth := md.Get(":authority")
	if len(auth) == 0 || auth[0] == "" {
		return ""
	}
	host := auth[0]
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if strings.ContainsAny(host, "/ @") {
		return ""
	}
	return host
}
