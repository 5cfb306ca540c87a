package cli

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestSampleRunnerIsHiddenButRuns(t *testing.T) {
	var out bytes.Buffer
	if err := Run(t.Context(), []string{"help"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "sample-runner") {
		t.Errorf("usage lists the hidden sample-runner:\n%s", out.String())
	}
	var stderr bytes.Buffer
	err := Run(t.Context(), []string{"sample-runner", "--fail-rate", "2"}, io.Discard, &stderr)
	var code exitCode
	if !errors.As(err, &code) || code != 2 || !strings.Contains(stderr.String(), "--fail-rate") {
		t.Errorf("sample-runner with a bad flag: %v, stderr %q", err, stderr.String())
	}
}
