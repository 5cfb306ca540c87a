package apps

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/faldash/faldash/client"
)

// Queue reads: how many run at once, enough that a dozen apps cost about
// one round trip more than the listing and few enough to spare fal's REST
// API; and how long they may take, so that a REST API that hangs slows the
// apps pane's refresh by that much, not by a whole poll's timeout.
const (
	queueReads   = 4
	queueTimeout = 5 * time.Second
)

// maxQueueReads bounds the queue calls of one listing: an environment of
// more apps has only those on screen asked for (the others show a dash),
// rather than a call per app per refresh.
const maxQueueReads = 64

// maxQueueSkip caps the listings made without asking for the queues after
// failures: as the polls' back-off doubles up to 30 s at the default 2 s
// refresh, the queues are asked at least every 16th listing.
const maxQueueSkip = 15

// queues is the QUEUE column: how many requests wait for each app, asked
// for (fal's REST API, one call per app) with each listing of the apps, so
// only while the pane is visible and at its pace. A failure backs off as
// the polls do, doubling the listings made without asking.
type queues struct {
	sizes    map[string]int // by app name, replaced whole; an app not in it shows a dash
	off      bool           // the client has no queue to ask about: it is no longer asked
	failures int            // asks failed in a row
	skip     int            // listings still to make without asking
}

// queueAnswer is what one ask found.
type queueAnswer struct {
	sizes map[string]int // of the apps that answered
	err   error          // why some did not: ErrUnsupported when any said so
}

// ask says whether this listing asks for the queues, counting down a
// failure's back-off. Called once per listing, when it is built.
func (q *queues) ask() bool {
	switch {
	case q.off:
		return false
	case q.skip > 0:
		q.skip--
		return false
	}
	return true
}

// apply takes what an ask found and reports the first failure in a row,
// for the status line; the apps that did not answer show a dash.
// Unsupported turns the asking off, silently: there is no REST API to ask.
func (q *queues) apply(a queueAnswer) (failed error) {
	q.sizes = a.sizes
	switch {
	case errors.Is(a.err, client.ErrUnsupported):
		q.off, q.sizes = true, nil
	case a.err != nil:
		q.failures++
		q.skip = min(1<<min(q.failures, 8), maxQueueSkip+1) - 1
		if q.failures == 1 {
			return a.err
		}
	default:
		q.failures, q.skip = 0, 0
	}
	return nil
}

// queued are the apps whose queues a listing asks for: all of them, or
// past maxQueueReads, those on screen (the first ones listed before any
// is).
func queued(apps []client.App, visible []string) []client.App {
	if len(apps) <= maxQueueReads {
		return apps
	}
	if len(visible) == 0 {
		return apps[:maxQueueReads]
	}
	shown := make(map[string]bool, len(visible))
	for _, name := range visible {
		shown[name] = true
	}
	out := make([]client.App, 0, min(len(visible), maxQueueReads))
	for _, a := range apps {
		if shown[a.Name] && len(out) < maxQueueReads {
			out = append(out, a)
		}
	}
	return out
}

// readQueues asks for the queue of each app, queueReads at a time.
func readQueues(ctx context.Context, c client.Client, env string, apps []client.App) queueAnswer {
	ctx, cancel := context.WithTimeout(ctx, queueTimeout)
	defer cancel()
	a := queueAnswer{sizes: make(map[string]int, len(apps))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, queueReads)
	for _, app := range apps {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			qs, err := c.QueueSize(ctx, env, app.Name)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				a.sizes[app.Name] = qs.Size
			case a.err == nil, errors.Is(err, client.ErrUnsupported):
				a.err = err
			}
		}()
	}
	wg.Wait()
	return a
}
