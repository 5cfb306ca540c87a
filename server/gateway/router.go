// Package gateway is the local controller's HTTP gateway: it routes
// `/<user>/<alias>[/path]` to a ready runner of that alias, which is what
// fal.run does for fal cloud, once the request's key passes the app's auth
// mode as fal's gateway applies it (see Keys). The requests it holds are
// the demand that drives the autoscaler and the RUNNING/IDLE states.
package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/faldash/faldash/falpb"
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
	// AuthMode is alias's auth mode: who may call it. An unknown alias is
	// ErrUnknownApp.
	AuthMode(ctx context.Context, alias string) (falpb.ApplicationAuthMode, error)
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

// Queues reports and flushes the requests a Router holds waiting for a
// slot: fal's /applications/{user}/{app}/queue.
type Queues interface {
	// Queue counts the requests waiting for a runner of alias. An unknown
	// alias is ErrUnknownApp.
	Queue(ctx context.Context, alias string) (QueueStats, error)
	// FlushQueue drops the requests waiting for alias, only those of
	// caller when it is not empty; their Acquire fails with ErrFlushed.
	// It returns how many were dropped.
	FlushQueue(ctx context.Context, alias, caller string) (int, error)
}

// QueueStats is an app's queue.
type QueueStats struct {
	Size int
	// ByCaller counts the waiting requests per CallerUserID.
	ByCaller map[string]int
}

var (
	// ErrUnknownApp: no alias of that name.
	ErrUnknownApp = errors.New("no such app")
	// ErrQueueFull: the app's queue of waiting requests is full.
	ErrQueueFull = errors.New("too many requests waiting")
	// ErrFlushed: the request was dropped from the queue by a flush
	// before any runner took it.
	ErrFlushed = errors.New("the app's queue was flushed")
	// ErrStopping: the controller is stopping and takes no more requests.
	ErrStopping = errors.New("the controller is stopping")
)
