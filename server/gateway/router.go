// Package gateway is the local controller's HTTP gateway: it routes
// `/<user>/<alias>[/path]` to a ready runner of that alias, which is what
// fal.run does for fal cloud. The requests it holds are the demand that
// drives the autoscaler and the RUNNING/IDLE states.
package gateway

import (
	"context"
	"errors"
	"time"
)

// Router hands out request slots on runners. The runner supervisor
// implements it: it knows which runners are ready, how many requests each
// may take (max_multiplexing), and counts waiting requests as demand.
type Router interface {
	// Acquire waits until a ready runner of alias (a full alias, e.g.
	// `my-app--staging`) has a free slot and leases it to the caller. While
	// it waits the request counts as queued. It fails with ErrUnknownApp,
	// ErrQueueFull, or ctx's error.
	Acquire(ctx context.Context, alias string, req RequestInfo) (*Lease, error)
}

// RequestInfo describes the request a lease is for; it is reported in the
// runner's `leases` metadata.
type RequestInfo struct {
	RequestID    string
	CallerUserID string
}

// Lease is one request slot on one runner.
type Lease struct {
	RunnerID string
	// Addr is the runner's host:port.
	Addr string
	// RequestTimeout is the app's request_timeout; 0 means none.
	RequestTimeout time.Duration
	// Release gives the slot back; call it exactly once.
	Release func()
}

var (
	// ErrUnknownApp: no alias of that name.
	ErrUnknownApp = errors.New("no such app")
	// ErrQueueFull: the app's queue of waiting requests is full.
	ErrQueueFull = errors.New("too many requests waiting")
)
