// Package scaling holds an app's scaling settings as fal means them, and
// the rules a change to them must follow. The local controller enforces the
// rules; the TUI's scale form checks them before it sends anything.
package scaling

import (
	"errors"
	"fmt"
	"slices"
)

// Settings are the scaling fields of an app (an alias), all in fal's units:
// counts, seconds and percent. The pointer fields are optional on the wire:
// nil means fal's default applies.
type Settings struct {
	MinConcurrency        int
	MaxConcurrency        int
	MaxMultiplexing       int
	KeepAlive             int // seconds an idle runner stays before release
	ConcurrencyBuffer     *int
	ConcurrencyBufferPerc *int
	ScalingDelay          *int // seconds demand must persist before scaling up
	RequestTimeout        *int
	StartupTimeout        *int
	MachineTypes          []string
	Regions               []string
}

// Spec is a change to Settings: every nil field keeps its current value, as
// in fal's UpdateApplication. A nil slice keeps the current list; fal has no
// way to clear one.
type Spec struct {
	MinConcurrency        *int
	MaxConcurrency        *int
	MaxMultiplexing       *int
	KeepAlive             *int
	ConcurrencyBuffer     *int
	ConcurrencyBufferPerc *int
	ScalingDelay          *int
	RequestTimeout        *int
	StartupTimeout        *int
	MachineTypes          []string
	Regions               []string
}

// Limits on values fal leaves open. They keep a typo (an extra zero) from
// asking a controller for a million runners.
const (
	MaxRunners      = 10000
	MaxMultiplexing = 1000
	MaxSeconds      = 7 * 24 * 3600
)

// Bounds on machine_types and valid_regions. Both are kept with every
// revision and alias and sent back on every listing, so they stay small;
// fal's own names ("GPU-H100", "us-east") are far inside them.
const (
	MaxPlacements   = 16 // names in one list
	MaxPlacementLen = 64 // bytes in one name
)

// Int returns a pointer to v, for building a Spec.
func Int(v int) *int { return &v }

// IsEmpty reports whether the spec changes nothing.
func (s Spec) IsEmpty() bool {
	return s.MinConcurrency == nil && s.MaxConcurrency == nil && s.MaxMultiplexing == nil &&
		s.KeepAlive == nil && s.ConcurrencyBuffer == nil && s.ConcurrencyBufferPerc == nil &&
		s.ScalingDelay == nil && s.RequestTimeout == nil && s.StartupTimeout == nil &&
		s.MachineTypes == nil && s.Regions == nil
}

// Apply returns cur with every set field of s replaced. It does not
// validate; call Validate on the result.
func (s Spec) Apply(cur Settings) Settings {
	out := cur
	setInt := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	setOpt := func(dst **int, v *int) {
		if v != nil {
			n := *v
			*dst = &n
		}
	}
	setInt(&out.MinConcurrency, s.MinConcurrency)
	setInt(&out.MaxConcurrency, s.MaxConcurrency)
	setInt(&out.MaxMultiplexing, s.MaxMultiplexing)
	setInt(&out.KeepAlive, s.KeepAlive)
	setOpt(&out.ConcurrencyBuffer, s.ConcurrencyBuffer)
	setOpt(&out.ConcurrencyBufferPerc, s.ConcurrencyBufferPerc)
	setOpt(&out.ScalingDelay, s.ScalingDelay)
	setOpt(&out.RequestTimeout, s.RequestTimeout)
	setOpt(&out.StartupTimeout, s.StartupTimeout)
	if s.MachineTypes != nil {
		out.MachineTypes = slices.Clone(s.MachineTypes)
	}
	if s.Regions != nil {
		out.Regions = slices.Clone(s.Regions)
	}
	return out
}

// FieldError names the field a validation error is about, so a form can
// show it next to that field.
type FieldError struct {
	Field string // fal's field name, e.g. "min_concurrency"
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Validate checks complete settings: every count and duration is a whole
// number ≥ 0 within its limit, max_multiplexing is at least 1, the buffer
// percentage is 0–100, min ≤ max, and machine types and regions pass
// ValidatePlacements. All problems are returned, joined, as *FieldError
// values.
func (s Settings) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	rng := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			bad(field, "must be between %d and %d, not %d", lo, hi, v)
		}
	}
	opt := func(field string, v *int, lo, hi int) {
		if v != nil {
			rng(field, *v, lo, hi)
		}
	}
	rng("min_concurrency", s.MinConcurrency, 0, MaxRunners)
	rng("max_concurrency", s.MaxConcurrency, 0, MaxRunners)
	rng("max_multiplexing", s.MaxMultiplexing, 1, MaxMultiplexing)
	rng("keep_alive", s.KeepAlive, 0, MaxSeconds)
	opt("concurrency_buffer", s.ConcurrencyBuffer, 0, MaxRunners)
	opt("concurrency_buffer_perc", s.ConcurrencyBufferPerc, 0, 100)
	opt("scaling_delay_seconds", s.ScalingDelay, 0, MaxSeconds)
	opt("request_timeout", s.RequestTimeout, 0, MaxSeconds)
	opt("startup_timeout", s.StartupTimeout, 0, MaxSeconds)
	if s.MinConcurrency > s.MaxConcurrency {
		bad("min_concurrency", "min_concurrency (%d) is above max_concurrency (%d)", s.MinConcurrency, s.MaxConcurrency)
	}
	checkNames := func(field string, list []string) {
		if err := ValidatePlacements(list); err != nil {
			bad(field, "%s", err)
		}
	}
	checkNames("machine_types", s.MachineTypes)
	checkNames("valid_regions", s.Regions)
	return errors.Join(errs...)
}

// ValidatePlacements checks a list of machine types or regions: at most
// MaxPlacements names, each 1 to MaxPlacementLen ASCII letters, digits,
// '-', '_' or '.'. The local controller accepts any such name (fal cloud
// checks them against what it offers); anything else (spaces of any
// script, control characters, look-alike letters) is a typo or an attack
// on whoever reads the list. The error names the first bad entry, quoted,
// and how many more there are.
func ValidatePlacements(list []string) error {
	if len(list) > MaxPlacements {
		return fmt.Errorf("%d names, at most %d", len(list), MaxPlacements)
	}
	var first string
	n := 0
	for _, name := range list {
		if !placementName(name) {
			if n == 0 {
				first = name
			}
			n++
		}
	}
	switch {
	case n == 0:
		return nil
	case len(first) > MaxPlacementLen:
		first = fmt.Sprintf("a name of %d bytes (at most %d)", len(first), MaxPlacementLen)
	default:
		first = fmt.Sprintf("%q is not a valid name (1 to %d letters, digits, '-', '_' or '.')", first, MaxPlacementLen)
	}
	if n > 1 {
		return fmt.Errorf("%s, and %d more", first, n-1)
	}
	return errors.New(first)
}

func placementName(s string) bool {
	if s == "" || len(s) > MaxPlacementLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
