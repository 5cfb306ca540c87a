package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/server"
)

// logRuntime runs no runners but keeps output for a fixed set of runner
// ids; lines sent on live reach every follower.
type logRuntime struct {
	mu        sync.Mutex
	kept      map[string][]server.LogEntry
	live      chan server.LogEntry
	following chan struct{}
}

func (*logRuntime) Start(context.Context, server.Host) error           { return nil }
func (*logRuntime) Stop(context.Context) error                         { return nil }
func (*logRuntime) AppChanged(context.Context, server.AppRef) error    { return nil }
func (*logRuntime) AppRemoved(context.Context, server.AppRef) error    { return nil }
func (*logRuntime) Rollout(context.Context, server.AppRef, bool) error { return nil }
func (*logRuntime) Runners(server.RunnerFilter) []*falpb.RunnerInfo    { return nil }
func (*logRuntime) StopRunner(context.Context, string, bool) error     { return server.ErrNoRunner }
func (*logRuntime) KillRunner(context.Context, string) error           { return server.ErrNoRunner }
func (*logRuntime) Rolling(server.AppRef) bool                         { return false }

func (r *logRuntime) RunnerLogs(ctx context.Context, id string, tail int, follow bool) ([]server.LogEntry, <-chan server.LogEntry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	kept, ok := r.kept[id]
	if !ok {
		return nil, nil, fmt.Errorf("runner %q: %w", id, server.ErrNoRunner)
	}
	if tail > 0 && tail < len(kept) {
		kept = kept[len(kept)-tail:]
	}
	if !follow {
		return kept, nil, nil
	}
	r.following <- struct{}{}
	return kept, r.live, nil
}

var t0 = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

func startLogController(t *testing.T) (*client.GRPC, *logRuntime) {
	t.Helper()
	rt := &logRuntime{
		kept: map[string][]server.LogEntry{
			"r-1": {
				{Time: t0, Stream: "stdout", Line: "starting"},
				{Time: t0.Add(time.Second), Stream: "stderr", Line: "warning: slow disk"},
				{Time: t0.Add(2 * time.Second), Stream: "stdout", Line: "ready"},
			},
			"quiet": nil,
		},
		live:      make(chan server.LogEntry, 4),
		following: make(chan struct{}, 4),
	}
	ctl, err := server.Open(server.Config{DataDir: t.TempDir(), Runtime: rt})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := server.Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- ctl.Serve(lis) }()
	id, secret := ctl.AdminKey()
	g, err := client.Dial(client.DialOptions{Addr: lis.Addr().String(), Kind: client.TargetLocal,
		Credentials: client.Credentials{KeyID: id, KeySecret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		g.Close()
		if err := ctl.Close(); err != nil {
			t.Error(err)
		}
		if err := <-served; err != nil {
			t.Error(err)
		}
	})
	return g, rt
}

func readAll(s client.LogStream) ([]client.LogLine, error) {
	var out []client.LogLine
	for {
		l, err := s.Recv()
		if err != nil {
			return out, err
		}
		out = append(out, l)
	}
}

func TestRunnerLogsThroughController(t *testing.T) {
	g, _ := startLogController(t)
	s, err := g.RunnerLogs(t.Context(), "r-1", 2, false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(s)
	if !errors.Is(err, io.EOF) {
		t.Fatalf("end of logs: %v", err)
	}
	want := []client.LogLine{
		{Time: t0.Add(time.Second), Source: "user", Level: "stderr", Message: "warning: slow disk"},
		{Time: t0.Add(2 * time.Second), Source: "user", Level: "stdout", Message: "ready"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) || got[i].Source != want[i].Source || got[i].Level != want[i].Level || got[i].Message != want[i].Message {
			t.Errorf("line %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := s.Recv(); !errors.Is(err, io.EOF) {
		t.Errorf("Recv after the end: %v", err)
	}

	s, err = g.RunnerLogs(t.Context(), "r-1", 0, false)
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := readAll(s); len(all) != 3 {
		t.Errorf("tail 0 gave %d lines, want all 3", len(all))
	}
}

func TestRunnerLogsUnknownRunner(t *testing.T) {
	g, _ := startLogController(t)
	_, err := g.RunnerLogs(t.Context(), "r-404", 0, true)
	if !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("unknown runner: %v", err)
	}
}

// A follow of a runner with nothing kept yet returns at once and then
// delivers what the runner writes, until the caller's context ends.
func TestRunnerLogsFollow(t *testing.T) {
	g, rt := startLogController(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s, err := g.RunnerLogs(ctx, "quiet", 0, true)
	if err != nil {
		t.Fatal(err)
	}
	<-rt.following
	rt.live <- server.LogEntry{Time: t0, Stream: "stdout", Line: "hello"}
	l, err := s.Recv()
	if err != nil || l.Message != "hello" || l.Level != "stdout" {
		t.Fatalf("followed line %+v, %v", l, err)
	}
	cancel()
	if _, err := s.Recv(); !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %v", err)
	}
}

func TestRunnerLogsFollowEndsWithOutput(t *testing.T) {
	g, rt := startLogController(t)
	s, err := g.RunnerLogs(t.Context(), "r-1", 1, true)
	if err != nil {
		t.Fatal(err)
	}
	<-rt.following
	close(rt.live)
	got, err := readAll(s)
	if !errors.Is(err, io.EOF) || len(got) != 1 || got[0].Message != "ready" {
		t.Fatalf("follow until the output ends: %+v, %v", got, err)
	}
}
