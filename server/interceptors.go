package server

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// logUnary logs each call's method, code and duration at debug level.
// Requests are never logged: SetSecret carries a value.
func (c *Controller) logUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := handler(ctx, req)
	c.logCall(ctx, info.FullMethod, start, err)
	return resp, err
}

func (c *Controller) logStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	err := handler(srv, ss)
	c.logCall(ss.Context(), info.FullMethod, start, err)
	return err
}

func (c *Controller) logCall(ctx context.Context, method string, start time.Time, err error) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []any{"method", method, "code", status.Code(err).String(), "duration", time.Since(start)}
	if err != nil {
		// Messages name things (environments, apps, secret names), never
		// secret values.
		attrs = append(attrs, "error", status.Convert(err).Message())
	}
	c.log.DebugContext(ctx, "call", attrs...)
}

// recoverUnary turns a panic in a handler into INTERNAL for that call, so
// one bad request cannot take the controller and its runners down.
func recoverUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				err = panicked(log, info.FullMethod, p)
			}
		}()
		return handler(ctx, req)
	}
}

func recoverStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = panicked(log, info.FullMethod, p)
			}
		}()
		return handler(srv, ss)
	}
}

func panicked(log *slog.Logger, method string, p any) error {
	log.Error("handler panicked", "method", method, "panic", p, "stack", string(debug.Stack()))
	return status.Errorf(codes.Internal, "internal error in %s; the controller's log has details", method)
}
