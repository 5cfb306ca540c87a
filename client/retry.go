package client

import (
	"context"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Retries have one home per kind of call. A read (a listing) is tried
// once: the dashboard's poller calls again on its own schedule, backing off
// as failures go on, and the caller of a one-shot read says it failed.
// Retrying here as well multiplied the poller's waits. A mutation is tried
// again after UNAVAILABLE only when running it twice does no more than
// running it once (idempotent: setting a value, deleting something).
// UNAVAILABLE does not promise that the first try did nothing: the
// connection may have dropped after the controller acted and before its
// answer arrived. So a retried mutation that then meets NOT_FOUND or
// ALREADY_EXISTS may be meeting its own first try, and its error says so
// (Error.Retried). Every code but UNAVAILABLE is the controller's answer
// and stands.

// retryPolicy is how often, and how far apart, an idempotent mutation is
// tried.
type retryPolicy struct {
	attempts  int           // total tries, including the first
	base, max time.Duration // backoff before the second try, and its cap
}

var defaultRetry = retryPolicy{attempts: 4, base: 200 * time.Millisecond, max: 2 * time.Second}

// backoff is the wait after the n-th failed try (n from 0): exponential,
// capped, with jitter in its upper half so clients that failed together do
// not come back together.
func (p retryPolicy) backoff(n int) time.Duration {
	d := p.base
	for i := 0; i < n && d < p.max; i++ {
		d *= 2
	}
	d = min(d, p.max)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half)
}

// unary runs a call once with the per-call timeout, and turns its failure
// into an *Error for op: reads, and mutations that must not run twice.
func unary[Req, Resp any](ctx context.Context, g *GRPC, op string, req Req,
	call func(context.Context, Req, ...grpc.CallOption) (Resp, error)) (Resp, error) {
	resp, err := try(ctx, g, req, call)
	if err != nil {
		return resp, rpcError(ctx, op, g.target.Addr, err)
	}
	return resp, nil
}

// idempotent runs a mutation that may run twice, trying again after
// UNAVAILABLE by the retry policy.
func idempotent[Req, Resp any](ctx context.Context, g *GRPC, op string, req Req,
	call func(context.Context, Req, ...grpc.CallOption) (Resp, error)) (Resp, error) {
	for n := 0; ; n++ {
		resp, err := try(ctx, g, req, call)
		if err == nil {
			return resp, nil
		}
		if status.Code(err) != codes.Unavailable || n+1 >= g.retry.attempts || ctx.Err() != nil {
			e := rpcError(ctx, op, g.target.Addr, err)
			e.Retried = n > 0
			return resp, e
		}
		t := time.NewTimer(g.retry.backoff(n))
		select {
		case <-ctx.Done():
			t.Stop()
			return resp, rpcError(ctx, op, g.target.Addr, err)
		case <-t.C:
		}
	}
}

func try[Req, Resp any](ctx context.Context, g *GRPC, req Req,
	call func(context.Context, Req, ...grpc.CallOption) (Resp, error)) (Resp, error) {
	actx, cancel := context.WithTimeout(ctx, g.callTimeout)
	defer cancel()
	return call(actx, req)
}
