//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// report collects the figures of a run: each is printed at once as a
// machine-readable line, and all of them at the end as a table with one
// column per label (binary).
type report struct {
	w       io.Writer
	labels  []string
	metrics []string
	units   map[string]string
	values  map[[2]string]string
}

func newReport(w io.Writer) *report {
	return &report{w: w, units: map[string]string{}, values: map[[2]string]string{}}
}

// add records metric for label, printing
//
//	PERF <label> <metric> <value> <unit>
func (r *report) add(label, metric, unit string, v float64) {
	r.addText(label, metric, unit, strconv.FormatFloat(v, 'f', decimals(v), 64))
}

// addText records a figure that is not one number, or is missing ("n/a").
func (r *report) addText(label, metric, unit, v string) {
	if !slices.Contains(r.labels, label) {
		r.labels = append(r.labels, label)
	}
	if !slices.Contains(r.metrics, metric) {
		r.metrics = append(r.metrics, metric)
	}
	r.units[metric] = unit
	r.values[[2]string{label, metric}] = v
	fmt.Fprintf(r.w, "PERF\t%s\t%s\t%s\t%s\n", label, metric, v, unit)
}

// decimals keeps three significant figures for small values, none for
// large ones.
func decimals(v float64) int {
	switch a := max(v, -v); {
	case a >= 100:
		return 0
	case a >= 10:
		return 1
	case a >= 1:
		return 2
	}
	return 3
}

// table prints every figure, metrics as rows and labels as columns.
func (r *report) table(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "metric\tunit\t%s\t\n", strings.Join(r.labels, "\t"))
	for _, m := range r.metrics {
		row := []string{m, r.units[m]}
		for _, l := range r.labels {
			v, ok := r.values[[2]string{l, m}]
			if !ok {
				v = "-"
			}
			row = append(row, v)
		}
		fmt.Fprintf(tw, "%s\t\n", strings.Join(row, "\t"))
	}
	tw.Flush()
}

// runTable reads PERF lines (other lines are skipped) and prints their
// table.
func runTable(in io.Reader, out io.Writer) error {
	rep := newReport(io.Discard)
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) == 5 && f[0] == "PERF" {
			rep.addText(f[1], f[2], f[4], f[3])
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	rep.table(out)
	return nil
}
