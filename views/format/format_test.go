package format

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"}, {0, "0s"}, {999 * time.Millisecond, "0s"}, {59 * time.Second, "59s"},
		{time.Minute, "1m00s"}, {4*time.Minute + 3*time.Second, "4m03s"}, {time.Hour + 2*time.Minute + 59*time.Second, "1h02m"},
		{49 * time.Hour, "2d01h"},
	} {
		if got := Duration(tc.d); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestLive(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"}, {59*time.Second + 999*time.Millisecond, "59s"}, {time.Minute, "1m00s"},
		{4*time.Minute + 19*time.Second, "4m10s"}, {9*time.Minute + 59*time.Second, "9m50s"}, {10 * time.Minute, "10m"},
		{59*time.Minute + 59*time.Second, "59m"}, {time.Hour + 2*time.Minute + 59*time.Second, "1h02m"},
		{49*time.Hour + 59*time.Minute, "2d01h"},
	} {
		if got := Live(tc.d); got != tc.want {
			t.Errorf("Live(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	// How often the text changes over a day: the quieter the better, but
	// every second in the first minute.
	changes, last := 0, ""
	for s := range 24 * 3600 {
		if text := Live(time.Duration(s) * time.Second); text != last {
			changes, last = changes+1, text
		}
	}
	if want := 60 + 54 + 50 + 23*60; changes != want {
		t.Errorf("Live changes %d times in a day, want %d", changes, want)
	}
}

func TestAgeAndAgo(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Minute, "0s"}, {12 * time.Second, "12s"}, {90 * time.Second, "1m"}, {5 * time.Hour, "5h"}, {72 * time.Hour, "3d"},
	} {
		if got := Age(tc.d); got != tc.want {
			t.Errorf("Age(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	if got := Ago(now, now.Add(-2*time.Hour)); got != "2h ago" {
		t.Errorf("Ago = %q", got)
	}
	if got := Ago(now, time.Time{}); got != Dash {
		t.Errorf("Ago of the zero time = %q", got)
	}
}

func TestStrings(t *testing.T) {
	if got := Short("0123456789", 8); got != "01234567" {
		t.Errorf("Short = %q", got)
	}
	if got := Short("ab", 8); got != "ab" {
		t.Errorf("Short of a short string = %q", got)
	}
	if got := Short("", 8); got != Dash {
		t.Errorf("Short of nothing = %q", got)
	}
	if got := Short("\x1b[31mé\x1b[0mxyz", 2); got != "éx" {
		t.Errorf("Short counts escapes or bytes: %q", got)
	}
	if got := List([]string{"a\x07", "b"}); got != "a,b" {
		t.Errorf("List = %q", got)
	}
	if got := List(nil); got != Dash {
		t.Errorf("List(nil) = %q", got)
	}
	if got := Or("\x1b]0;x\x07"); got != Dash {
		t.Errorf("Or of an escape only = %q", got)
	}
	n := 4
	if OptInt(nil) != Dash || OptInt(&n) != "4" || YesNo(true) != "yes" || YesNo(false) != "no" {
		t.Error("OptInt or YesNo")
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 lines", 1: "1 line", 2: "2 lines"} {
		if got := Count(n, "line", "lines"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
