package supervisor

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/faldash/faldash/server"
	"github.com/faldash/faldash/server/store"
)

// pidRecord is what is kept on disk about a live runner process, so that
// a supervisor starting after a crash can end it and report its runner.
type pidRecord struct {
	Runner      string    `json:"runner"`
	Env         string    `json:"env"`
	App         string    `json:"app"`
	Revision    string    `json:"revision"`
	MachineType string    `json:"machine_type"`
	Pid         int       `json:"pid"`
	StartTicks  uint64    `json:"start_ticks"` // /proc/<pid>/stat starttime
	StartedAt   time.Time `json:"started_at"`
}

func (s *Supervisor) recordPath(id string) string { return filepath.Join(s.pidDir, id+".json") }

// writeRecord notes r's process p; the write is atomic, so a crash leaves
// either no record or a whole one.
func (s *Supervisor) writeRecord(r *runner, p *proc) error {
	b, err := json.Marshal(pidRecord{
		Runner: r.id, Env: r.ref.Env, App: r.ref.App, Revision: r.rev.ID, MachineType: r.machineType,
		Pid: p.pid, StartTicks: startTicks(p.pid), StartedAt: r.startedAt,
	})
	if err != nil {
		return fmt.Errorf("record runner process: %w", err)
	}
	tmp := s.recordPath(r.id) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("record runner process: %w", err)
	}
	if err := os.Rename(tmp, s.recordPath(r.id)); err != nil {
		return fmt.Errorf("record runner process: %w", err)
	}
	return nil
}

func (s *Supervisor) removeRecord(id string) {
	if err := os.Remove(s.recordPath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("runner process record not removed", "runner", id, "error", err)
	}
}

// leftoverWait bounds how long recovery waits for killed leftovers to go.
const leftoverWait = 5 * time.Second

// recoverLeftovers ends the runner processes a previous run of the
// controller left behind and lists their runners as TERMINATED. A process
// is killed only when it provably belongs to the runner: the recorded pid
// with the recorded start time (then its whole group goes), or any
// process with that runner's FAL_JOB_ID in its environment.
func (s *Supervisor) recoverLeftovers() error {
	entries, err := os.ReadDir(s.pidDir)
	if err != nil {
		return fmt.Errorf("read runner process records: %w", err)
	}
	var recs []pidRecord
	for _, e := range entries {
		path := filepath.Join(s.pidDir, e.Name())
		if !strings.HasSuffix(e.Name(), ".json") {
			_ = os.Remove(path) // a write cut short by the crash
			continue
		}
		var rec pidRecord
		b, err := os.ReadFile(path)
		if err == nil {
			err = json.Unmarshal(b, &rec)
		}
		if err != nil || rec.Runner == "" || rec.Pid <= 0 {
			s.log.Warn("unreadable runner process record removed", "file", path, "error", err)
			_ = os.Remove(path)
			continue
		}
		recs = append(recs, rec)
	}
	if len(recs) > 0 {
		s.killLeftovers(recs)
	}
	now := s.now()
	s.mu.Lock()
	for _, rec := range recs {
		ref := server.AppRef{Env: rec.Env, App: rec.App}
		r := &runner{
			id:          rec.Runner,
			ref:         ref,
			alias:       ref.Alias(),
			rev:         store.Revision{ID: rec.Revision},
			machineType: rec.MachineType,
			created:     rec.StartedAt,
			logs:        newLogBuffer(1),
			state:       stTerminated,
			stopping:    true,
			startedAt:   rec.StartedAt,
			endedAt:     now,
		}
		r.logs.release()
		s.runners[r.id] = r
	}
	s.mu.Unlock()
	for _, rec := range recs {
		_ = os.Remove(s.recordPath(rec.Runner))
	}
	// Working directories of runners that are all gone now.
	dirs, err := os.ReadDir(s.runDir)
	if err != nil {
		return fmt.Errorf("read runner directories: %w", err)
	}
	for _, d := range dirs {
		if err := os.RemoveAll(filepath.Join(s.runDir, d.Name())); err != nil {
			s.log.Warn("leftover runner directory not removed", "dir", d.Name(), "error", err)
		}
	}
	return nil
}

// killStragglers kills every process left with runner id's FAL_JOB_ID
// in its environment: after its shim, nothing of a runner may run.
func (s *Supervisor) killStragglers(id string) {
	procs, err := liveProcesses()
	if err != nil {
		return
	}
	var pids []int
	for _, p := range procs {
		if p.jobID == id {
			_ = killPid(p.Pid)
			pids = append(pids, p.Pid)
		}
	}
	if len(pids) > 0 {
		s.log.Warn("killed processes of an ended runner that had escaped it", "runner", id, "pids", pids)
	}
}

func (s *Supervisor) killLeftovers(recs []pidRecord) {
	procs, err := liveProcesses()
	if err != nil {
		s.log.Warn("cannot check for runner processes left by a previous run; none are killed", "error", err)
		return
	}
	var killed []int
	for _, rec := range recs {
		leader := false
		var mine []int
		for _, p := range procs {
			switch {
			case p.Pid == rec.Pid && p.Start == rec.StartTicks && rec.StartTicks != 0:
				leader = true
				mine = append(mine, p.Pid)
			case p.jobID == rec.Runner:
				mine = append(mine, p.Pid)
			}
		}
		if leader {
			_ = killGroup(rec.Pid, sigKill)
		}
		for _, pid := range mine {
			_ = killPid(pid)
		}
		if len(mine) > 0 {
			s.log.Info("killed runner processes left by a previous run", "runner", rec.Runner, "app", server.AppRef{Env: rec.Env, App: rec.App}.Alias(), "pids", mine)
		}
		killed = append(killed, mine...)
	}
	deadline := time.Now().Add(leftoverWait)
	for _, pid := range killed {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if alive(pid) {
			s.log.Warn("runner process left by a previous run did not end", "pid", pid)
		}
	}
}
