package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"time"

	"github.com/creack/pty"

	"github.com/faldash/faldash/internal/procfs"
	"github.com/faldash/faldash/server/localctl"
)

func init() {
	Register(Section{Name: "orphans", Local: true, Run: probeOrphans})
}

// escapingRunner is the shell line of a runner whose child leaves the
// runner's session and ignores SIGTERM, SIGHUP and SIGPIPE, before the
// runner serves as faldash's sample runner ($0).
const escapingRunner = `setsid sh -c 'trap "" TERM HUP PIPE; exec sleep 100000' </dev/null >/dev/null 2>&1 & exec "$0" sample-runner`

// orphanWait is how long every process of a controller killed with
// SIGKILL has to be gone.
const orphanWait = 5 * time.Second

// probeOrphans kills a real `faldash serve` with SIGKILL while its
// runners have children that escaped their session, and a real
// `faldash --demo` dashboard in a terminal once its runners are up, and
// counts what is still running 5 seconds later; then it checks that the
// next demo removes the directory the killed one left.
func probeOrphans(ctx context.Context, t *Target) (tried, misbehaved int, notes []string) {
	var tl Tally
	if t.Binary == nil {
		tl.Check("build faldash", false, "no faldash binary to run")
		return tl.Result()
	}
	exe, err := t.Binary()
	if err != nil {
		tl.Check("build faldash", false, "%v", err)
		return tl.Result()
	}
	if _, err := exec.LookPath("setsid"); err != nil {
		tl.Note("skipped: no setsid program to start an escaping child with")
		return tl.Result()
	}
	dir, err := os.MkdirTemp("", "faldash-probe-orphans-")
	if err != nil {
		tl.Check("make a directory", false, "%v", err)
		return tl.Result()
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	tree, err := serveWithEscapees(ctx, exe, dir)
	tl.Check("kill -9 of faldash serve", err == nil, "%v", err)
	if err == nil {
		left := procfs.Survivors(tree, orphanWait)
		tl.Check("kill -9 of faldash serve: nothing left", len(left) == 0, "%d of its %d processes still running %s later: %s", len(left), len(tree), orphanWait, describe(left))
		tl.Note("kill -9 of faldash serve: %d processes below it (runners and children in sessions of their own), %d left after %s", len(tree), len(left), orphanWait)
	}

	demoTmp := filepath.Join(dir, "demo-tmp")
	tree, demoDir, err := killedDemo(ctx, exe, demoTmp)
	tl.Check("kill -9 of faldash --demo", err == nil, "%v", err)
	if err == nil {
		left := procfs.Survivors(tree, orphanWait)
		tl.Check("kill -9 of faldash --demo: nothing left", len(left) == 0, "%d of its %d processes still running %s later: %s", len(left), len(tree), orphanWait, describe(left))
		tl.Note("kill -9 of faldash --demo: %d processes below it (the demo's runners, and a runner with a child in a session of its own), %d left after %s", len(tree), len(left), orphanWait)
		err := nextDemo(ctx, exe, demoTmp)
		_, statErr := os.Stat(demoDir)
		tl.Check("the next demo removes the killed one's directory", err == nil && errors.Is(statErr, os.ErrNotExist), "%v; the directory: %v", err, statErr)
	}
	return tl.Result()
}

func describe(ps []procfs.Stat) string {
	s := ""
	for _, p := range ps {
		s += fmt.Sprintf("pid %d (parent %d, session %d) ", p.Pid, p.PPid, p.Session)
	}
	return s
}

var listeningOn = regexp.MustCompile(`listening on (\S+)`)

// startServe starts `exe args...` and returns it once it says where it
// listens, with that address; its output is drained after that.
func startServe(ctx context.Context, exe string, env []string, args ...string) (*exec.Cmd, string, error) {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = env
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := listeningOn.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, out)
			return cmd, m[1], nil
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return nil, "", errors.New("faldash serve exited before it listened")
}

// serveWithEscapees runs `faldash serve` with two runners of
// escapingRunner, kills it with SIGKILL once both runners' children are
// in sessions of their own, and returns every process that was below it.
func serveWithEscapees(ctx context.Context, exe, dir string) ([]procfs.Stat, error) {
	data := filepath.Join(dir, "data")
	// The runners' directories too, which a killed controller leaves.
	env := append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"))
	cmd, addr, err := startServe(ctx, exe, env, "serve", "--listen", "127.0.0.1:0", "--gateway", "off", "--rest", "off", "--data", data)
	if err != nil {
		return nil, err
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	deploy := exec.CommandContext(ctx, exe, "deploy", "--host", addr, "--key-file", filepath.Join(data, "admin.key"),
		"--app", "escaper", "--min-concurrency", "2", "--max-concurrency", "2", "--", "/bin/sh", "-c", escapingRunner, exe)
	deploy.Env = env
	if out, err := deploy.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("faldash deploy: %v: %s", err, out)
	}
	self, err := procfs.Read(cmd.Process.Pid)
	if err != nil {
		return nil, err
	}
	tree, err := waitTree(ctx, cmd.Process.Pid, func(tree []procfs.Stat) bool {
		return procfs.OtherSessions(tree, self.Session) >= 2
	})
	if err != nil {
		return nil, fmt.Errorf("two runners with escaped children: %w", err)
	}
	return tree, cmd.Process.Kill()
}

// killedDemo runs `faldash --demo` in a terminal, with its temporary
// directory in tmp, deploys escapingRunner to its controller, kills it
// with SIGKILL once that runner's child is in a session of its own, and
// returns every process that was below it and the demo's directory.
func killedDemo(ctx context.Context, exe, tmp string) ([]procfs.Stat, string, error) {
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, "", err
	}
	env := append(os.Environ(), "TMPDIR="+tmp, "TERM=xterm-256color", "NO_COLOR=1", "FAL_KEY=", "FAL_KEY_ID=", "FAL_KEY_SECRET=",
		"FAL_CONFIG_PATH="+filepath.Join(tmp, "none.toml"), "XDG_CONFIG_HOME="+tmp)
	cmd := exec.CommandContext(ctx, exe, "--demo")
	cmd.Env = env
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 120, Rows: 40})
	if err != nil {
		return nil, "", err
	}
	defer tty.Close()
	go io.Copy(io.Discard, tty)
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	dash := cmd.Process.Pid
	var data string
	for data == "" {
		dirs, _ := filepath.Glob(filepath.Join(tmp, "faldash-demo-*", "data", localctl.EndpointsFile))
		if len(dirs) == 1 {
			data = filepath.Dir(dirs[0])
			break
		}
		select {
		case <-ctx.Done():
			return nil, "", fmt.Errorf("the demo's controller: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	ends, err := localctl.ReadEndpoints(data)
	if err != nil {
		return nil, "", err
	}
	deploy := exec.CommandContext(ctx, exe, "deploy", "--host", ends.GRPC, "--key-file", filepath.Join(data, "admin.key"),
		"--app", "escaper", "--min-concurrency", "1", "--", "/bin/sh", "-c", escapingRunner, exe)
	deploy.Env = env
	if out, err := deploy.CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("faldash deploy: %v: %s", err, out)
	}
	self, err := procfs.Read(dash)
	if err != nil {
		return nil, "", err
	}
	tree, err := waitTree(ctx, dash, func(tree []procfs.Stat) bool {
		shims := 0
		for _, p := range tree {
			if p.PPid == dash {
				shims++
			}
		}
		// The demo's own runners, and the escaper's child.
		return shims >= 2 && procfs.OtherSessions(tree, self.Session) >= 1
	})
	if err != nil {
		return nil, "", fmt.Errorf("the demo's runners: %w", err)
	}
	return tree, filepath.Dir(data), cmd.Process.Kill()
}

// nextDemo starts `faldash serve --demo` with its temporary directory in
// tmp, and stops it once it listens.
func nextDemo(ctx context.Context, exe, tmp string) error {
	cmd, _, err := startServe(ctx, exe, append(os.Environ(), "TMPDIR="+tmp), "serve", "--demo")
	if err != nil {
		return err
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	return cmd.Wait()
}

// waitTree polls pid's descendants until ready says they are all there.
func waitTree(ctx context.Context, pid int, ready func([]procfs.Stat) bool) ([]procfs.Stat, error) {
	for {
		tree, err := procfs.Descendants(pid)
		if err != nil {
			return nil, err
		}
		if ready(tree) {
			return tree, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
