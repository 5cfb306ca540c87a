package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestRPCErrorMapsEveryCode(t *testing.T) {
	tests := []struct {
		code     codes.Code
		kind     ErrorKind
		sentinel error
	}{
		{codes.NotFound, NotFound, ErrNotFound},
		{codes.AlreadyExists, AlreadyExists, ErrAlreadyExists},
		{codes.InvalidArgument, Invalid, ErrInvalid},
		{codes.FailedPrecondition, Precondition, ErrPrecondition},
		{codes.Unauthenticated, Unauthenticated, ErrUnauthenticated},
		{codes.PermissionDenied, PermissionDenied, ErrPermissionDenied},
		{codes.Unavailable, Unavailable, ErrUnavailable},
		{codes.DeadlineExceeded, Unavailable, ErrUnavailable},
		{codes.Unimplemented, Unsupported, ErrUnsupported},
		{codes.Internal, Other, nil},
		{codes.Unknown, Other, nil},
		{codes.ResourceExhausted, Other, nil},
	}
	all := []error{ErrNotFound, ErrAlreadyExists, ErrInvalid, ErrPrecondition, ErrUnauthenticated,
		ErrPermissionDenied, ErrUnavailable, ErrUnsupported}
	for _, tt := range tests {
		t.Run(tt.code.String(), func(t *testing.T) {
			raw := status.Error(tt.code, "the server's reason")
			err := error(rpcError(context.Background(), "list apps in main", "127.0.0.1:7777", raw))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("not an *Error: %T", err)
			}
			if e.Kind != tt.kind {
				t.Errorf("Kind = %v, want %v", e.Kind, tt.kind)
			}
			if KindOf(err) != tt.kind || KindOf(raw) != tt.kind {
				t.Errorf("KindOf = %v / %v, want %v", KindOf(err), KindOf(raw), tt.kind)
			}
			for _, s := range all {
				if got, want := errors.Is(err, s), s == tt.sentinel; got != want {
					t.Errorf("errors.Is(err, %v) = %v, want %v", s, got, want)
				}
			}
			if !strings.Contains(err.Error(), "the server's reason") {
				t.Errorf("Error() = %q lost the server's message", err)
			}
			if !strings.HasPrefix(err.Error(), "list apps in main: ") {
				t.Errorf("Error() = %q does not start with the operation", err)
			}
			if status.Code(errors.Unwrap(err)) != tt.code {
				t.Errorf("Unwrap lost the status: %v", errors.Unwrap(err))
			}
		})
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{
			"not found",
			rpcError(context.Background(), `delete environment "staging"`, "x:1",
				status.Error(codes.NotFound, `environment "staging" does not exist`)),
			`delete environment "staging": not found: environment "staging" does not exist`,
		},
		{
			"unreachable names the address",
			rpcError(context.Background(), "list apps in main", "127.0.0.1:7777",
				status.Error(codes.Unavailable, "connection refused")),
			"list apps in main: cannot reach the controller at 127.0.0.1:7777: connection refused",
		},
		{
			"timeout",
			rpcError(context.Background(), "list runners", "127.0.0.1:7777",
				status.Error(codes.DeadlineExceeded, context.DeadlineExceeded.Error())),
			"list runners: no answer from the controller at 127.0.0.1:7777 in time",
		},
		{
			"unauthenticated",
			rpcError(context.Background(), "list apps in main", "h:443",
				status.Error(codes.Unauthenticated, "")),
			"list apps in main: not authorized: the credentials were refused (check FAL_KEY, your fal profile's key or FAL_KEY_ID/FAL_KEY_SECRET, or run `fal auth login`)",
		},
		{
			"precondition",
			rpcError(context.Background(), `delete environment "main"`, "h:443",
				status.Error(codes.FailedPrecondition, "main cannot be deleted")),
			`delete environment "main": refused: main cannot be deleted`,
		},
		{
			"unsupported",
			rpcError(context.Background(), "kill runner \"r1\"", "h:443",
				status.Error(codes.Unimplemented, "method KillRunner not implemented")),
			`kill runner "r1": not supported by this controller: method KillRunner not implemented`,
		},
		{
			"internal",
			rpcError(context.Background(), "list runners", "h:443", status.Error(codes.Internal, "boom")),
			"list runners: internal error in the controller: boom",
		},
		{
			"unknown code keeps just the message",
			rpcError(context.Background(), "list runners", "h:443", status.Error(codes.Unknown, "odd")),
			"list runners: odd",
		},
		{"no op", &Error{Kind: NotFound, Msg: "gone"}, "not found: gone"},
		{"no message", &Error{Kind: AlreadyExists, Op: `create environment "dev"`}, `create environment "dev": already exists`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() =\n %q\nwant\n %q", got, tt.want)
			}
		})
	}
}

func TestRPCErrorKeepsCallerCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := rpcError(ctx, "list runners", "h:443", status.Error(codes.Canceled, context.Canceled.Error()))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(err, context.Canceled) = false for %v", err)
	}
	if err.Kind != Other || err.Error() != "list runners: canceled" {
		t.Errorf("got %v %q", err.Kind, err.Error())
	}
}

func TestKindOf(t *testing.T) {
	wrapped := fmt.Errorf("refresh: %w", &Error{Kind: Precondition})
	tests := []struct {
		err  error
		want ErrorKind
	}{
		{nil, Other},
		{errors.New("plain"), Other},
		{wrapped, Precondition},
		{context.DeadlineExceeded, Unavailable},
		{status.Error(codes.NotFound, "x"), NotFound},
	}
	for _, tt := range tests {
		if got := KindOf(tt.err); got != tt.want {
			t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	if !errors.Is(wrapped, ErrPrecondition) {
		t.Error("errors.Is through fmt wrapping failed")
	}
}

func TestErrorKindStrings(t *testing.T) {
	seen := map[string]ErrorKind{}
	for k := Other; k <= Unsupported; k++ {
		s := k.String()
		if s == "" {
			t.Errorf("kind %d has no name", k)
		}
		if prev, dup := seen[s]; dup {
			t.Errorf("kinds %d and %d share the name %q", prev, k, s)
		}
		seen[s] = k
	}
}
