package demo

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestRateRisesAndFalls(t *testing.T) {
	opts := TrafficOptions{Period: 60 * time.Second, Peak: 4}
	if r := Rate(opts, 0, 0, 3); r != 0 {
		t.Errorf("rate at the start %v, want 0", r)
	}
	if r := Rate(opts, 30*time.Second, 0, 3); math.Abs(r-4) > 1e-9 {
		t.Errorf("rate mid-cycle %v, want the peak 4", r)
	}
	if r := Rate(opts, 60*time.Second, 0, 3); r > 1e-9 {
		t.Errorf("rate after a full cycle %v, want 0", r)
	}
	for i := range 3 {
		for s := 0; s <= 120; s++ {
			if r := Rate(opts, time.Duration(s)*time.Second, i, 3); r < 0 || r > 4 {
				t.Fatalf("rate of target %d at %ds is %v, outside [0, 4]", i, s, r)
			}
		}
	}
	if Rate(opts, 0, 1, 3) == Rate(opts, 0, 0, 3) {
		t.Error("targets peak together")
	}
}

func TestTrafficIsLoopbackOnly(t *testing.T) {
	for _, target := range []string{"http://example.com/x", "https://127.0.0.1/x", "http://10.0.0.1:80/", "::"} {
		if _, err := Traffic(t.Context(), []string{target}, TrafficOptions{}); err == nil {
			t.Errorf("traffic to %q was allowed", target)
		}
	}
	if _, err := Traffic(t.Context(), nil, TrafficOptions{}); err == nil {
		t.Error("traffic without targets was allowed")
	}
}

// The generator never has more than MaxInFlight requests outstanding,
// skips what is due beyond that, and ends with its requests when ctx does.
func TestTrafficIsBounded(t *testing.T) {
	var (
		mu          sync.Mutex
		inFlight    int
		maxInFlight int
	)
	full := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server notices the caller leaving only once the body is
		// read.
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		if inFlight == 3 {
			select {
			case full <- struct{}{}:
			default:
			}
		}
		mu.Unlock()
		<-r.Context().Done()
		mu.Lock()
		inFlight--
		mu.Unlock()
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(t.Context())
	var c trafficCounters
	done := make(chan error, 1)
	go func() {
		done <- runTraffic(ctx, []string{srv.URL + "/local/app"}, TrafficOptions{Period: time.Second, Peak: 200, MaxInFlight: 3, Tick: 5 * time.Millisecond}, &c)
	}()
	<-full
	waitFor(t, "a request skipped with every slot taken", func() bool { return c.skipped.Load() > 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s := c.snapshot()
	waitFor(t, "the runner to see every request cancelled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return inFlight == 0
	})
	mu.Lock()
	defer mu.Unlock()
	if maxInFlight != 3 || s.Sent != 3 || s.OK+s.Failed != s.Sent {
		t.Errorf("max in flight %d, stats %+v", maxInFlight, s)
	}
}

func TestTrafficReachesTargets(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	enough := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		hits[r.URL.Path]++
		if hits["/a"] >= 3 && hits["/b"] >= 3 && enough != nil {
			close(enough)
			enough = nil
		}
	}))
	defer srv.Close()
	wait := enough
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan TrafficStats, 1)
	go func() {
		s, _ := Traffic(ctx, []string{srv.URL + "/a", srv.URL + "/b"}, TrafficOptions{Period: time.Second, Peak: 50, Tick: 5 * time.Millisecond})
		done <- s
	}()
	<-wait
	cancel()
	s := <-done
	if s.OK < 6 || s.Sent != s.OK+s.Failed {
		t.Errorf("stats %+v", s)
	}
}
