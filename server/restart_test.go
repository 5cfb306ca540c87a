package server

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/local"
	"google.golang.org/protobuf/proto"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/server/store"
)

// snapshot is everything the API shows, for comparing before and after a
// restart.
func snapshot(t *testing.T, h *harness) []proto.Message {
	t.Helper()
	ctx := h.ctx()
	out := []proto.Message{must(h.cl.ListEnvironments(ctx, &falpb.ListEnvironmentsRequest{})).get(t)}
	for _, e := range out[0].(*falpb.ListEnvironmentsResponse).GetEnvironments() {
		env := ptr(e.GetName())
		out = append(out,
			must(h.cl.ListAliases(ctx, &falpb.ListAliasesRequest{EnvironmentName: env})).get(t),
			must(h.cl.ListApplications(ctx, &falpb.ListApplicationsRequest{EnvironmentName: env})).get(t),
			must(h.cl.ListSecrets(ctx, &falpb.ListSecretsRequest{EnvironmentName: env})).get(t))
	}
	return out
}

func TestRestartKeepsEverything(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	h := startIn(t, dir)
	ctx := h.ctx()
	createEnv(t, h, "staging")
	h.deploy("staging", "my-app", &falpb.MachineRequirements{MaxConcurrency: i32p(4), MachineTypes: []string{"GPU"}})
	h.deploy("main", "other", nil)
	must(h.cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: "my-app", EnvironmentName: ptr("staging"),
		MinConcurrency: i32p(1), ConcurrencyBufferPerc: i32p(50)})).get(t)
	must(h.cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: "TOKEN", Value: ptr("staging-token"), EnvironmentName: ptr("staging")})).get(t)
	before := snapshot(t, h)
	id, secret := h.ctl.AdminKey()
	if err := h.ctl.Close(); err != nil {
		t.Fatal(err)
	}

	h2 := startIn(t, dir)
	if id2, secret2 := h2.ctl.AdminKey(); id2 != id || secret2 != secret {
		t.Fatal("the admin key changed across a restart")
	}
	after := snapshot(t, h2)
	if len(after) != len(before) {
		t.Fatalf("%d listings before, %d after", len(before), len(after))
	}
	for i := range before {
		if !proto.Equal(before[i], after[i]) {
			t.Errorf("after restart\n got %v\nwant %v", after[i], before[i])
		}
	}
	if v := must(h2.ctl.st.SecretValues(h2.ctx(), "staging")).get(t); v["TOKEN"] != "staging-token" {
		t.Errorf("secret value after restart %q", v["TOKEN"])
	}
}

func TestOneControllerPerDataDir(t *testing.T) {
	h := start(t)
	_, err := Open(Config{DataDir: h.dir})
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("a second controller on the same directory: %v", err)
	}
}

func TestDataFilesAreOwnerOnly(t *testing.T) {
	old := syscall.Umask(0) // the modes must not depend on the umask
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "nested", "data")
	h := startIn(t, dir)
	must(h.cl.SetSecret(h.ctx(), &falpb.SetSecretRequest{Name: "TOKEN", Value: ptr("v")})).get(t)
	if mode := must(os.Stat(dir)).get(t).Mode().Perm(); mode != 0o700 {
		t.Errorf("data directory mode %v, want 0700", mode)
	}
	for _, name := range []string{store.FileName, store.FileName + "-wal", store.FileName + "-shm", AdminKeyFile} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
}

// helperDirEnv makes the test binary a controller process for
// TestKillNineKeepsAcknowledgedWrites.
const helperDirEnv = "FALDASH_TEST_CONTROLLER_DIR"

// TestHelperProcess is not a test: run with helperDirEnv set, it serves a
// controller on that directory until it is killed.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperDirEnv)
	if dir == "" {
		t.Skip("a controller process for TestKillNineKeepsAcknowledgedWrites")
	}
	ctl, err := Open(Config{DataDir: dir})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	lis, err := Listen("127.0.0.1:0", false)
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(2)
	}
	fmt.Println("LISTENING", lis.Addr())
	_ = ctl.Serve(lis)
	os.Exit(0)
}

func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out := must(cmd.StdoutPipe()).get(t)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "LISTENING "); ok {
				addr <- a
			}
		}
		close(addr)
	}()
	var target string
	select {
	case target = <-addr:
	case <-time.After(60 * time.Second):
		t.Fatal("the controller process did not start listening")
	}
	if target == "" {
		t.Fatal("the controller process ended before listening")
	}

	keyLine := strings.TrimSpace(string(must(os.ReadFile(filepath.Join(dir, AdminKeyFile))).get(t)))
	id, secret, _ := strings.Cut(keyLine, ":")
	conn := must(grpc.NewClient(target, grpc.WithTransportCredentials(local.NewCredentials()))).get(t)
	defer conn.Close()
	cl := falpb.NewIsolateControllerClient(conn)
	ctx := withKey(t.Context(), id, secret)

	must(cl.CreateEnvironment(ctx, &falpb.CreateEnvironmentRequest{Name: "staging", Description: ptr("pre-prod")})).get(t)
	stream := must(cl.RegisterApplication(ctx, &falpb.RegisterApplicationRequest{ApplicationName: ptr("my-app"), EnvironmentName: ptr("staging"),
		Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "sleep 1000"}})).get(t)
	var rev string
	for {
		m, err := stream.Recv()
		if err != nil {
			break
		}
		if id := m.GetResult().GetApplicationId(); id != "" {
			rev = id
		}
	}
	if rev == "" {
		t.Fatal("deploy gave no revision")
	}
	must(cl.UpdateApplication(ctx, &falpb.UpdateApplicationRequest{ApplicationName: "my-app--staging", EnvironmentName: ptr("staging"),
		MinConcurrency: i32p(1), KeepAlive: i32p(120)})).get(t)
	const n = 40
	for i := range n {
		env := "main"
		if i%2 == 1 {
			env = "staging"
		}
		must(cl.SetSecret(ctx, &falpb.SetSecretRequest{Name: fmt.Sprintf("S%d", i), Value: ptr(fmt.Sprintf("value-%d", i)), EnvironmentName: ptr(env)})).get(t)
	}

	// The last write was acknowledged; kill at once.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	killed = true

	ctl, err := Open(Config{DataDir: dir})
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer ctl.Close()
	st := ctl.st
	if e, err := st.Environment(t.Context(), "staging"); err != nil || e.Description != "pre-prod" {
		t.Fatalf("staging after kill -9: %+v, %v", e, err)
	}
	a, err := st.Alias(t.Context(), store.AppRef{Env: "staging", App: "my-app"})
	if err != nil || a.Revision != rev || a.Scaling.MinConcurrency != 1 || a.Scaling.KeepAlive != 120 {
		t.Fatalf("alias after kill -9: %+v, %v", a, err)
	}
	main := must(st.SecretValues(t.Context(), "main")).get(t)
	staging := must(st.SecretValues(t.Context(), "staging")).get(t)
	for i := range n {
		vals := main
		if i%2 == 1 {
			vals = staging
		}
		if got := vals[fmt.Sprintf("S%d", i)]; got != fmt.Sprintf("value-%d", i) {
			t.Errorf("secret S%d after kill -9: %q", i, got)
		}
	}
	if gotID, gotSecret := ctl.AdminKey(); gotID != id || gotSecret != secret {
		t.Error("the admin key changed after kill -9")
	}
}
