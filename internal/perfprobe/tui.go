//go:build linux

package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/faldash/faldash/internal/synthctl"
)

// tuiOptions shape the dashboard measurement.
type tuiOptions struct {
	bins       []labelled
	synth      synthctl.Config // its Churn is the churn of the busy phases
	refresh    time.Duration
	cols, rows int
	idle       time.Duration // the window of unchanged data
	presses    int
	gap        time.Duration // between key presses
	soak       time.Duration // from the runners pane opening to the RSS reading
	timeout    time.Duration // for each step of starting and browsing
	keep       string        // a directory for each session's raw output; empty: none
}

// Screen texts the measurement waits for.
var (
	headerText  = regexp.MustCompile(`fal\s*›`)
	envsLoaded  = regexp.MustCompile(`synthetic environment dev`)
	appsPane    = regexp.MustCompile(`main\s*›\s*apps`)
	runnerRow   = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-`)
	runnersPane = regexp.MustCompile(`›\s*runners`)
)

// runTUI measures each binary in turn, each against a fresh synthetic
// controller with the same seed, so they see the same runners and the
// same changes.
func runTUI(ctx context.Context, o tuiOptions, rep *report) error {
	var failed []string
	for _, b := range o.bins {
		if err := measureTUI(ctx, b, o, rep); err != nil {
			fmt.Fprintf(os.Stderr, "perfprobe: %s: %v\n", b.label, err)
			failed = append(failed, b.label)
			if ctx.Err() != nil {
				break
			}
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("the measurement of %v failed", failed)
	}
	return nil
}

func measureTUI(ctx context.Context, b labelled, o tuiOptions, rep *report) error {
	// Browsing and the idle window see unchanged data.
	srv, home, key, stop, err := steadyController(o.synth)
	if err != nil {
		return err
	}
	defer stop()
	args := []string{"--host", srv.Addr(), "--key-file", key, "--refresh", o.refresh.String()}
	s, err := startSession(b.path, args, o.cols, o.rows, home)
	if err != nil {
		return err
	}
	defer s.kill()
	if o.keep != "" {
		defer func() {
			path := filepath.Join(o.keep, b.label+".out")
			if err := os.WriteFile(path, s.since(0), 0o644); err != nil {
				fmt.Fprintf(os.Stderr, "perfprobe: keep the output: %v\n", err)
			}
		}()
	}
	pid := s.cmd.Process.Pid
	add := func(metric, unit string, v float64) { rep.add(b.label, metric, unit, v) }

	// Start: the first frame with the header.
	if err := s.waitText(ctx, 0, o.timeout, headerText); err != nil {
		return err
	}
	at, _ := s.firstMatch(0, headerText)
	add("first_frame", "ms", ms(at.Sub(s.started)))

	// Environments, then main's apps, then the big app's runners.
	if err := s.waitText(ctx, 0, o.timeout, envsLoaded); err != nil {
		return err
	}
	m := s.mark()
	if _, err := s.send("\r"); err != nil {
		return err
	}
	if err := s.waitText(ctx, m, o.timeout, appsPane); err != nil {
		return err
	}
	if err := s.waitText(ctx, m, o.timeout, regexp.MustCompile(regexp.QuoteMeta(o.synth.App))); err != nil {
		return err
	}
	m = s.mark()
	pressed, err := s.send("\r")
	if err != nil {
		return err
	}
	if err := s.waitText(ctx, m, o.timeout, runnerRow); err != nil {
		return err
	}
	at, _ = s.firstMatch(m, runnerRow)
	opened := at
	add("open_runners", "ms", ms(at.Sub(pressed)))
	if err := s.waitText(ctx, m, o.timeout, runnersPane); err != nil {
		return err
	}

	// Unchanged data: a listing answered after the first one was shown,
	// so that change marks have cleared, then a quiet window.
	if err := waitListings(ctx, srv, srv.Listings()+2, o.timeout); err != nil {
		return err
	}
	if err := measureWindow(ctx, s, pid, o.idle, "idle", add); err != nil {
		return err
	}

	// Key presses while every poll changes rows.
	if err := srv.SetChurn(o.synth.Churn); err != nil {
		return err
	}
	if err := waitListings(ctx, srv, srv.Listings()+2, o.timeout); err != nil {
		return err
	}
	before := srv.Listings()
	lat, err := pressKeys(ctx, s, o.presses, o.gap)
	if err != nil {
		return err
	}
	add("key_p50", "ms", ms(percentile(lat, 50)))
	add("key_p95", "ms", ms(percentile(lat, 95)))
	add("key_max", "ms", ms(slices.Max(lat)))
	add("key_polls", "polls", float64(srv.Listings()-before))

	// The rest of the soak, still churning; then the memory it left.
	if rest := o.soak - time.Since(opened); rest > 0 {
		if err := measureWindow(ctx, s, pid, rest, "churn", add); err != nil {
			return err
		}
	}
	rss, peak, err := memory(pid)
	if err != nil {
		return err
	}
	add("soak", "s", time.Since(opened).Seconds())
	add("rss_after_soak", "MB", float64(rss)/(1<<20))
	add("rss_peak", "MB", float64(peak)/(1<<20))
	add("polls_total", "polls", float64(srv.Listings()))

	if err := s.quit(15 * time.Second); err != nil {
		return fmt.Errorf("quit: %w", err)
	}
	return nil
}

// measureWindow records what the program writes and the CPU it uses over
// d: bytes, frames and rewritten lines per second.
func measureWindow(ctx context.Context, s *session, pid int, d time.Duration, name string, add func(string, string, float64)) error {
	cpu, err := startCPU(pid)
	if err != nil {
		return err
	}
	m0, t0 := s.mark(), time.Now()
	if err := pause(ctx, s, d); err != nil {
		return err
	}
	out, secs := s.since(m0), time.Since(t0).Seconds()
	pct, err := cpu.percent()
	if err != nil {
		return err
	}
	frames, lines := frameStats(out)
	add(name+"_bytes_per_s", "B/s", float64(len(out))/secs)
	add(name+"_frames_per_s", "frames/s", float64(frames)/secs)
	add(name+"_lines_per_s", "lines/s", float64(lines)/secs)
	add(name+"_cpu", "%core", pct)
	return nil
}

// pressKeys presses j ten times, then k ten times, and so on, n presses
// gap apart as a person holding a key would, whether or not the program
// has answered, and returns the time from each press to the first byte
// written after it: presses that land in a stall each wait for its end. A
// frame that was coming anyway (a poll, a tick) can be taken for the
// answer, so the figures are a floor, most so at low percentiles.
func pressKeys(ctx context.Context, s *session, n int, gap time.Duration) ([]time.Duration, error) {
	sent := make([]time.Time, 0, n)
	start := time.Now()
	for i := range n {
		if err := pause(ctx, s, time.Until(start.Add(time.Duration(i)*gap))); err != nil {
			return nil, err
		}
		k := "j"
		if i/10%2 == 1 {
			k = "k"
		}
		at, err := s.send(k)
		if err != nil {
			return nil, err
		}
		sent = append(sent, at)
	}
	if _, err := s.firstAfter(ctx, sent[n-1], 10*time.Second); err != nil {
		return nil, err
	}
	lat := make([]time.Duration, n)
	for i, t := range sent {
		at, _ := s.chunkAfter(t) // there is one: the last press's answer came after it
		lat[i] = at.Sub(t)
	}
	return lat, nil
}

// pause waits d unless ctx ends or the program exits first.
func pause(ctx context.Context, s *session, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return fmt.Errorf("%w (%v)", errExited, s.err)
	}
}

// waitListings waits until the controller has answered n runner listings.
func waitListings(ctx context.Context, srv *synthctl.Server, n int, within time.Duration) error {
	deadline := time.Now().Add(within)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for srv.Listings() < n {
		if time.Now().After(deadline) {
			return fmt.Errorf("the dashboard made %d runner listings in %s, expected %d", srv.Listings(), within, n)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// percentile is the nearest-rank p-th percentile of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
