package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/localctl"
)

// falCallTimeout bounds one call of fal's CLI, which takes a second or two
// (most of it Python starting).
const falCallTimeout = 90 * time.Second

// falCLIPath finds fal's own CLI: FALDASH_FALCLI, else ../shared/falcli/fal
// beside the repository, where CI puts it. Outside CI a missing CLI skips.
func falCLIPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("FALDASH_FALCLI")
	if path == "" {
		wd, err := os.Getwd() // the package directory, <repo>/internal/e2e
		if err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(wd, "..", "..", "..", "shared", "falcli", "fal")
	}
	if _, err := os.Stat(path); err != nil {
		if ci := os.Getenv("CI"); ci != "" && ci != "false" {
			t.Fatalf("fal's CLI must run in CI: %v (set FALDASH_FALCLI to its path)", err)
		}
		t.Skipf("fal's CLI is not at %s (set FALDASH_FALCLI to run this test): %v", path, err)
	}
	return path
}

// falCLI runs fal's CLI against one controller, with a fresh HOME and no
// FAL_* setting but the test's, so nothing of the person running the
// tests leaks in.
type falCLI struct {
	path string
	env  []string
}

func newFalCLI(t *testing.T, path string, ctl *controller, restURL string) *falCLI {
	t.Helper()
	return &falCLI{path: path, env: falEnv(t, ctl,
		// Plaintext gRPC and HTTP, as fal's own tests talk to a controller.
		"ISOLATE_TEST_MODE=1",
		// fal's own sign-in and teams calls go here; `fal runners logs` and
		// `fal queue size` send theirs to the gRPC address, which answers
		// them too.
		"FAL_REST_HOST="+strings.TrimPrefix(restURL, "http://"))}
}

// falEnv is the environment fal's CLI runs in against ctl, with its key
// and the settings given.
func falEnv(t *testing.T, ctl *controller, settings ...string) []string {
	t.Helper()
	key, err := os.ReadFile(ctl.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "FAL_") || strings.HasPrefix(name, "ISOLATE_") || name == "HOME" || name == "TZ" || name == "COLUMNS" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+t.TempDir(),
		"FAL_GRPC_HOST="+ctl.addr,
		"FAL_KEY="+strings.TrimSpace(string(key)),
		// fal reads "--since 1m" as local time, then takes it for UTC.
		"TZ=UTC",
		// Wide enough that rich never cuts the table cells the test reads.
		"COLUMNS=300")
	return append(env, settings...)
}

// runWithin runs fal with args and returns its standard output; anything
// but exit status 0 within the time fails the test.
func (f *falCLI) runWithin(t *testing.T, within time.Duration, args ...string) string {
	t.Helper()
	stdout, stderr, _, err := f.call(t, within, args...)
	if err != nil {
		t.Fatalf("fal %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout
}

// call runs fal with args, killed once within has passed, and returns
// what it wrote, its exit status and Run's error.
func (f *falCLI) call(t *testing.T, within time.Duration, args ...string) (stdout, stderr string, code int, err error) {
	ctx, cancel := context.WithTimeout(t.Context(), within)
	defer cancel()
	cmd := exec.CommandContext(ctx, f.path, args...)
	cmd.Env = f.env
	cmd.WaitDelay = 5 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err = cmd.Run(); err != nil && ctx.Err() != nil {
		err = fmt.Errorf("no answer within %s: %w", within, err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode(), err
}

func (f *falCLI) run(t *testing.T, args ...string) string {
	t.Helper()
	return f.runWithin(t, falCallTimeout, args...)
}

// json runs fal with args and --output json, and decodes what it prints.
func (f *falCLI) json(t *testing.T, v any, args ...string) {
	t.Helper()
	args = append(slices.Clip(args), "--output", "json")
	out := f.run(t, args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("fal %s printed no JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// What fal's CLI prints with --output json, as far as the test reads it.
type (
	falEnvironment struct {
		Name        string  `json:"name"`
		Description *string `json:"description"`
		IsDefault   bool    `json:"is_default"`
	}
	falApp struct {
		Alias       string `json:"alias"`
		Revision    string `json:"revision"`
		Environment string `json:"environment_name"`
	}
	falRunner struct {
		ID       string `json:"runner_id"`
		Alias    string `json:"alias"`
		Revision string `json:"revision"`
		State    string `json:"state"`
	}
	falLog struct {
		Message string `json:"message"`
	}
	falQueue struct {
		Size   int            `json:"size"`
		ByUser map[string]int `json:"by_user"`
	}
)

func (f *falCLI) runners(t *testing.T, args ...string) []falRunner {
	t.Helper()
	var out struct{ Runners []falRunner }
	f.json(t, &out, args...)
	return out.Runners
}

// logs runs `fal runners logs` for runner and returns the messages.
func (f *falCLI) logs(t *testing.T, runner string, args ...string) []string {
	t.Helper()
	var out struct{ Logs []falLog }
	f.json(t, &out, append([]string{"runners", "logs", runner}, args...)...)
	var ms []string
	for _, l := range out.Logs {
		ms = append(ms, l.Message)
	}
	return ms
}

func (f *falCLI) queue(t *testing.T, app string, args ...string) falQueue {
	t.Helper()
	var q falQueue
	f.json(t, &q, append([]string{"queue", "size", app}, args...)...)
	return q
}

// table reads the tables rich draws for commands without JSON output: one
// map from column to cell per row.
func table(out string) []map[string]string {
	cells := func(line, sep string) []string {
		cs := strings.Split(strings.Trim(line, sep), sep)
		for i := range cs {
			cs[i] = strings.TrimSpace(cs[i])
		}
		return cs
	}
	var head []string
	var rows []map[string]string
	inHead := false
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "┃"):
			// A narrow column's title takes more than one line.
			cs := cells(line, "┃")
			if inHead && len(cs) == len(head) {
				for i, c := range cs {
					head[i] = strings.TrimSpace(head[i] + " " + c)
				}
			} else {
				head = cs
			}
			inHead = true
		case strings.HasPrefix(line, "│") && head != nil:
			row := map[string]string{}
			for i, c := range cells(line, "│") {
				if i < len(head) {
					row[head[i]] = c
				}
			}
			rows = append(rows, row)
			inHead = false
		default:
			inHead = false
		}
	}
	return rows
}

// deployRevision deploys the sample runner with runnerArgs as a new
// revision of app and returns the revision's id.
func (c *controller) deployRevision(t *testing.T, env, app string, flags []string, runnerArgs ...string) string {
	t.Helper()
	args := append([]string{"deploy", "--host", c.addr, "--key-file", c.keyFile, "--app", app, "--env", env}, flags...)
	args = append(args, "--", exe, "sample-runner", "--setup-delay", "300ms")
	out, err := exec.Command(exe, append(args, runnerArgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("faldash deploy: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?m)^revision: (\S+)$`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("faldash deploy named no revision:\n%s", out)
	}
	return string(m[1])
}

// authorization is ctl's admin key as fal's Authorization header.
func (c *controller) authorization(t *testing.T) string {
	t.Helper()
	key, err := os.ReadFile(c.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return "Key " + strings.TrimSpace(string(key))
}

// serveURLs is where ctl serves fal's REST API and its user's apps.
func serveURLs(t *testing.T, ctl *controller) (restURL, appsURL string) {
	t.Helper()
	e, err := localctl.ReadEndpoints(ctl.dir)
	if err != nil {
		t.Fatal(err)
	}
	if e.REST == "" || e.Gateway == "" {
		t.Fatalf("faldash serve runs no REST API or gateway: %+v", e)
	}
	return e.REST, e.Gateway + "/" + server.DefaultUser
}

// liveRunners lists alias's runners that have not terminated.
func liveRunners(t *testing.T, cl client.Client, alias string) []client.Runner {
	rs, err := cl.ListRunners(t.Context(), client.RunnerQuery{})
	if err != nil {
		t.Logf("list runners: %v", err)
		return nil
	}
	var live []client.Runner
	for _, r := range rs {
		if r.Alias == alias && r.State != client.StateTerminated {
			live = append(live, r)
		}
	}
	return live
}

// waitSoleIdleRunner waits until alias has exactly one live runner, idle,
// on revision rev and not among old, and returns its id.
func waitSoleIdleRunner(t *testing.T, cl client.Client, alias, rev string, old ...string) string {
	t.Helper()
	var id string
	waitFor(t, 30*time.Second, "one new idle runner of "+alias+" on "+rev, func() bool {
		live := liveRunners(t, cl, alias)
		if len(live) != 1 || live[0].State != client.StateIdle || string(live[0].Revision) != rev || slices.Contains(old, string(live[0].ID)) {
			return false
		}
		id = string(live[0].ID)
		return true
	})
	return id
}

// request sends a request through the gateway, with auth as its
// Authorization header when given, and waits for the runner's answer.
func request(ctx context.Context, url, auth string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// fal's own CLI, pointed at `faldash serve` as fal's tests point it at a
// local controller, manages environments, secrets, apps and runners and
// reads runner logs and queue sizes, exiting 0 with the output it shows
// for fal cloud. One controller serves every step, and each step builds
// on the last: a call of fal's CLI costs a second or two.
func TestFalCLIAgainstServe(t *testing.T) {
	path := falCLIPath(t)
	ctl := startServe(t)
	restURL, appsURL := serveURLs(t, ctl)
	fal := newFalCLI(t, path, ctl, restURL)
	cl := ctl.dial(t)
	ctx := t.Context()
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("environments create and list", func(t *testing.T) {
		// The first call may install the Debian packages fal needs.
		out := fal.runWithin(t, 10*time.Minute, "environments", "create", "staging", "--description", "fal cli e2e")
		if !strings.Contains(out, "Created environment 'staging'") {
			t.Errorf("create said %q", out)
		}
		var list struct{ Environments []falEnvironment }
		fal.json(t, &list, "environments", "list")
		envs := list.Environments
		if len(envs) != 2 || envs[0].Name != "main" || !envs[0].IsDefault || envs[1].Name != "staging" || envs[1].IsDefault ||
			envs[1].Description == nil || *envs[1].Description != "fal cli e2e" {
			t.Errorf("environments: %+v", envs)
		}
	})

	step("secrets set, unset, list", func(t *testing.T) {
		fal.run(t, "secrets", "set", "--env", "staging", "FIRST=value-one-c4f1", "SECOND=value-two-9ab2")
		for env, want := range map[string]int{"staging": 2, "main": 0} {
			if ss, err := cl.ListSecrets(ctx, env); err != nil || len(ss) != want {
				t.Errorf("%s's secrets after set: %+v, %v; want %d", env, ss, err, want)
			}
		}
		fal.run(t, "secrets", "unset", "--env", "staging", "SECOND")
		var list struct{ Secrets []json.RawMessage }
		fal.json(t, &list, "secrets", "list", "--env", "staging")
		var s struct{ Name, Environment string }
		if len(list.Secrets) != 1 || json.Unmarshal(list.Secrets[0], &s) != nil || s.Name != "FIRST" || s.Environment != "staging" {
			t.Errorf("staging's secrets after unset: %s", list.Secrets)
		}
		if strings.Contains(fmt.Sprint(list.Secrets), "value-") {
			t.Errorf("secrets list shows a value: %s", list.Secrets)
		}
	})

	const alias = "echo--staging"
	var rev1, rev2, runner string
	step("apps list, list-rev, set-rev", func(t *testing.T) {
		scaling := []string{"--min-concurrency", "1", "--max-concurrency", "2", "--keep-alive", "300"}
		rev1 = ctl.deployRevision(t, "staging", "echo", scaling)
		rev2 = ctl.deployRevision(t, "staging", "echo", scaling)
		var list struct{ Apps []falApp }
		fal.json(t, &list, "apps", "list", "--env", "staging")
		if a := list.Apps; len(a) != 1 || a[0].Alias != alias || a[0].Revision != rev2 || a[0].Environment != "staging" {
			t.Errorf("staging's apps after two deploys: %+v, want %s on %s", a, alias, rev2)
		}
		var revs []string
		for _, row := range table(fal.run(t, "apps", "list-rev", "echo", "--env", "staging")) {
			revs = append(revs, row["Revision"])
		}
		want := []string{rev1, rev2}
		slices.Sort(revs)
		slices.Sort(want)
		if !slices.Equal(revs, want) {
			t.Errorf("list-rev shows %q, want %s and %s", revs, rev1, rev2)
		}
		if rows := table(fal.run(t, "apps", "set-rev", "echo", rev1, "--env", "staging")); len(rows) != 1 || rows[0]["Revision"] != rev1 {
			t.Errorf("set-rev shows %q, want %s", rows, rev1)
		}
		runner = waitSoleIdleRunner(t, cl, alias, rev1)
	})

	step("apps scale", func(t *testing.T) {
		out := fal.run(t, "apps", "scale", "echo", "--env", "staging",
			"--min-concurrency", "1", "--max-concurrency", "3", "--keep-alive", "120", "--max-multiplexing", "2")
		want := map[string]string{"Name": "echo", "Env": "staging", "Revision": rev1,
			"Min Concurrency": "1", "Max Concurrency": "3", "Keep Alive": "120", "Max Multiplexing": "2"}
		rows := table(out)
		for col, v := range want {
			if len(rows) != 1 || rows[0][col] != v {
				t.Errorf("scale shows %s %q, want %q:\n%s", col, rows, v, out)
			}
		}
	})

	step("apps runners and rollout", func(t *testing.T) {
		rs := fal.runners(t, "apps", "runners", "echo", "--env", "staging")
		if len(rs) != 1 || rs[0].ID != runner || rs[0].Alias != alias || rs[0].Revision != rev1 || rs[0].State != "IDLE" {
			t.Fatalf("apps runners: %+v, want %s idle on %s", rs, runner, rev1)
		}
		if out := fal.run(t, "apps", "rollout", "echo", "--env", "staging"); !strings.Contains(out, "Rolled out application echo") {
			t.Errorf("rollout said %q", out)
		}
		runner = waitSoleIdleRunner(t, cl, alias, rev1, runner)
	})

	step("runners list", func(t *testing.T) {
		rs := fal.runners(t, "runners", "list")
		if len(rs) != 1 || rs[0].ID != runner || rs[0].Alias != alias || rs[0].Revision != rev1 || rs[0].State != "IDLE" {
			t.Errorf("runners list: %+v, want the rolled out runner %s idle", rs, runner)
		}
	})

	step("runners logs", func(t *testing.T) { testFalRunnerLogs(t, fal, appsURL+"/"+alias, ctl.authorization(t), runner) })

	step("runners stop and kill", func(t *testing.T) {
		stopped := runner
		fal.run(t, "runners", "stop", stopped)
		runner = waitSoleIdleRunner(t, cl, alias, rev1, stopped)
		killed := runner
		fal.run(t, "runners", "kill", killed)
		runner = waitSoleIdleRunner(t, cl, alias, rev1, stopped, killed)
		rs, err := cl.ListRunners(ctx, client.RunnerQuery{TerminatedSince: time.Now().Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		ended := map[string]client.RunnerState{}
		for _, r := range rs {
			ended[string(r.ID)] = r.State
		}
		if ended[stopped] != client.StateTerminated || ended[killed] != client.StateTerminated {
			t.Errorf("runners: %v, want %s and %s terminated", ended, stopped, killed)
		}
		// A runner's logs stay readable once it has ended, up to its end.
		if got := fal.logs(t, stopped); len(got) == 0 || got[len(got)-1] != "teardown: done, exiting" {
			t.Errorf("the stopped runner's logs end with %q, want its teardown", got)
		}
	})

	step("queue size", func(t *testing.T) { testFalQueueSize(t, fal, ctl, cl, appsURL) })

	step("environments delete", func(t *testing.T) {
		if out := fal.run(t, "environments", "delete", "staging", "--yes"); !strings.Contains(out, "Deleted environment 'staging'") {
			t.Errorf("delete said %q", out)
		}
		envs, err := cl.ListEnvironments(ctx)
		if err != nil || len(envs) != 1 || envs[0].Name != "main" {
			t.Errorf("environments after delete: %+v, %v", envs, err)
		}
	})
}

// testFalRunnerLogs has runner write lines (the sample runner logs each
// request it serves) and reads them with `fal runners logs`.
func testFalRunnerLogs(t *testing.T, fal *falCLI, appURL, auth, runner string) {
	mark := func(n int) string {
		t.Helper()
		if err := request(t.Context(), fmt.Sprintf("%s/mark-%d", appURL, n), auth); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf(`GET "/mark-%d" 200 in 0s`, n)
	}
	const running = "FAL_RUNNER_STATE=RUNNING: "
	m1 := mark(1)
	waitFor(t, 30*time.Second, "the first mark in the runner's logs", func() bool {
		all := fal.logs(t, runner)
		i := slices.IndexFunc(all, func(s string) bool { return strings.HasPrefix(s, running) })
		return i >= 0 && slices.Equal(all[i+1:], []string{m1})
	})
	// Every line from here on is newer than since.
	since := time.Now().UTC()
	m2, m3 := mark(2), mark(3)
	waitFor(t, 30*time.Second, "--lines 2 to show the newest two lines", func() bool {
		return slices.Equal(fal.logs(t, runner, "--lines", "2"), []string{m2, m3})
	})

	// The reads run side by side: each spends a second or so starting Python.
	t.Run("read", func(t *testing.T) {
		t.Run("text", func(t *testing.T) {
			t.Parallel()
			// Without --output json, fal prints the history reversed: newest
			// first.
			text := fal.run(t, "runners", "logs", runner)
			at := func(s string) int {
				k := strings.Index(text, s)
				if k < 0 {
					t.Errorf("the output lacks %q:\n%s", s, text)
				}
				return k
			}
			if a, b, c, d := at(m3), at(m2), at(m1), at(running); !(a < b && b < c && c < d) {
				t.Errorf("the output is not newest first:\n%s", text)
			}
		})
		t.Run("search", func(t *testing.T) {
			t.Parallel()
			if got := fal.logs(t, runner, "--search", "mark-2"); !slices.Equal(got, []string{m2}) {
				t.Errorf("--search mark-2: %q", got)
			}
		})
		t.Run("since", func(t *testing.T) {
			t.Parallel()
			iso := since.Format("2006-01-02T15:04:05.000000") + "+00:00"
			if got := fal.logs(t, runner, "--since", iso); !slices.Equal(got, []string{m2, m3}) {
				t.Errorf("--since %s: %q, want the lines after it", iso, got)
			}
		})
	})

	t.Run("follow", func(t *testing.T) {
		// fal follows from a minute back: the lines so far, then new ones.
		f := fal.follow(t, runner)
		f.waitFor(t, m3)
		m4, m5 := mark(4), mark(5)
		f.waitFor(t, m5)
		if got := f.stop(); len(got) < 5 || !slices.Equal(got[len(got)-5:], []string{m1, m2, m3, m4, m5}) {
			t.Errorf("--follow printed %q", got)
		}
	})
}

// falFollow is a running `fal runners logs --follow --output json`, which
// prints a JSON line per log line and ends only when stopped.
type falFollow struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once its output has ended
	mu   sync.Mutex
	seen []string
}

func (f *falCLI) follow(t *testing.T, runner string) *falFollow {
	t.Helper()
	ff := &falFollow{cmd: exec.Command(f.path, "runners", "logs", runner, "--follow", "--output", "json"), done: make(chan struct{})}
	ff.cmd.Env = f.env
	out, err := ff.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := ff.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ff.stop() })
	go func() {
		defer close(ff.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var l falLog
			if json.Unmarshal(sc.Bytes(), &l) == nil {
				ff.mu.Lock()
				ff.seen = append(ff.seen, l.Message)
				ff.mu.Unlock()
			}
		}
	}()
	return ff
}

func (ff *falFollow) waitFor(t *testing.T, message string) {
	t.Helper()
	waitFor(t, 30*time.Second, "fal --follow to print "+message, func() bool {
		ff.mu.Lock()
		defer ff.mu.Unlock()
		return slices.Contains(ff.seen, message)
	})
}

// stop kills the follow and returns the messages it printed.
func (ff *falFollow) stop() []string {
	if ff.cmd.ProcessState == nil {
		ff.cmd.Process.Kill()
		<-ff.done
		ff.cmd.Wait() // killed: its error is expected
	}
	ff.mu.Lock()
	defer ff.mu.Unlock()
	return slices.Clone(ff.seen)
}

// testFalQueueSize holds requests in the gateway's queue of an app whose
// one runner serves one request at a time, and reads the queue with `fal
// queue size`. The app is public, so that a request without a key is a
// second caller (anonymous) beside the controller's account.
func testFalQueueSize(t *testing.T, fal *falCLI, ctl *controller, cl client.Client, appsURL string) {
	rev := ctl.deployRevision(t, "main", "slow", []string{"--min-concurrency", "1", "--max-concurrency", "1", "--max-multiplexing", "1", "--auth", "public"},
		"--latency", "10m")
	key := ctl.authorization(t)
	waitSoleIdleRunner(t, cl, "slow", rev)
	if q := fal.queue(t, "slow"); q.Size != 0 {
		t.Errorf("the queue of an idle app: %+v", q)
	}

	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // ends the requests, served or waiting
	send := func(auth string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			request(ctx, appsURL+"/slow", auth)
		}()
	}
	send(key)
	waitFor(t, 30*time.Second, "the runner to take the first request", func() bool {
		live := liveRunners(t, cl, "slow")
		return len(live) == 1 && live[0].InFlight == 1
	})
	send(key)
	send("")
	var q falQueue
	waitFor(t, 30*time.Second, "fal to report two waiting requests", func() bool {
		q = fal.queue(t, "slow", "--by-user")
		return q.Size == 2
	})
	if len(q.ByUser) != 2 || q.ByUser[server.DefaultUser] != 1 || q.ByUser["anonymous"] != 1 {
		t.Errorf("queue by user: %+v, want %s and anonymous one each", q, server.DefaultUser)
	}
}
