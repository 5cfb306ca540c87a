package client

import (
	"errors"
	"strings"
	"testing"
)

func TestRunnerLogsUnsupportedOnCloud(t *testing.T) {
	g := dialFake(t, newFake(), DialOptions{Kind: TargetCloud, Insecure: new(true)})
	_, err := g.RunnerLogs(t.Context(), "r-1", 10, false)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "REST") {
		t.Fatalf("cloud logs: %v", err)
	}
}

// A controller without the LocalController service answers UNIMPLEMENTED.
func TestRunnerLogsUnsupportedByController(t *testing.T) {
	g := dialFake(t, newFake(), DialOptions{Kind: TargetLocal})
	_, err := g.RunnerLogs(t.Context(), "r-1", 10, true)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "does not serve runner logs") {
		t.Fatalf("logs from a controller without the service: %v", err)
	}
}

func TestRunnerLogsNeedsID(t *testing.T) {
	g := dialFake(t, newFake(), DialOptions{Kind: TargetLocal})
	if _, err := g.RunnerLogs(t.Context(), "", 0, false); !errors.Is(err, ErrInvalid) {
		t.Fatalf("logs without an id: %v", err)
	}
}
