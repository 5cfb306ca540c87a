package scaleform

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/faldash/faldash/client"
	"github.com/faldash/faldash/internal/scaling"
	"github.com/faldash/faldash/views/format"
)

// kind is how a field's text is read.
type kind int

const (
	count    kind = iota // a whole number fal always has
	optional             // a whole number fal may have unset
	list                 // names separated by commas or spaces
)

// def is one scaling field of the form.
type def struct {
	label string
	name  string // fal's field name, as scaling.FieldError names it
	kind  kind
	// reset marks the fields fal sets back to the deployed value on the
	// next deploy: a change to them here is temporary.
	reset bool

	num     func(s scaling.Settings) (v int, set bool)
	setNum  func(sp *client.ScaleSpec, v int)
	names   func(s scaling.Settings) []string
	setList func(sp *client.ScaleSpec, v []string)
}

func req(get func(s scaling.Settings) int) func(scaling.Settings) (int, bool) {
	return func(s scaling.Settings) (int, bool) { return get(s), true }
}

func opt(get func(s scaling.Settings) *int) func(scaling.Settings) (int, bool) {
	return func(s scaling.Settings) (int, bool) {
		if v := get(s); v != nil {
			return *v, true
		}
		return 0, false
	}
}

// defs are every scaling field of WIRE.md, in the order fal's docs give
// them.
var defs = []def{
	{label: "min concurrency", name: "min_concurrency", kind: count,
		num:    req(func(s scaling.Settings) int { return s.MinConcurrency }),
		setNum: func(sp *client.ScaleSpec, v int) { sp.MinConcurrency = scaling.Int(v) }},
	{label: "max concurrency", name: "max_concurrency", kind: count,
		num:    req(func(s scaling.Settings) int { return s.MaxConcurrency }),
		setNum: func(sp *client.ScaleSpec, v int) { sp.MaxConcurrency = scaling.Int(v) }},
	{label: "max multiplexing", name: "max_multiplexing", kind: count, reset: true,
		num:    req(func(s scaling.Settings) int { return s.MaxMultiplexing }),
		setNum: func(sp *client.ScaleSpec, v int) { sp.MaxMultiplexing = scaling.Int(v) }},
	{label: "keep-alive (s)", name: "keep_alive", kind: count,
		num:    req(func(s scaling.Settings) int { return s.KeepAlive }),
		setNum: func(sp *client.ScaleSpec, v int) { sp.KeepAlive = scaling.Int(v) }},
	{label: "buffer", name: "concurrency_buffer", kind: optional,
		num:    opt(func(s scaling.Settings) *int { return s.ConcurrencyBuffer }),
		setNum: func(sp *client.ScaleSpec, v int) { sp.ConcurrencyBuffer = scaling.Int(v) }},
	{label: "buffer %", name: "concurrency_buffer_perc", kind: optional,
		num:    opt(func(s scaling.Settings) *int { return s.ConcurrencyBufferPerc }),
		setNum: func(sp *client.ScaleSpec, v int) { sp.ConcurrencyBufferPerc = scaling.Int(v) }},
	{label: "scaling delay (s)", name: "scaling_delay_seconds", kind: optional,
		num:    opt(func(s scaling.Settings) *int { return s.ScalingDelay }),
		setNum: func(sp *client.ScaleSpec, v int) { sp.ScalingDelay = scaling.Int(v) }},
	{label: "request timeout (s)", name: "request_timeout", kind: optional,
		num:    opt(func(s scaling.Settings) *int { return s.RequestTimeout }),
		setNum: func(sp *client.ScaleSpec, v int) { sp.RequestTimeout = scaling.Int(v) }},
	{label: "startup timeout (s)", name: "startup_timeout", kind: optional, reset: true,
		num:    opt(func(s scaling.Settings) *int { return s.StartupTimeout }),
		setNum: func(sp *client.ScaleSpec, v int) { sp.StartupTimeout = scaling.Int(v) }},
	{label: "machine types", name: "machine_types", kind: list, reset: true,
		names:   func(s scaling.Settings) []string { return s.MachineTypes },
		setList: func(sp *client.ScaleSpec, v []string) { sp.MachineTypes = v }},
	{label: "regions", name: "valid_regions", kind: list,
		names:   func(s scaling.Settings) []string { return s.Regions },
		setList: func(sp *client.ScaleSpec, v []string) { sp.Regions = v }},
}

// text is the field's current value as the form shows it.
func (d def) text(s scaling.Settings) string {
	if d.kind == list {
		return strings.Join(d.names(s), ", ")
	}
	v, set := d.num(s)
	if !set {
		return ""
	}
	return strconv.Itoa(v)
}

// shown is the field's value in the diff: a dash for unset.
func (d def) shown(s scaling.Settings) string {
	if d.kind == list {
		return format.List(d.names(s))
	}
	v, set := d.num(s)
	if !set {
		return format.Dash
	}
	return strconv.Itoa(v)
}

// read parses text and, if it differs from cur, sets it in sp. The error
// says what is wrong with the text itself; the rules between fields are
// scaling.Settings.Validate's.
func (d def) read(text string, cur scaling.Settings, sp *client.ScaleSpec) error {
	text = strings.TrimSpace(text)
	if d.kind == list {
		v := splitNames(text)
		old := d.names(cur)
		switch {
		case len(v) == 0 && len(old) > 0:
			return fmt.Errorf("fal can't clear this list; leave at least one")
		case !slices.Equal(v, old):
			d.setList(sp, v)
		}
		return nil
	}
	old, set := d.num(cur)
	if text == "" {
		switch {
		case d.kind == count:
			return fmt.Errorf("required")
		case set:
			return fmt.Errorf("fal can't unset it; enter a number")
		}
		return nil // unset, and left unset
	}
	v, err := strconv.Atoi(text)
	if err != nil {
		return fmt.Errorf("%q is not a whole number", text)
	}
	if !set || v != old {
		d.setNum(sp, v)
	}
	return nil
}

// splitNames reads "a, b c" as [a b c].
func splitNames(text string) []string {
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(fields) == 0 {
		return nil
	}
	return fields
}
