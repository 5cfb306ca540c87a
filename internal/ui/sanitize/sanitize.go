// Package sanitize makes strings that came from a server safe to draw.
//
// A runner's log line, an app name or a description is attacker-controlled
// text as far as the terminal is concerned: an embedded escape sequence could
// retitle the window, write to the clipboard (OSC 52), move the cursor over
// the dashboard's own warnings, or switch the character set. Every such
// string goes through String (single-line table cells, headers) or Lines
// (multi-line text such as logs) before it is rendered, so that what reaches
// the terminal is printable text only.
//
// The scanner follows the shape of ECMA-48 sequences closely enough to
// swallow their payloads (an OSC 8 hyperlink keeps its visible text and
// loses its URL) rather than merely deleting the ESC byte, which would
// leave "[31m" litter behind.
package sanitize

import (
	"strings"
	"unicode/utf8"
)

const (
	esc = 0x1b
	bel = 0x07
	can = 0x18 // CAN and SUB abort a sequence in progress
	sub = 0x1a
	del = 0x7f

	// C1 controls as runes; in UTF-8 text they arrive as 0xC2 0x80-0x9F.
	c1DCS = 0x90
	c1SOS = 0x98
	c1CSI = 0x9b
	c1ST  = 0x9c
	c1OSC = 0x9d
	c1PM  = 0x9e
	c1APC = 0x9f

	tabStop = 8
)

// String returns s with every terminal control sequence and control
// character removed, for drawing on a single line: newlines and tabs become
// spaces (CRLF becomes one space), invalid UTF-8 becomes U+FFFD. The result
// is idempotent: String(String(s)) == String(s).
func String(s string) string {
	return clean(s, false)
}

// Lines is String for multi-line text such as logs: line breaks (\n, \r\n
// and a lone \r) are kept as \n and tabs are expanded to spaces up to the
// next multiple of 8 columns, so columns laid out with tabs stay aligned.
func Lines(s string) string {
	return clean(s, true)
}

func clean(s string, multiLine bool) string {
	start := firstUnsafe(s)
	if start == len(s) {
		return s // the common case: nothing to do, nothing allocated
	}

	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:start])
	col := utf8.RuneCountInString(s[:start]) // s[:start] holds no line break

	for i := start; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
			col++
		case r == esc:
			i = skipEscape(s, i)
		case r == c1CSI:
			i = skipCSI(s, i)
		case r == c1OSC:
			i = skipString(s, i, true)
		case r == c1DCS || r == c1SOS || r == c1PM || r == c1APC:
			i = skipString(s, i, false)
		case r == '\n' || r == '\r':
			if r == '\r' && i < len(s) && s[i] == '\n' {
				i++
			}
			if multiLine {
				b.WriteByte('\n')
				col = 0
			} else {
				b.WriteByte(' ')
				col++
			}
		case r == '\t':
			n := 1
			if multiLine {
				n = tabStop - col%tabStop
			}
			for range n {
				b.WriteByte(' ')
			}
			col += n
		case isControl(r) || isBidiControl(r):
			// dropped
		default:
			b.WriteRune(r)
			col++
		}
	}
	return b.String()
}

// firstUnsafe returns the byte offset of the first rune that needs work, or
// len(s) if s can be drawn as it is.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < del {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			return i // C0 control or DEL
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || isControl(r) || isBidiControl(r) {
			return i
		}
		i += size
	}
	return len(s)
}

// isControl reports C0, DEL and C1 controls.
func isControl(r rune) bool {
	return r < 0x20 || (r >= del && r <= 0x9f)
}

// isBidiControl reports the invisible bidirectional formatting characters.
// They draw nothing yet can reorder what follows them in terminals that do
// bidi, so a name could be made to read as another ("Trojan Source").
func isBidiControl(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// skipEscape consumes what follows an ESC at s[i:] and returns the offset
// just after the sequence.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		return skipCSI(s, i+1)
	case c == ']':
		return skipString(s, i+1, true)
	case c == 'P' || c == 'X' || c == '^' || c == '_': // DCS, SOS, PM, APC
		return skipString(s, i+1, false)
	case c >= 0x20 && c <= 0x2f:
		// nF sequences such as ESC ( 0 (line-drawing charset) or ESC # 8
		// (fill the screen with E): intermediates, then one final byte.
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
			i++
		}
		if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7e {
			i++
		}
		return i
	case c >= 0x30 && c <= 0x7e:
		return i + 1 // two-byte sequences: ESC 7, ESC c (full reset), ESC M, ...
	default:
		// ESC before a control, another ESC or non-ASCII text is not a
		// sequence: drop the ESC alone and let the caller judge the rest.
		return i
	}
}

// skipCSI consumes a control sequence's parameters, intermediates and final
// byte starting at s[i:].
func skipCSI(s string, i int) int {
	for i < len(s) {
		switch c := s[i]; {
		case c >= 0x20 && c <= 0x3f:
			i++
		case c >= 0x40 && c <= 0x7e:
			return i + 1
		case c == esc:
			return i // a new sequence starts; the caller consumes it
		case c == can || c == sub:
			return i + 1
		case c < 0x20 || c == del:
			// A terminal would execute a C0 control inside a CSI and carry
			// on with the sequence; drop it and carry on too.
			i++
		default:
			return i // malformed: leave the text that follows visible
		}
	}
	return i
}

// skipString consumes the payload of an OSC, DCS, SOS, PM or APC string up
// to and including its terminator. Only OSC may end with BEL, as xterm
// allows. An unterminated string swallows the rest of s, exactly as a
// terminal would have.
func skipString(s string, i int, belEnds bool) int {
	for i < len(s) {
		switch c := s[i]; {
		case c == bel && belEnds:
			return i + 1
		case c == esc:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		case c == can || c == sub:
			return i + 1
		case c == 0xc2 && i+1 < len(s) && s[i+1] == c1ST:
			return i + 2
		}
		i++
	}
	return i
}
