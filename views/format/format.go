// Package format turns durations, ages, revisions and flags into the short
// strings the panes draw. Everything here is pure, so tables and goldens
// built from it are stable under a fixed clock.
package format

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faldash/faldash/internal/ui/sanitize"
)

// Dash stands for a value the server did not give.
const Dash = "-"

// Duration is a compact duration in at most two units: "12s", "4m03s",
// "1h02m", "3d04h". Negative durations count as zero: a countdown that
// overran still reads "0s" rather than nonsense.
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}

// Live is a duration that ticks on screen, an uptime or a countdown, in
// as few changes as reads well: to the second under a minute, to ten
// seconds under ten minutes, then to the minute, and to the hour past a
// day: "42s", "4m10s", "42m", "3h05m", "3d04h". A cell drawn with it
// changes every second only in its first minute, so a screen of
// long-running runners is quiet between refreshes (as k9s does).
// Negative durations count as zero.
func Live(d time.Duration) string {
	s := int64(max(0, d) / time.Second)
	switch {
	case s < 60:
		return strconv.FormatInt(s, 10) + "s"
	case s < 600:
		return strconv.FormatInt(s/60, 10) + "m" + pad2(s%60/10*10) + "s"
	case s < 3600:
		return strconv.FormatInt(s/60, 10) + "m"
	case s < 86400:
		return strconv.FormatInt(s/3600, 10) + "h" + pad2(s%3600/60) + "m"
	}
	return strconv.FormatInt(s/86400, 10) + "d" + pad2(s%86400/3600) + "h"
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// Age is how long ago something happened in one unit: "12s", "4m", "3h",
// "2d". Ages are read at a glance, so they are rounded down to one unit.
func Age(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}

// Ago is Age with "ago", or Dash for a zero time (the server sent none).
func Ago(now, t time.Time) string {
	if t.IsZero() {
		return Dash
	}
	return Age(now.Sub(t)) + " ago"
}

// Short returns the first n runes of a sanitized server string such as a
// revision id, which is long and unique in its first characters.
func Short(s string, n int) string {
	s = sanitize.String(s)
	if s == "" {
		return Dash
	}
	// Counting runes without converting: a table of many rows calls this
	// once per row and refresh, and ids are ASCII.
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// List joins sanitized server strings with commas, or Dash when empty.
func List(items []string) string {
	if len(items) == 0 {
		return Dash
	}
	clean := make([]string, len(items))
	for i, it := range items {
		clean[i] = sanitize.String(it)
	}
	return strings.Join(clean, ",")
}

// Or returns the sanitized s, or Dash when it is empty.
func Or(s string) string {
	if s = sanitize.String(s); s == "" {
		return Dash
	}
	return s
}

// YesNo spells a flag as a word, which stays readable without colour.
func YesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// OptInt is an optional count: Dash when unset.
func OptInt(v *int) string {
	if v == nil {
		return Dash
	}
	return fmt.Sprint(*v)
}

// Count is n with its noun in the right number: "1 line", "3 lines".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
