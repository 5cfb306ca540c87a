package client

import (
	"context"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// retryPolicy retries a unary call that failed with UNAVAILABLE: the
// controller was not reached or asked to be tried again, so the call did
// not take effect. Every other code is the controller's answer and stands.
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

// unary runs one call with the per-call timeout and the retry policy, and
// turns its failure into an *Error for op.
func unary[Req, Resp any](ctx context.Context, g *GRPC, op string, req Req,
	call func(context.Context, Req, ...grpc.CallOption) (Resp, error)) (Resp, error) {
	for n := 0; ; n++ {
		actx, cancel := context.WithTimeout(ctx, g.callTimeout)
		resp, err := call(actx, req)
		cancel()
		if err == nil {
			return resp, nil
		}
		if status.Code(err) != codes.Unavailable || n+1 >= g.retry.attempts || ctx.Err() != nil {
			var zero Resp
			return zero, rpcError(ctx, op, g.target.Addr, err)
		}
		t := time.NewTimer(g.retry.backoff(n))
		select {
		case <-ctx.Done():
			t.Stop()
			var zero Resp
			return zero, rpcError(ctx, op, g.target.Addr, err)
		case <-t.C:
		}
	}
}
