package rest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faldash/faldash/server"
)

// Page sizes of /logs/history.
const (
	defaultPageSize = 100
	maxPageSize     = 1000
)

// maxSearchLen bounds a search text: it is matched against every kept
// line of a runner.
const maxSearchLen = 1 << 10

// stamp is a time as fal's REST API writes it: RFC 3339 in UTC with
// microseconds, which Python's datetime.fromisoformat reads and which is
// exactly as precise as the supervisor's log line times.
type stamp time.Time

const stampLayout = "2006-01-02T15:04:05.000000Z07:00"

// stampOf is nil (JSON null) for the zero time.
func stampOf(t time.Time) *stamp {
	if t.IsZero() {
		return nil
	}
	s := stamp(t)
	return &s
}

func (s stamp) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Time(s).UTC().Format(stampLayout))
}

// parseStamp reads a time as fal's CLI sends it (Python's isoformat:
// "+00:00", with or without a fraction), with "Z", or with no offset,
// which means UTC as it does to fal's CLI.
func parseStamp(v string) (time.Time, error) {
	// A "+" put into a query unescaped arrives as a space.
	if i := len(v) - len("+00:00"); i > 0 && v[i] == ' ' {
		v = v[:i] + "+" + v[i+1:]
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", v, time.UTC); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s is not an ISO-8601 time such as 2026-01-02T15:04:05.123456+00:00", quote(v))
}

// logParams reads the parameters /logs/history and /logs/stream share.
func logParams(q url.Values) (id string, lq server.LogQuery, err error) {
	id = q.Get("job_id")
	if id == "" {
		return "", lq, errors.New("job_id is required: the id of the runner whose logs to read")
	}
	if !server.ValidID(id) {
		return "", lq, errors.New("job_id names no runner: " + server.IDRule)
	}
	lq.Search = q.Get("search")
	if len(lq.Search) > maxSearchLen {
		return "", lq, fmt.Errorf("search is %d bytes, over the limit of %d", len(lq.Search), maxSearchLen)
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"since", &lq.Since}, {"until", &lq.Until}} {
		if v := q.Get(p.name); v != "" {
			if *p.t, err = parseStamp(v); err != nil {
				return "", lq, fmt.Errorf("%s: %w", p.name, err)
			}
		}
	}
	if !lq.Since.IsZero() && !lq.Until.IsZero() && lq.Until.Before(lq.Since) {
		return "", lq, fmt.Errorf("until (%s) is before since (%s)", q.Get("until"), q.Get("since"))
	}
	return id, lq, nil
}

// logItem is one log line as fal's API sends it.
type logItem struct {
	Timestamp stamp  `json:"timestamp"`
	Level     string `json:"level"`
	Message   string `json:"message"`
	Source    string `json:"source"`
	JobID     string `json:"job_id"`
}

// itemOf keeps the stream's name as the level: stdout or stderr is all a
// runner's output says about itself.
func itemOf(id string, e server.LogEntry) logItem {
	return logItem{Timestamp: stamp(e.Time), Level: e.Stream, Message: e.Line, Source: "user", JobID: id}
}

type historyPage struct {
	Items     []logItem `json:"items"`
	NextUntil *stamp    `json:"next_until"`
}

// logHistory answers one page: the newest page_size lines in range,
// oldest first. When older lines in range remain, next_until is the
// page's oldest time: the next page's (exclusive) until.
func (a *api) logHistory(w http.ResponseWriter, r *http.Request, _ server.Scope) {
	q := r.URL.Query()
	id, lq, err := logParams(q)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	size := defaultPageSize
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPageSize {
			fail(w, http.StatusBadRequest, fmt.Sprintf("page_size must be an integer from 1 to %d, got %s", maxPageSize, quote(v)))
			return
		}
		size = n
	}
	lines, more, err := a.runners.LogHistory(id, lq, size)
	if err != nil {
		a.runnerFail(w, id, err)
		return
	}
	page := historyPage{Items: make([]logItem, 0, len(lines))}
	for _, e := range lines {
		page.Items = append(page.Items, itemOf(id, e))
	}
	if more {
		page.NextUntil = stampOf(lines[0].Time)
	}
	writeJSON(w, http.StatusOK, page)
}

// logStream sends server-sent events: the kept lines in range, then new
// ones as they are written, until the runner's output ends, until is
// reached, the client leaves, or the server shuts down (then an error
// event says so).
func (a *api) logStream(w http.ResponseWriter, r *http.Request, _ server.Scope) {
	id, lq, err := logParams(r.URL.Query())
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	lines, err := a.runners.FollowLogs(r.Context(), id, lq)
	if err != nil {
		a.runnerFail(w, id, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	// Tells a buffering proxy (nginx) to pass events on at once.
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	send := func(event string) bool {
		if _, err := w.Write([]byte(event)); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// The headers now, so the client knows the runner exists before its
	// next line, which may be long in coming.
	if rc.Flush() != nil {
		return
	}
	quiet := time.NewTimer(a.keepalive)
	defer quiet.Stop()
	for {
		select {
		case e, ok := <-lines:
			if !ok {
				if a.closing.Err() != nil {
					send(errorEvent("the controller is shutting down"))
				}
				return
			}
			b, err := json.Marshal(itemOf(id, e))
			if err != nil {
				send(errorEvent(err.Error()))
				return
			}
			if !send("data: " + string(b) + "\n\n") {
				return
			}
			quiet.Reset(a.keepalive)
		case <-quiet.C:
			if !send(": keepalive\n\n") {
				return
			}
			quiet.Reset(a.keepalive)
		}
	}
}

// errorEvent is an SSE event named error; its text must stay on one line.
func errorEvent(text string) string {
	return "event: error\ndata: " + strings.ReplaceAll(strings.ReplaceAll(text, "\r", " "), "\n", " ") + "\n\n"
}
