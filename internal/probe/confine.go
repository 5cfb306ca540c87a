package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/confine"
	"github.com/faldash/faldash/server/store"
)

func init() {
	Register(Section{Name: "confinement", Quick: true, Local: true, Run: probeConfinement})
}

// nosyScript tries to read and then write each path given after the data
// directory, and its own pid record, printing "probe read|write ok|refused PATH" for each, then "probe done",
// and stays up until it is stopped. (The writes redirect true, not ':': a
// failed redirection of a special built-in ends the shell.)
const nosyScript = `d=$1; shift
for f in "$@" "$d/pids/$FAL_JOB_ID.json"; do
  if [ -d "$f" ]; then ls "$f" >/dev/null 2>&1; else cat "$f" >/dev/null 2>&1; fi && r=ok || r=refused
  echo "probe read $r $f"
  if [ -d "$f" ]; then true >"$f/written-by-a-runner"; else true >>"$f"; fi 2>/dev/null && w=ok || w=refused
  echo "probe write $w $f"
done
echo "probe done"
exec sleep 100000`

// probeConfinement deploys a runner that tries to read and write the
// controller's data directory, its admin key, database, WAL and pid
// records, and counts every attempt that was not refused (as the runner
// itself reports it in its log) or that left a trace in the directory.
func probeConfinement(ctx context.Context, t *Target) (tried, misbehaved int, notes []string) {
	var tl Tally
	if _, err := confine.LandlockABI(); err != nil {
		tl.Note("skipped: this system cannot confine runners (%v), which the controller says at start", err)
		return tl.Result()
	}
	if t.REST == "" {
		tl.Check("read the runner's report", false, "the controller serves no REST API to read runner logs from")
		return tl.Result()
	}
	cl, err := client.Dial(client.DialOptions{
		Addr: t.GRPC, Kind: client.TargetLocal, RESTURL: t.REST,
		Credentials: client.Credentials{KeyID: t.KeyID, KeySecret: t.KeySecret},
	})
	if err != nil {
		tl.Check("dial the controller", false, "%v", err)
		return tl.Result()
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	targets := []string{
		filepath.Join(t.DataDir, server.AdminKeyFile),
		filepath.Join(t.DataDir, store.FileName),
		filepath.Join(t.DataDir, store.FileName+"-wal"),
		filepath.Join(t.DataDir, "pids"),
		t.DataDir,
	}
	app := t.Name("nosy")
	argv := append([]any{"/bin/sh", "-c", nosyScript, "sh", t.DataDir}, toAny(targets)...)
	if _, err := cl.Deploy(ctx, client.DeployRequest{
		App: app, Env: "main", Entrypoint: "nosy",
		Metadata: map[string]any{"command": argv},
		Scaling:  client.ScaleSpec{MinConcurrency: scaling.Int(1), MaxConcurrency: scaling.Int(1)},
	}, nil); err != nil {
		tl.Check("deploy the nosy runner", false, "%v", err)
		return tl.Result()
	}
	defer func() {
		dctx, dcancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer dcancel()
		_, _ = cl.DeleteAlias(dctx, "main", app)
	}()
	id, report, err := nosyReport(ctx, cl, app)
	if err != nil {
		tl.Check("read the runner's report", false, "%v", err)
		return tl.Result()
	}
	targets = append(targets, filepath.Join(t.DataDir, "pids", string(id)+".json"))
	refused := 0
	for _, f := range targets {
		rel, _ := filepath.Rel(t.DataDir, f)
		if rel == "." {
			rel = "the data directory"
		}
		for _, what := range []string{"read", "write"} {
			got := report[what+" "+f]
			tl.Check(what+" "+rel, got == "refused", "a confined runner reported %s", Quote(cmp.Or(got, "nothing")))
			if got == "refused" {
				refused++
			}
		}
	}
	tl.Note("a confined runner's %d attempts to read and write the data directory: %d refused", 2*len(targets), refused)
	var written []string
	_ = filepath.WalkDir(t.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "written-by-a-runner" {
			written = append(written, path)
		}
		return nil
	})
	tl.Check("no trace in the data directory", len(written) == 0, "the runner wrote %s", Quote(strings.Join(written, ", ")))
	return tl.Result()
}

// nosyReport waits for app's runner to say it is done, and returns its
// id and what it reported: "read PATH" and "write PATH" to "ok" or
// "refused".
func nosyReport(ctx context.Context, cl *client.GRPC, app string) (client.RunnerID, map[string]string, error) {
	var id client.RunnerID
	for id == "" {
		rs, err := cl.ListAppRunners(ctx, "main", app, client.RunnerQuery{IncludePending: true})
		if err != nil {
			return "", nil, err
		}
		for _, r := range rs {
			if r.State != client.StatePending {
				id = r.ID
			}
		}
		if id == "" {
			select {
			case <-ctx.Done():
				return "", nil, errors.New("the runner did not start")
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	stream, err := cl.RunnerLogs(ctx, id, client.LogQuery{Follow: true})
	if err != nil {
		return "", nil, err
	}
	report := map[string]string{}
	for {
		l, err := stream.Recv()
		if err != nil {
			return "", nil, fmt.Errorf("the runner's log ended before it was done: %w", err)
		}
		f := strings.SplitN(l.Message, " ", 4)
		if len(f) == 2 && f[0] == "probe" && f[1] == "done" {
			return id, report, nil
		}
		if len(f) == 4 && f[0] == "probe" {
			report[f[1]+" "+f[3]] = f[2]
		}
	}
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
