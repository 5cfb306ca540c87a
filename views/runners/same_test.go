package runners

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/muesli/termenv"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/ui/uitest"
)

// changes are, for each field of client.Runner, ways a poll can change
// it; a field missing here fails TestSameCellsReadsEveryShownField, so a
// new field is either read by sameCells or found to be read by no cell.
var changes = map[string][]func(r *client.Runner){
	"ID":    nil, // the table asks only about two values of one ID
	"Alias": {func(r *client.Runner) { r.Alias = "other--staging" }},
	"App":   {func(r *client.Runner) { r.App = "other" }},
	"Revision": {
		func(r *client.Runner) { r.Revision = "0123456789" },
		func(r *client.Runner) { r.Revision = r.Revision + "9" }, // past the 8 shown: no cell changes
		func(r *client.Runner) { r.Revision = "" },
	},
	"State": {
		func(r *client.Runner) { r.State = client.StateDraining },
		func(r *client.Runner) { r.State = client.StateFailureDelay },
		func(r *client.Runner) { r.State = client.StateTerminated },
		func(r *client.Runner) { r.State = "WARM_POOL" },
	},
	"InFlight": {func(r *client.Runner) { r.InFlight++ }, func(r *client.Runner) { r.InFlight = 10 }},
	"ExpiresIn": {
		func(r *client.Runner) { r.ExpiresIn = nil },
		func(r *client.Runner) { r.ExpiresIn = dur(12 * time.Second) },
		func(r *client.Runner) { r.ExpiresIn = dur(3 * time.Hour) },
	},
	"Uptime":      {func(r *client.Runner) { r.Uptime += time.Second }, func(r *client.Runner) { r.Uptime = 0 }},
	"MachineType": {func(r *client.Runner) { r.MachineType = "CPU" }, func(r *client.Runner) { r.MachineType = "" }},
	"Replacement": {
		func(r *client.Runner) { r.Replacement = client.WillReplace },
		func(r *client.Runner) { r.Replacement = client.DidReplace },
		func(r *client.Runner) { r.Replacement = client.NoReplace },
	},
	"PresentInGroup": {
		func(r *client.Runner) { no := false; r.PresentInGroup = &no },
		func(r *client.Runner) { yes := true; r.PresentInGroup = &yes },
		func(r *client.Runner) { r.PresentInGroup = nil },
	},
	// fal's external_metadata, kept encoded for the runner's record: no
	// cell reads it (PresentInGroup is its part a cell shows), and only
	// the client can set it.
	"metadata": nil,
}

// TestSameCellsReadsEveryShownField changes each field of many runners,
// one at a time and in pairs, and finds that sameCells calls the runners
// the same only when every column makes the same cells of both: the
// table then takes the old row's cells, marks and filter text for the
// new runner.
func TestSameCellsReadsEveryShownField(t *testing.T) {
	rt := reflect.TypeFor[client.Runner]()
	var all []func(*client.Runner)
	for i := range rt.NumField() {
		name := rt.Field(i).Name
		fs, ok := changes[name]
		if !ok {
			t.Errorf("client.Runner has a field %s the test does not change: add it to changes, and to sameCells if a cell reads it", name)
		}
		all = append(all, fs...)
	}
	if len(changes) != rt.NumField() {
		t.Errorf("changes names %d fields, client.Runner has %d", len(changes), rt.NumField())
	}
	cols := columns(uitest.Styles(termenv.ANSI256))
	cellsOf := func(r *client.Runner) []string {
		out := make([]string, len(cols))
		for c, col := range cols {
			if col.Cell != nil {
				out[c] = col.Cell(r)
			}
		}
		return out
	}
	yes, no := true, false
	bases := append(sample(),
		client.Runner{ID: "r-8", State: client.StateRunning, PresentInGroup: &yes, InFlight: 2},
		client.Runner{ID: "r-9", State: client.StateIdle, PresentInGroup: &no, ExpiresIn: dur(time.Minute)},
		client.Runner{ID: "r-10", State: client.StateFailureDelay, ExpiresIn: dur(12 * time.Second)},
	)
	check := func(a, b *client.Runner) {
		t.Helper()
		if !sameCells(a, b) {
			return
		}
		ca, cb := cellsOf(a), cellsOf(b)
		for c := range cols {
			if ca[c] != cb[c] {
				t.Errorf("sameCells(%+v, %+v), but their %s cells are %q and %q", *a, *b, cols[c].Title, ca[c], cb[c])
			}
		}
	}
	differ := 0
	for _, base := range bases {
		for i, f := range all {
			b := base
			f(&b)
			check(&base, &b)
			if !sameCells(&base, &b) {
				differ++
			}
			for _, g := range all[i+1:] {
				c := b
				g(&c)
				check(&base, &c)
			}
		}
	}
	if differ == 0 {
		t.Error("sameCells never saw a difference")
	}
}

// TestChangedRunnerIsMarkedAndRedrawn polls, for each field a cell shows,
// a listing where one runner changed in it alone: that row is marked
// changed and shows its new cell, the others stay unmarked.
func TestChangedRunnerIsMarkedAndRedrawn(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		name   string
		change func(r *client.Runner)
		want   string
	}{
		{"in flight", func(r *client.Runner) { r.InFlight = 7 }, "7"},
		{"state", func(r *client.Runner) { r.State = client.StateDraining }, "◑ draining"},
		{"machine", func(r *client.Runner) { r.MachineType = "CPU-XL" }, "CPU-XL"},
		{"revision", func(r *client.Runner) { r.Revision = "fedcba9876" }, "fedcba98"},
		{"replacement", func(r *client.Runner) { r.Replacement = client.DidReplace }, "replacement"},
		{"lost", func(r *client.Runner) { r.PresentInGroup = &no }, "● running lost"},
		{"crash backoff's countdown", func(r *client.Runner) {
			r.State, r.ExpiresIn = client.StateFailureDelay, dur(12*time.Second)
		}, "retry in 12s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs := []client.Runner{
				{ID: "r-1", State: client.StateRunning, InFlight: 3, Uptime: time.Hour, MachineType: "GPU", Revision: "abcdef0123", PresentInGroup: &yes},
				{ID: "r-2", State: client.StateRunning, InFlight: 1, Uptime: time.Hour, MachineType: "GPU", Revision: "abcdef0123", PresentInGroup: &yes},
			}
			f := setup(t, rs...)
			f.p.View()
			// A poll finding nothing changed but the clock's fields.
			rs[0].Uptime, rs[1].Uptime = rs[0].Uptime+2*time.Second, rs[1].Uptime+2*time.Second
			f.fc.SetRunners("staging", "my-app", rs...)
			f.load(t)
			if v := f.p.View(); strings.Contains(v, "*") {
				t.Fatalf("an unchanged poll marked a row:\n%s", v)
			}
			c.change(&rs[1])
			f.fc.SetRunners("staging", "my-app", rs...)
			f.load(t)
			var row1, row2 string
			for _, l := range strings.Split(f.p.View(), "\n") {
				switch {
				case strings.Contains(l, "r-1"):
					row1 = l
				case strings.Contains(l, "r-2"):
					row2 = l
				}
			}
			if !strings.Contains(row2, "*") || !strings.Contains(row2, c.want) {
				t.Errorf("changed runner drawn as %q, want it marked with %q", row2, c.want)
			}
			if strings.Contains(row1, "*") {
				t.Errorf("unchanged runner marked: %q", row1)
			}
		})
	}
}
