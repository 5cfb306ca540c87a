package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/faldash/faldash/internal/runnertest"
	"github.com/faldash/faldash/server"
)

// TestMain lets the test binary stand in for faldash as the runners'
// program: `serve --demo` runs `<its own binary> sample-runner ...`.
func TestMain(m *testing.M) {
	runnertest.Main(m, nil)
}

// invoke runs faldash's command line as main does, without exiting.
func invoke(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	status = ExitStatus(Run(ctx, args, &out, &errOut), &errOut)
	return out.String(), errOut.String(), status
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		out, errOut, status := invoke(t, args...)
		if status != 0 || out != "faldash "+versionString()+"\n" || errOut != "" {
			t.Errorf("%q: status %d, stdout %q, stderr %q", args, status, out, errOut)
		}
	}
}

func TestHelpGoesToStdout(t *testing.T) {
	want, _, _ := invoke(t, "-h")
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		out, errOut, status := invoke(t, args...)
		if status != 0 || errOut != "" || out != want {
			t.Errorf("%q: status %d, stderr %q, stdout differs from faldash -h's:\n%s", args, status, errOut, out)
		}
	}
	for _, part := range []string{"usage: faldash [flags]", "opens the dashboard", "flags:", "  --demo\n", "  --refresh duration\n", "(default 2s)", "commands:", "  serve ", "  deploy ", "  version "} {
		if !strings.Contains(want, part) {
			t.Errorf("faldash -h lacks %q:\n%s", part, want)
		}
	}
}

// Every command's -h is a usage: its synopsis, what it does, its flags.
func TestEveryCommandHasAUsage(t *testing.T) {
	for _, c := range commands() {
		if c.hidden {
			continue
		}
		out, errOut, status := invoke(t, c.name, "-h")
		if status != 0 || errOut != "" {
			t.Errorf("%s -h: status %d, stderr %q", c.name, status, errOut)
		}
		synopsis, rest, _ := strings.Cut(out, "\n\n")
		about, flagList, _ := strings.Cut(rest, "\n\n")
		if !strings.HasPrefix(synopsis, "usage: faldash "+c.name) || len(about) < 20 {
			t.Errorf("%s -h: synopsis %q, about %q", c.name, synopsis, about)
		}
		if c.name != "version" && !strings.HasPrefix(flagList, "flags:\n  --") {
			t.Errorf("%s -h lists no flags:\n%s", c.name, out)
		}
		if help, _, _ := invoke(t, "help", c.name); help != out {
			t.Errorf("faldash help %s differs from faldash %s -h:\n%s", c.name, c.name, help)
		}
	}
}

// A command line faldash cannot use is said once, with the way to the
// usage, and exits 2; the usage itself is not dumped.
func TestMisuseIsReportedOnceWithAHint(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--bogus"}, "faldash: flag provided but not defined: --bogus\nrun 'faldash serve -h' for usage\n"},
		{[]string{"--bogus"}, "faldash: flag provided but not defined: --bogus\nrun 'faldash -h' for usage\n"},
		{[]string{"--refresh", "soon"}, "faldash: invalid value \"soon\" for flag --refresh: parse error\nrun 'faldash -h' for usage\n"},
		{[]string{"deploy", "--app", "a", "--min-concurrency", "z", "--", "true"}, "faldash: invalid value \"z\" for flag --min-concurrency: want a whole number\nrun 'faldash deploy -h' for usage\n"},
		{[]string{"deploy", "--", "true"}, "faldash: --app is required\nrun 'faldash deploy -h' for usage\n"},
		{[]string{"serve", "extra"}, "faldash: serve takes no arguments, got [\"extra\"]\nrun 'faldash serve -h' for usage\n"},
		{[]string{"version", "x"}, "faldash: version takes no arguments\nrun 'faldash version -h' for usage\n"},
		{[]string{"frobnicate"}, "faldash: unknown command \"frobnicate\"\nrun 'faldash -h' for usage\n"},
	} {
		out, errOut, status := invoke(t, tc.args...)
		if status != 2 || out != "" || errOut != tc.want {
			t.Errorf("%q: status %d, stdout %q, stderr:\n%s\nwant:\n%s", tc.args, status, out, errOut, tc.want)
		}
	}
}

// A config file that cannot be used is named once in the error.
func TestConfigErrorNamesTheFileOnce(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	path := filepath.Join(dir, "faldash", "config.toml")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, config := range []string{"[keys]\n\"nope.x\" = \"X\"\n", "[keys\n", "[keys]\n\"apps.delete\" = \"q\"\n"} {
		if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		_, errOut, status := invoke(t, "--data", t.TempDir())
		if status != 1 || strings.Count(errOut, path) != 1 || strings.Count(errOut, "\n") != 1 {
			t.Errorf("config %q: status %d, stderr %q; want one line naming %s once", config, status, errOut, path)
		}
		// A clash is found in the panes' declared keys, before the dashboard starts.
		if strings.Contains(config, "apps.delete") && !strings.Contains(errOut, "live together in the apps pane") {
			t.Errorf("config %q: stderr %q does not name the clash", config, errOut)
		}
	}
}

// What faldash prints says "1 runner", never "1 runners": the deploy's
// log of a single-runner app reads right.
func TestDeployLogHasNoWrongPlural(t *testing.T) {
	ctl, addr, _ := startController(t, server.Config{Runtime: &noRuntime{}, GatewayURL: "http://127.0.0.1:7778"})
	var out bytes.Buffer
	err := Run(t.Context(), []string{"deploy", "--host", addr, "--key-file", ctl.KeyFile(), "--app", "one",
		"--min-concurrency", "1", "--max-concurrency", "1", "--max-multiplexing", "1", "--", "true"}, &out, io.Discard)
	if err != nil {
		t.Fatalf("deploy: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "(runners: min 1, max 1; requests per runner: 1; keep-alive: ") {
		t.Errorf("the deploy log does not give the scaling:\n%s", out.String())
	}
	if wrong := regexp.MustCompile(`\b1 [a-z]+s\b`).FindString(out.String()); wrong != "" {
		t.Errorf("the deploy log says %q:\n%s", wrong, out.String())
	}
}
