package supervisor

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/store"
)

// TestRunnerCannotReachTheDataDir deploys a runner that tries to read and
// write what a runner must never reach: the admin key, the database and
// its WAL, the pid records, the data directory itself, and another
// runner's working directory. Its own report (its log lines) must say
// that every attempt was refused, and nothing may have changed; writing
// in its own directories must work.
func TestRunnerCannotReachTheDataDir(t *testing.T) {
	t.Parallel()
	h := start(t, Config{})
	if !h.sup.Isolation().Confined() {
		t.Skipf("this kernel cannot confine runners: %v", h.sup.Isolation().LandlockErr)
	}
	h.deploy("main", "neighbour", helperCommand(t, "serve"), one())
	neighbour := h.waitRunners("main", "neighbour", "the neighbour IDLE", idle(1))[0]
	neighbourDir := filepath.Join(h.sup.runDir, string(neighbour.ID))
	if err := os.WriteFile(filepath.Join(neighbourDir, "notes"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	records, err := filepath.Glob(filepath.Join(h.dir, "pids", "*.json"))
	if err != nil || len(records) == 0 {
		t.Fatalf("no pid record to try: %v", err)
	}
	keyFile := filepath.Join(h.dir, server.AdminKeyFile)
	adminKey, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	forbidden := []string{
		keyFile,
		filepath.Join(h.dir, store.FileName),
		filepath.Join(h.dir, store.FileName+"-wal"),
		filepath.Join(h.dir, "pids"),
		records[0],
		h.dir,
		neighbourDir,
		filepath.Join(neighbourDir, "notes"),
	}
	argv := helperCommand(t, "serve", "--print-env")
	for _, f := range forbidden {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%s to try does not exist: %v", f, err)
		}
		argv = append(argv, "--try", f)
	}
	argv = append(argv, "--try", "$TMPDIR", "--try", "$HF_HOME")
	h.deploy("main", "nosy", argv, one())
	r := h.waitRunners("main", "nosy", "the nosy runner IDLE", idle(1))[0]

	report := map[string]string{}
	for _, l := range h.stdout(r.ID) {
		f := strings.Fields(l)
		if len(f) >= 3 && (f[0] == "read" || f[0] == "write") {
			report[f[0]+" "+f[1]] = strings.TrimSuffix(f[2], ":")
		}
	}
	tried, refused := 0, 0
	for _, f := range forbidden {
		for _, what := range []string{"read", "write"} {
			tried++
			switch got := report[what+" "+f]; got {
			case "refused":
				refused++
			case "":
				t.Errorf("the runner did not report trying to %s %s", what, f)
			default:
				t.Errorf("the runner could %s %s", what, f)
			}
		}
	}
	t.Logf("a confined runner tried to reach the data directory %d times: %d refused", tried, refused)
	env := h.runnerEnv(r.ID)
	for _, own := range []string{env["TMPDIR"], env["HF_HOME"]} {
		for _, what := range []string{"read", "write"} {
			if got := report[what+" "+own]; got != "ok" {
				t.Errorf("the runner could not %s its own %s: %q", what, own, got)
			}
		}
	}

	if b, err := os.ReadFile(keyFile); err != nil || !bytes.Equal(b, adminKey) {
		t.Errorf("admin.key after the runner: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(neighbourDir, "notes")); err != nil || string(b) != "mine" {
		t.Errorf("the neighbour's file: %q, %v", b, err)
	}
	for _, dir := range []string{h.dir, neighbourDir} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.Name() == "written-by-a-runner" {
				return errors.New(path)
			}
			return err
		})
		if err != nil {
			t.Errorf("the runner wrote %v", err)
		}
	}
}

// TestRunnerCannotReachOtherSecrets: whichever controller runs it, a
// runner cannot read the default controller's data directory, another
// controller's runner directories in the cache, or fal's own directory
// with the user's fal cloud credentials.
func TestRunnerCannotReachOtherSecrets(t *testing.T) {
	dataHome, cache, falHome := t.TempDir(), t.TempDir(), t.TempDir()
	t.Setenv("XDG_DATA_HOME", dataHome)
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("FAL_HOME_DIR", falHome)
	files := []string{
		filepath.Join(dataHome, "faldash", server.AdminKeyFile),
		filepath.Join(cache, "faldash", "0123456789abcdef", "hf", "main", "app", "token"),
		filepath.Join(falHome, "auth0_token"),
	}
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	h := start(t, Config{})
	if !h.sup.Isolation().Confined() {
		t.Skipf("this kernel cannot confine runners: %v", h.sup.Isolation().LandlockErr)
	}
	argv := helperCommand(t, "serve")
	for _, f := range files {
		argv = append(argv, "--try", f)
	}
	h.deploy("main", "nosy", argv, one())
	r := h.waitRunners("main", "nosy", "the nosy runner IDLE", idle(1))[0]
	out := strings.Join(h.stdout(r.ID), "\n")
	for _, f := range files {
		for _, what := range []string{"read", "write"} {
			if !strings.Contains(out, what+" "+f+" refused") {
				t.Errorf("the runner did not report being refused to %s %s:\n%s", what, f, out)
			}
		}
	}
}
