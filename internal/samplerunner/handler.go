package samplerunner

import (
	"encoding/json"
	"log"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"
)

// handler answers every path like a model endpoint: after the configured
// latency, with a small JSON body or, at the configured rate, a 500.
type handler struct {
	cfg      config
	out      *log.Logger
	errs     *log.Logger
	inFlight atomic.Int64
}

// reply is the body of every answer.
type reply struct {
	RunnerID  string  `json:"runner_id"`
	App       string  `json:"app"`
	Method    string  `json:"method"`
	Path      string  `json:"path"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/health" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "in_flight": h.inFlight.Load()})
		return
	}
	h.inFlight.Add(1)
	defer h.inFlight.Add(-1)

	d := latency(h.cfg.latency, h.cfg.jitter)
	if err := h.cfg.wait(r.Context(), d); err != nil {
		h.errs.Printf("%s %q abandoned by the caller after %s", r.Method, r.URL.Path, d)
		return
	}
	body := reply{
		RunnerID:  h.cfg.runnerID,
		App:       h.cfg.app,
		Method:    r.Method,
		Path:      r.URL.Path,
		LatencyMS: float64(d) / float64(time.Millisecond),
	}
	status := http.StatusOK
	if rand.Float64() < h.cfg.failRate {
		status = http.StatusInternalServerError
		body.Error = "simulated failure (--fail-rate)"
		h.errs.Printf("%s %q %d in %s: simulated failure", r.Method, r.URL.Path, status, d)
	} else {
		h.out.Printf("%s %q %d in %s", r.Method, r.URL.Path, status, d)
	}
	writeJSON(w, status, body)
}

// latency is base plus a uniform spread in [-jitter, +jitter], never
// below zero.
func latency(base, jitter time.Duration) time.Duration {
	if jitter <= 0 {
		return base
	}
	return max(base+time.Duration(rand.Int64N(int64(2*jitter)+1))-jitter, 0)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
