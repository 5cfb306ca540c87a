package main

import (
	"context"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/server"
)

func init() {
	Register(Section{Name: "grpc-auth", Quick: true, Run: probeGRPCAuth})
}

// probeGRPCAuth calls every method of the controller, and a method that
// does not exist, without a key, then two methods with keys that are
// wrong in every way a header can carry one.
func probeGRPCAuth(ctx context.Context, t *Target) (int, int, []string) {
	var tl Tally
	var cases []rpcCase
	unauthenticated := []codes.Code{codes.Unauthenticated}
	for _, m := range falpb.IsolateController_ServiceDesc.Methods {
		cases = append(cases, rpcCase{name: m.MethodName + " without a key", md: metadata.MD{}, want: unauthenticated, call: rawCall(t, m.MethodName)})
	}
	for _, s := range falpb.IsolateController_ServiceDesc.Streams {
		cases = append(cases, rpcCase{name: s.StreamName + " without a key", md: metadata.MD{}, want: unauthenticated, call: rawCall(t, s.StreamName)})
	}
	cases = append(cases, rpcCase{name: "an unknown method without a key", md: metadata.MD{}, want: unauthenticated, call: rawCall(t, "NoSuchMethod")})

	id, secret := server.MetadataKeyID, server.MetadataKeySecret
	bad := map[string]metadata.MD{
		"a wrong secret":                 metadata.Pairs(id, t.KeyID, secret, t.KeySecret+"x"),
		"an unknown key id":              metadata.Pairs(id, "00000000-0000-4000-8000-000000000000", secret, t.KeySecret),
		"the id without a secret":        metadata.Pairs(id, t.KeyID),
		"the secret without an id":       metadata.Pairs(secret, t.KeySecret),
		"an empty id":                    metadata.Pairs(id, "", secret, t.KeySecret),
		"id and secret swapped":          metadata.Pairs(id, t.KeySecret, secret, t.KeyID),
		"id:secret as the secret":        metadata.Pairs(secret, t.KeyID+":"+t.KeySecret),
		"a truncated secret":             metadata.Pairs(id, t.KeyID, secret, t.KeySecret[:len(t.KeySecret)-1]),
		"the secret upper-cased":         metadata.Pairs(id, t.KeyID, secret, strings.ToUpper(t.KeySecret)),
		"an 8 KiB secret":                metadata.Pairs(id, t.KeyID, secret, strings.Repeat("s", 8<<10)),
		"a bearer token of the key":      metadata.Pairs("authorization", "Bearer "+t.KeyID+":"+t.KeySecret+"x"),
		"a wrong secret, then the right": metadata.Pairs(id, t.KeyID, secret, "wrong", secret, t.KeySecret),
	}
	for what, md := range sortedMap(bad) {
		cases = append(cases,
			rpcCase{name: "ListEnvironments with " + what, md: md, want: unauthenticated, call: rawCall(t, "ListEnvironments")},
			rpcCase{name: "CreateEnvironment with " + what, md: md, want: unauthenticated, call: rawCall(t, "CreateEnvironment")},
		)
	}
	t.runRPC(ctx, &tl, cases)
	return tl.Result()
}

// rawCall calls method of the controller's service with an empty request,
// over a stream, so the same call works for unary and streaming methods.
func rawCall(t *Target, method string) func(context.Context, falpb.IsolateControllerClient) error {
	return func(ctx context.Context, _ falpb.IsolateControllerClient) error {
		desc := &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}
		stream, err := t.Conn.NewStream(ctx, desc, "/"+falpb.IsolateController_ServiceDesc.ServiceName+"/"+method)
		if err != nil {
			return err
		}
		if err := stream.SendMsg(&emptypb.Empty{}); err != nil {
			return stream.RecvMsg(&emptypb.Empty{})
		}
		if err := stream.CloseSend(); err != nil {
			return err
		}
		return stream.RecvMsg(&emptypb.Empty{})
	}
}
