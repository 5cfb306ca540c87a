//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/synthctl"
)

// listOptions shape the comparison of listings with fal's own client.
type listOptions struct {
	synth   synthctl.Config
	fal     string     // fal's CLI wrapper (../shared/falcli/fal); empty: skip fal
	listers []labelled // binaries with perfprobe's ls command
	repeat  int
	timeout time.Duration // for one listing
}

// falSDKListing times the call `fal runners list` makes, inside Python, so
// that the interpreter's start and imports are left out as the Go side's
// are.
const falSDKListing = `
import json, time
from fal.api.client import SyncServerlessClient
c = SyncServerlessClient()
t = time.perf_counter()
rs = c.runners.list()
print(json.dumps({"runners": len(rs), "call_s": time.perf_counter() - t}))
`

// runList lists every runner of the synthetic account with fal's client
// (its SDK call, and its CLI printing JSON) and with each lister, against
// one controller in one run, repeat times in turn, and reports medians and
// the ratio of each lister to fal.
func runList(ctx context.Context, o listOptions, rep *report) error {
	srv, home, keyFile, stop, err := steadyController(o.synth)
	if err != nil {
		return err
	}
	defer stop()
	want := srv.TotalRunners()
	call := map[string][]float64{}
	cli := map[string][]float64{}
	for range o.repeat {
		for _, l := range o.listers {
			out, errOut, wall, err := timed(ctx, o.timeout, exec.Command(l.path, "ls", "--host", srv.Addr(), "--key-file", keyFile), nil)
			if err != nil {
				return fmt.Errorf("%s: %w: %s", l.label, err, errOut)
			}
			if err := countRunners(l.label, out, want); err != nil {
				return err
			}
			m := callLine.FindSubmatch(errOut)
			if m == nil {
				return fmt.Errorf("%s ls did not report its call time: %s", l.label, errOut)
			}
			v, _ := strconv.ParseFloat(string(m[1]), 64)
			call[l.label] = append(call[l.label], v)
			cli[l.label] = append(cli[l.label], ms(wall))
		}
		if o.fal == "" {
			continue
		}
		key, err := os.ReadFile(keyFile)
		if err != nil {
			return err
		}
		env := []string{
			"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C.UTF-8",
			"ISOLATE_TEST_MODE=1", "FAL_GRPC_HOST=" + srv.Addr(), "FAL_KEY=" + string(bytes.TrimSpace(key)),
		}
		if sdk, err := falSDK(ctx, o, env, want); err != nil {
			fmt.Fprintf(os.Stderr, "perfprobe: fal's SDK call not measured: %v\n", err)
		} else {
			call["fal"] = append(call["fal"], sdk)
		}
		out, errOut, wall, err := timed(ctx, o.timeout, exec.Command(o.fal, "runners", "list", "--output", "json"), env)
		if err != nil {
			return fmt.Errorf("fal runners list: %w: %s", err, errOut)
		}
		if err := countRunners("fal runners list", out, want); err != nil {
			return err
		}
		cli["fal"] = append(cli["fal"], ms(wall))
	}
	labels := []string{}
	for _, l := range o.listers {
		labels = append(labels, l.label)
	}
	if o.fal != "" {
		labels = append(labels, "fal")
	}
	for _, l := range labels {
		if v, ok := median(call[l]); ok {
			rep.add(l, "list_call", "ms", v)
		}
		if v, ok := median(cli[l]); ok {
			rep.add(l, "list_cli", "ms", v)
		}
	}
	for _, l := range o.listers {
		for metric, m := range map[string]map[string][]float64{"list_call_vs_fal": call, "list_cli_vs_fal": cli} {
			a, okA := median(m[l.label])
			f, okF := median(m["fal"])
			if okA && okF && f > 0 {
				rep.add(l.label, metric, "x", a/f)
			}
		}
	}
	rep.add("fal", "list_runners", "runners", float64(want))
	return nil
}

var callLine = regexp.MustCompile(`call_ms=([0-9.]+)`)

// falSDK runs falSDKListing with the Python and the sources fal's CLI
// wrapper uses (see ../shared/falcli/fal), and returns the call's time in
// milliseconds.
func falSDK(ctx context.Context, o listOptions, env []string, want int) (float64, error) {
	dir := filepath.Dir(o.fal)
	site, deps := filepath.Join(dir, "py", "site"), filepath.Join(dir, "py", "deps")
	if _, err := os.Stat(site); err != nil {
		return 0, fmt.Errorf("no fal sources beside %s: %w", o.fal, err)
	}
	env = append(slices.Clone(env), "PYTHONPATH="+site+":"+deps, "PYTHONDONTWRITEBYTECODE=1")
	out, errOut, _, err := timed(ctx, o.timeout, exec.Command("/usr/bin/python3", "-c", falSDKListing), env)
	if err != nil {
		return 0, fmt.Errorf("%w: %s", err, errOut)
	}
	var res struct {
		Runners int     `json:"runners"`
		CallS   float64 `json:"call_s"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		return 0, fmt.Errorf("read its answer %q: %w", out, err)
	}
	if res.Runners != want {
		return 0, fmt.Errorf("it listed %d runners, want %d", res.Runners, want)
	}
	return res.CallS * 1000, nil
}

// timed runs cmd to its end (at most within) and returns its output and
// how long it took from start to exit.
func timed(ctx context.Context, within time.Duration, cmd *exec.Cmd, env []string) (stdout, stderr []byte, wall time.Duration, err error) {
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if env != nil {
		cmd.Env = env
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, nil, 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(within)
	defer timer.Stop()
	select {
	case err = <-done:
		wall = time.Since(start)
	case <-timer.C:
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		err = fmt.Errorf("still running after %s", within)
	case <-ctx.Done():
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		err = ctx.Err()
	}
	return out.Bytes(), errOut.Bytes(), wall, err
}

// countRunners checks that a listing printed as JSON holds want runners,
// so a tool that failed quietly is not timed as a fast one.
func countRunners(who string, out []byte, want int) error {
	if n := bytes.Count(out, []byte(`"runner_id"`)); n != want {
		return fmt.Errorf("%s listed %d runners, want %d", who, n, want)
	}
	return nil
}

func median(vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// listedRunner is a runner as `fal runners list --output json` prints it.
type listedRunner struct {
	Alias               string `json:"alias"`
	MachineType         string `json:"machine_type"`
	RunnerID            string `json:"runner_id"`
	InFlightRequests    int    `json:"in_flight_requests"`
	ExpirationCountdown *int   `json:"expiration_countdown"`
	UptimeSeconds       int    `json:"uptime_seconds"`
	Revision            string `json:"revision"`
	State               string `json:"state"`
	Replacement         string `json:"replacement"`
}

var replaceNames = map[client.ReplaceState]string{
	client.NoReplace:   "NO_REPLACE",
	client.WillReplace: "WILL_REPLACE",
	client.DidReplace:  "DID_REPLACE",
}

// runLs is faldash's equivalent of `fal runners list --output json`: one
// ListRunners through faldash's client, printed as fal prints it. The
// call's own time goes to stderr as call_ms=N.
func runLs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("perfprobe ls", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", "", "controller address")
	keyFile := fs.String("key-file", "", "file holding key_id:key_secret")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *host == "" || *keyFile == "" {
		return fmt.Errorf("ls needs --host and --key-file")
	}
	creds, err := client.ReadKeyFile(*keyFile)
	if err != nil {
		return err
	}
	start := time.Now()
	cl, err := client.Dial(client.DialOptions{Addr: *host, Credentials: creds, Kind: client.TargetLocal, CallTimeout: 5 * time.Minute})
	if err != nil {
		return err
	}
	defer cl.Close()
	rs, err := cl.ListRunners(ctx, client.RunnerQuery{IncludePending: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "call_ms=%.1f\n", ms(time.Since(start)))
	out := struct {
		Runners []listedRunner `json:"runners"`
	}{Runners: make([]listedRunner, len(rs))}
	for i, r := range rs {
		lr := listedRunner{
			Alias: r.Alias, MachineType: r.MachineType, RunnerID: string(r.ID), InFlightRequests: r.InFlight,
			UptimeSeconds: int(r.Uptime / time.Second), Revision: string(r.Revision), State: string(r.State),
			Replacement: replaceNames[r.Replacement],
		}
		if r.ExpiresIn != nil {
			s := int(*r.ExpiresIn / time.Second)
			lr.ExpirationCountdown = &s
		}
		out.Runners[i] = lr
	}
	w := bufio.NewWriterSize(stdout, 1<<20)
	if err := json.NewEncoder(w).Encode(out); err != nil {
		return err
	}
	return w.Flush()
}
