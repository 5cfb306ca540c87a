package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var stringCases = []struct {
	name, in, want string
}{
	{"plain ascii", "my-app--staging", "my-app--staging"},
	{"unicode text kept", "héllo 世界 🚀", "héllo 世界 🚀"},
	{"empty", "", ""},
	{"sgr colour", "\x1b[31mred\x1b[0m", "red"},
	{"alt screen", "\x1b[?1049hx", "x"},
	{"clear and home", "\x1b[2J\x1b[Hx", "x"},
	{"csi with intermediate", "a\x1b[1 qb", "ab"},
	{"osc title bel", "\x1b]0;pwned\x07ok", "ok"},
	{"osc title st", "\x1b]2;pwned\x1b\\ok", "ok"},
	{"osc 8 hyperlink keeps text", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"},
	{"osc 52 clipboard", "\x1b]52;c;cm0gLXJmIH4=\x07", ""},
	{"unterminated osc swallows rest", "a\x1b]0;title and more", "a"},
	{"dcs sixel", "\x1bPq#0;2;0;0;0#0~~\x1b\\x", "x"},
	{"dcs ignores bel", "\x1bPab\x07cd\x1b\\x", "x"},
	{"apc kitty graphics", "\x1b_Gf=100;AAAA\x1b\\img", "img"},
	{"pm", "\x1b^private\x1b\\y", "y"},
	{"sos", "\x1bXstart of string\x1b\\z", "z"},
	{"full reset", "\x1bcx", "x"},
	{"save restore cursor", "\x1b7save\x1b8", "save"},
	{"charset switch", "\x1b(0lqk\x1b(B", "lqk"},
	{"decaln", "\x1b#8x", "x"},
	{"keypad mode", "\x1b=x\x1b>", "x"},
	{"esc at end", "abc\x1b", "abc"},
	{"csi at end", "abc\x1b[", "abc"},
	{"csi params at end", "abc\x1b[12;4", "abc"},
	{"double esc", "\x1b\x1b[31mx", "x"},
	{"esc before control", "a\x1b\x07b", "ab"},
	{"esc before unicode", "a\x1bé", "aé"},
	{"csi interrupted by esc", "\x1b[31\x1b[0mx", "x"},
	{"csi cancelled by can", "\x1b[31\x18x", "x"},
	{"csi cancelled by sub", "\x1b[31\x1ax", "x"},
	{"control inside csi", "\x1b[3\n1mx", "x"},
	{"csi broken by unicode", "\x1b[3éx", "éx"},
	{"osc ended by esc of next", "\x1b]0;t\x1b[31mx", "x"},
	{"osc cancelled by can", "\x1b]0;t\x18x", "x"},
	{"c1 csi", "\u009b31mred", "red"},
	{"c1 osc", "\u009d0;title\u0007x", "x"},
	{"c1 st ends string", "\u009d0;title\u009cx", "x"},
	{"c1 dcs", "\u0090payload\u009cx", "x"},
	{"c1 apc", "\u009fpayload\x1b\\x", "x"},
	{"c1 nel dropped", "a\u0085b", "ab"},
	{"raw 8-bit csi is invalid utf8", "\x9b31m", "\uFFFD31m"},
	{"c0 controls dropped", "a\x00b\x07c\x08d\x0ce", "abcde"},
	{"del dropped", "a\x7fb", "ab"},
	{"newline and tab become spaces", "a\nb\tc", "a b c"},
	{"crlf is one space", "a\r\nb", "a b"},
	{"lone cr", "a\rb", "a b"},
	{"bidi override dropped", "abc\u202edef\u202c", "abcdef"},
	{"bidi isolate dropped", "\u2066x\u2069", "x"},
	{"invalid utf8 replaced", "a\xffb", "a\uFFFDb"},
	{"truncated utf8 replaced", "a\xe4\xb8", "a\uFFFD\uFFFD"},
	{"replacement char kept", "a\uFFFDb", "a\uFFFDb"},
}

func TestString(t *testing.T) {
	for _, tc := range stringCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := String(tc.in); got != tc.want {
				t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLines(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"newlines kept", "a\nb\n", "a\nb\n"},
		{"crlf becomes lf", "a\r\nb\r\n", "a\nb\n"},
		{"lone cr becomes lf", "50%\r100%", "50%\n100%"},
		{"tab to next stop", "a\tb", "a       b"},
		{"tab at stop", "12345678\tx", "12345678        x"},
		{"tab column resets per line", "abc\n\tx", "abc\n        x"},
		{"tab after safe prefix", "abcdefg\tx", "abcdefg x"},
		{"colour in log", "\x1b[32mINFO\x1b[0m started\n", "INFO started\n"},
		{"controls dropped", "a\x07\x00b", "ab"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Lines(tc.in); got != tc.want {
				t.Errorf("Lines(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSafeInputNotCopied(t *testing.T) {
	in := "runner-0123 世界"
	if allocs := testing.AllocsPerRun(100, func() { _ = String(in) }); allocs != 0 {
		t.Errorf("String on safe input allocated %v times, want 0", allocs)
	}
}

// assertInert fails unless out is valid UTF-8 made of printable runes only
// (plus \n when newlines are allowed).
func assertInert(t *testing.T, fn, in, out string, newlines bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%s(%q) = %q: invalid UTF-8", fn, in, out)
	}
	for _, r := range out {
		if r == '\n' && newlines {
			continue
		}
		if isControl(r) || isBidiControl(r) {
			t.Fatalf("%s(%q) = %q: contains control %U", fn, in, out, r)
		}
	}
}

func FuzzString(f *testing.F) {
	for _, tc := range stringCases {
		f.Add(tc.in)
	}
	f.Add("\x1b]8;;\x1b\\\u009b\x1b")
	f.Fuzz(func(t *testing.T, in string) {
		out := String(in)
		assertInert(t, "String", in, out, false)
		if strings.ContainsRune(out, '\n') {
			t.Fatalf("String(%q) = %q: contains a newline", in, out)
		}
		if again := String(out); again != out {
			t.Fatalf("String not idempotent: %q -> %q -> %q", in, out, again)
		}

		lines := Lines(in)
		assertInert(t, "Lines", in, lines, true)
		if again := Lines(lines); again != lines {
			t.Fatalf("Lines not idempotent: %q -> %q -> %q", in, lines, again)
		}
	})
}
