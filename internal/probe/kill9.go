package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/store"
)

func init() {
	Register(Section{Name: "kill-9", Local: true, Run: probeKill9})
}

// The kill -9 run: a real `faldash serve`, writers that keep changing
// their own app's keep_alive and their own secret's value, killed with
// SIGKILL once enough writes were acknowledged, then checked on disk and
// restarted, round after round.
const (
	killRounds  = 3
	killWriters = 8
	killAcks    = 1500 // acknowledged writes per round before the kill
	killEnv     = "durable"
)

// probeKill9 counts every acknowledged write as a case, and one that the
// store does not hold after the kill as misbehaved.
func probeKill9(ctx context.Context, t *Target) (int, int, []string) {
	var tl Tally
	bin, err := t.Binary()
	if err != nil {
		tl.Check("build faldash", false, "%v", err)
		return tl.Result()
	}
	dir, err := os.MkdirTemp("", "faldash-kill9-")
	if err != nil {
		tl.Check("temporary directory", false, "%v", err)
		return tl.Result()
	}
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "data")

	next := make([]int, killWriters) // the value each writer writes next
	for i := range next {
		next[i] = 1
	}
	acked, lost := 0, 0
	for round := range killRounds {
		srv, err := startDurable(ctx, bin, data)
		if err != nil {
			tl.Check(fmt.Sprintf("round %d: start serve", round+1), false, "%v", err)
			break
		}
		last, err := srv.writeUntilKilled(ctx, round == 0, next)
		if err != nil {
			tl.Check(fmt.Sprintf("round %d", round+1), false, "%v", err)
			break
		}
		stored, err := readDurable(ctx, data)
		if err != nil {
			tl.Check(fmt.Sprintf("round %d: read the store after kill -9", round+1), false, "%v", err)
			break
		}
		for w := range killWriters {
			for _, kind := range []int{0, 1} {
				n := last[w][kind] - next[w] + 1 // acknowledged this round
				if n <= 0 {
					continue
				}
				got := stored[w][kind]
				tl.Tried += n
				acked += n
				if got < last[w][kind] {
					tl.Misbehaved += last[w][kind] - got
					lost += last[w][kind] - got
					tl.Notes = append(tl.Notes, fmt.Sprintf("round %d, writer %d: %s is %d after kill -9, but %d was acknowledged",
						round+1, w, [...]string{"keep_alive", "the secret"}[kind], got, last[w][kind]))
				}
			}
			next[w] = max(stored[w][0], stored[w][1]) + 1
		}
	}
	tl.Note("%d rounds of kill -9 with %d writers: %d acknowledged writes, %d lost", killRounds, killWriters, acked, lost)
	return tl.Result()
}

// serveProc is a `faldash serve` the probe started.
type serveProc struct {
	cmd  *exec.Cmd
	addr string
	key  [2]string
}

// startDurable starts serve on data (loopback, no gateway or REST API).
func startDurable(ctx context.Context, bin, data string) (*serveProc, error) {
	cmd, addr, err := startServe(ctx, bin, os.Environ(), "serve", "--data", data, "--listen", "127.0.0.1:0", "--gateway", "off", "--rest", "off")
	if err != nil {
		return nil, err
	}
	p := &serveProc{cmd: cmd, addr: addr}
	b, err := os.ReadFile(filepath.Join(data, server.AdminKeyFile))
	if err != nil {
		p.kill()
		return nil, err
	}
	id, secret, _ := strings.Cut(strings.TrimSpace(string(b)), ":")
	p.key = [2]string{id, secret}
	return p, nil
}

// kill sends SIGKILL and reaps the process.
func (p *serveProc) kill() {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}

// writeUntilKilled sets the writers' apps up on the first round, then
// runs the writers from next until killAcks writes were acknowledged,
// kills serve and returns the last value each writer had acknowledged
// for its keep_alive ([0]) and its secret ([1]).
func (p *serveProc) writeUntilKilled(ctx context.Context, setup bool, next []int) ([][2]int, error) {
	conn, err := grpc.NewClient(p.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		p.kill()
		return nil, err
	}
	defer conn.Close()
	cl := falpb.NewIsolateControllerClient(conn)
	t := &Target{KeyID: p.key[0], KeySecret: p.key[1]}
	admin := t.Admin(ctx)
	env := proto.String(killEnv)
	if setup {
		if _, err := cl.CreateEnvironment(admin, &falpb.CreateEnvironmentRequest{Name: killEnv}); err != nil {
			p.kill()
			return nil, err
		}
		for w := range killWriters {
			if _, err := register(admin, cl, &falpb.RegisterApplicationRequest{ApplicationName: proto.String(writerApp(w)), EnvironmentName: env,
				Code: &falpb.RegisterApplicationRequest_Entrypoint{Entrypoint: "exec sleep 1000"}}); err != nil {
				p.kill()
				return nil, err
			}
		}
	}
	last := make([][2]int, killWriters)
	for w := range last {
		last[w] = [2]int{next[w] - 1, next[w] - 1}
	}
	var total atomic.Int64
	enough := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := range killWriters {
		wg.Go(func() {
			for i := next[w]; ; i++ {
				_, err := cl.UpdateApplication(admin, &falpb.UpdateApplicationRequest{ApplicationName: writerApp(w), EnvironmentName: env, KeepAlive: proto.Int32(int32(i))})
				if err != nil {
					return
				}
				last[w][0] = i
				_, err = cl.SetSecret(admin, &falpb.SetSecretRequest{Name: writerSecret(w), Value: proto.String(strconv.Itoa(i)), EnvironmentName: env})
				if err != nil {
					return
				}
				last[w][1] = i
				if total.Add(2) >= killAcks {
					once.Do(func() { close(enough) })
				}
			}
		})
	}
	select {
	case <-enough:
	case <-ctx.Done():
	}
	p.kill()
	wg.Wait()
	return last, ctx.Err()
}

// readDurable reads each writer's keep_alive and secret from the store
// of a controller that is no longer running.
func readDurable(ctx context.Context, data string) ([][2]int, error) {
	st, err := waitOpen(ctx, data)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	secrets, err := st.SecretValues(ctx, killEnv)
	if err != nil {
		return nil, err
	}
	out := make([][2]int, killWriters)
	for w := range killWriters {
		a, err := st.Alias(ctx, store.AppRef{Env: killEnv, App: writerApp(w)})
		if err != nil {
			return nil, err
		}
		out[w][0] = a.Scaling.KeepAlive
		if v, ok := secrets[writerSecret(w)]; ok {
			if out[w][1], err = strconv.Atoi(v); err != nil {
				return nil, fmt.Errorf("secret %s holds %q", writerSecret(w), v)
			}
		}
	}
	return out, nil
}

// waitOpen opens the store once the killed process has let go of it.
func waitOpen(ctx context.Context, data string) (*store.Store, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := store.Open(ctx, data, nil)
		if err == nil {
			return st, nil
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func writerApp(w int) string    { return fmt.Sprintf("writer-%d", w) }
func writerSecret(w int) string { return fmt.Sprintf("WRITER_%d", w) }
