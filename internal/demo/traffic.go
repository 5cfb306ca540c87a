package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faldash/faldash/client"
)

// TrafficOptions shape the synthetic load; zero fields take the defaults.
type TrafficOptions struct {
	// Period is one rise-and-fall cycle of each target's rate; default
	// 90 s, long enough for runners to scale up, then idle past their
	// keep-alive and be released.
	Period time.Duration
	// Peak is a target's rate at the top of its cycle, in requests per
	// second; default 3. The rate follows (1-cos)/2 from 0 to Peak, and
	// each target's cycle is offset so the apps do not peak together.
	Peak float64
	// MaxInFlight bounds the requests outstanding over all targets; a
	// request due while it is reached is skipped, not queued. Default 32.
	MaxInFlight int
	// Timeout bounds one request, queueing in the gateway included;
	// default 30 s.
	Timeout time.Duration
	// Tick is how often the generator sends what is due; default 100 ms.
	Tick time.Duration
	// Key is sent as fal's `Authorization: Key id:secret`; without it only
	// public apps answer.
	Key client.Credentials
}

func (o TrafficOptions) withDefaults() TrafficOptions {
	if o.Period <= 0 {
		o.Period = 90 * time.Second
	}
	if o.Peak <= 0 {
		o.Peak = 3
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 32
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Tick <= 0 {
		o.Tick = 100 * time.Millisecond
	}
	return o
}

// TrafficStats count what a generator did. Skipped requests were due
// while MaxInFlight requests were outstanding.
type TrafficStats struct {
	Sent, OK, Failed, Skipped int64
}

// trafficCounters are TrafficStats updated while the generator runs.
type trafficCounters struct {
	sent, ok, failed, skipped atomic.Int64
}

func (c *trafficCounters) snapshot() TrafficStats {
	return TrafficStats{Sent: c.sent.Load(), OK: c.ok.Load(), Failed: c.failed.Load(), Skipped: c.skipped.Load()}
}

// Rate is a target's requests per second at elapsed time t into the
// generator's run, for target i of n.
func Rate(opts TrafficOptions, t time.Duration, i, n int) float64 {
	opts = opts.withDefaults()
	phase := 0.0
	if n > 0 {
		phase = 2 * math.Pi * float64(i) / float64(n)
	}
	x := 2*math.Pi*t.Seconds()/opts.Period.Seconds() + phase
	return opts.Peak * (1 - math.Cos(x)) / 2
}

// Traffic sends requests to each target URL at the rate Rate gives, until
// ctx ends, and returns once every request it sent has finished. Targets
// must be loopback http URLs: the generator is for a local gateway only.
func Traffic(ctx context.Context, targets []string, opts TrafficOptions) (TrafficStats, error) {
	var c trafficCounters
	err := runTraffic(ctx, targets, opts, &c)
	return c.snapshot(), err
}

func checkLoopback(targets []string) error {
	if len(targets) == 0 {
		return errors.New("traffic: no targets")
	}
	for _, t := range targets {
		u, err := url.Parse(t)
		if err != nil {
			return fmt.Errorf("traffic target %q: %w", t, err)
		}
		ip := net.ParseIP(u.Hostname())
		if u.Scheme != "http" || (u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback())) {
			return fmt.Errorf("traffic target %q: only http URLs on loopback are allowed", t)
		}
	}
	return nil
}

func runTraffic(ctx context.Context, targets []string, opts TrafficOptions, c *trafficCounters) error {
	if err := checkLoopback(targets); err != nil {
		return err
	}
	opts = opts.withDefaults()
	hc := &http.Client{
		Timeout:   opts.Timeout,
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: opts.MaxInFlight},
	}
	defer hc.CloseIdleConnections()

	slots := make(chan struct{}, opts.MaxInFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	credit := make([]float64, len(targets))
	start := time.Now()
	last := start
	tick := time.NewTicker(opts.Tick)
	defer tick.Stop()
	var seq int64
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			dt := now.Sub(last).Seconds()
			last = now
			for i, target := range targets {
				credit[i] += Rate(opts, now.Sub(start), i, len(targets)) * dt
				for ; credit[i] >= 1; credit[i]-- {
					select {
					case slots <- struct{}{}:
					default:
						c.skipped.Add(1)
						continue
					}
					seq++
					n := seq
					c.sent.Add(1)
					wg.Go(func() {
						defer func() { <-slots }()
						if send(ctx, hc, target, opts.Key, n) {
							c.ok.Add(1)
						} else {
							c.failed.Add(1)
						}
					})
				}
			}
		}
	}
}

// send makes one request like a client of a model endpoint would and
// reports whether it got a 2xx answer.
func send(ctx context.Context, hc *http.Client, target string, key client.Credentials, n int64) bool {
	body := strings.NewReader(fmt.Sprintf(`{"prompt":"demo request %d"}`, n))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, body)
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	if !key.IsZero() {
		req.Header.Set("Authorization", "Key "+key.KeyID+":"+key.KeySecret)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode/100 == 2
}
