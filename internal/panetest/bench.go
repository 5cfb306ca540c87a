package panetest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/fakeclient"
	"github.com/faldash/faldash/internal/ui/uitest"
	"github.com/faldash/faldash/views/pane"
)

// Listing is a table pane under benchmark: New builds it over d, and Set
// gives fc variant v of the pane's n rows; two variants differ in every
// row, as a poll of a busy account does.
type Listing struct {
	New func(d pane.Deps) pane.Pane
	Set func(fc *fakeclient.Client, n, variant int)
}

// Rows is n rows made by row, for a Listing's Set.
func Rows[T any](n int, row func(i int) T) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = row(i)
	}
	return out
}

// Bench runs what every table pane is measured by, at n rows, drawn in
// colour at 200×56:
//
//   - poll/fetch: the pane's refresh call, which runs off the UI goroutine
//     (the fake client's copy of the listing included), every row changed;
//     poll/fetch-unchanged: the same of a listing equal to the one shown;
//   - poll/apply: what the UI goroutine does with the answer, the next View
//     included;
//   - key/sort and key/filter: the next sort column (>) or one more
//     character of the filter, pressed right after such a poll;
//   - idle: one second of an unchanged screen (the clock moves, the pane
//     ticks and is drawn), reporting the bytes and lines that differ from
//     the second before, which is what Bubble Tea's line renderer writes.
func Bench(b *testing.B, n int, l Listing) {
	run := func(name string, f func(b *testing.B, d *driven)) {
		b.Run(name+"/rows="+strconv.Itoa(n), func(b *testing.B) {
			d := drive(b, n, l)
			b.ReportAllocs()
			f(b, d)
		})
	}
	run("poll/fetch", func(b *testing.B, d *driven) {
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			l.Set(d.fc, n, 1+i%2)
			b.StartTimer()
			d.fetch(b)
		}
	})
	// The same refresh of a listing that did not change: what an idle
	// dashboard pays every poll.
	run("poll/fetch-unchanged", func(b *testing.B, d *driven) {
		for b.Loop() {
			b.StopTimer()
			l.Set(d.fc, n, 0)
			b.StartTimer()
			d.fetch(b)
		}
	})
	// The answers of two polls, fetched once: applying them in turn costs
	// the UI goroutine what a poll changing every row does, and a run
	// takes seconds however cheap that is.
	polls := func(d *driven) []tea.Msg {
		out := make([]tea.Msg, 2)
		for i := range out {
			l.Set(d.fc, n, 1+i)
			out[i] = d.fetch(b)
		}
		return out
	}
	run("poll/apply", func(b *testing.B, d *driven) {
		rs := polls(d)
		for i := 0; b.Loop(); i++ {
			d.p.Update(rs[i%2])
			d.p.View()
		}
	})
	for _, k := range []string{"sort", "filter"} {
		run("key/"+k, func(b *testing.B, d *driven) {
			f := d.p.(pane.Filterable)
			rs := polls(d)
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				f.SetFilter("")
				d.p.Update(rs[i%2])
				d.p.View()
				b.StartTimer()
				if k == "sort" {
					d.p.Update(uitest.Key(">"))
				} else {
					f.SetFilter("ab")
				}
				d.p.View()
			}
		})
	}
	run("idle", func(b *testing.B, d *driven) {
		prev := d.p.View()
		var bytes, lines, ticks int
		for b.Loop() {
			*d.now = d.now.Add(time.Second)
			d.p.Update(pane.Tick{})
			v := d.p.View()
			db, dl := LineDiff(prev, v)
			bytes, lines, ticks = bytes+db, lines+dl, ticks+1
			prev = v
		}
		b.ReportMetric(float64(bytes)/float64(ticks), "bytes/s")
		b.ReportMetric(float64(lines)/float64(ticks), "lines/s")
	})
}

type driven struct {
	p   pane.Pane
	fc  *fakeclient.Client
	now *time.Time
}

func drive(b *testing.B, n int, l Listing) *driven {
	b.Helper()
	now := Now
	fc := fakeclient.New(client.Target{Kind: client.TargetLocal, Addr: "127.0.0.1:7777", User: "local"})
	l.Set(fc, n, 0)
	d := Deps(fc, &now)
	d.Styles = uitest.Styles(termenv.ANSI256)
	dr := &driven{p: l.New(d), fc: fc, now: &now}
	dr.p.SetSize(200, 56)
	dr.load(dr.p.Update(dr.fetch(b)))
	dr.p.View()
	return dr
}

// load runs the reads cmd asks for, as the root does, and hands their
// answers to the pane: the snapshot of every row after a preview.
func (d *driven) load(cmd tea.Cmd) {
	for _, msg := range Msgs(cmd) {
		if l, ok := msg.(pane.Load); ok {
			d.load(d.p.Update(l.Run(context.Background())))
		}
	}
}

// fetch runs the pane's refresh call, as the root does off the UI goroutine.
// It returns the message the pane receives, its Result.
func (d *driven) fetch(b *testing.B) tea.Msg {
	a := d.p.Fetch()(context.Background())
	if err := a.Err(); err != nil {
		b.Fatal(err)
	}
	return a.Msg(*d.now)
}

// LineDiff counts the lines of cur that differ from those of prev, and
// their bytes: what a line renderer writes to go from one to the other.
func LineDiff(prev, cur string) (bytes, lines int) {
	p, c := strings.Split(prev, "\n"), strings.Split(cur, "\n")
	for i, l := range c {
		if i < len(p) && p[i] == l {
			continue
		}
		bytes += len(l)
		lines++
	}
	return bytes, lines
}
