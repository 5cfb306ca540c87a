//go:build linux

package main

import (
	"bytes"
	"regexp"
)

// escape matches a terminal control sequence: CSI, OSC, charset choice and
// the single-character escapes Bubble Tea writes.
var escape = regexp.MustCompile(`\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]`)

// strip is what a terminal shows of b, roughly: the text without control
// sequences, each sequence a line break so that words drawn apart stay
// apart.
func strip(b []byte) []byte { return escape.ReplaceAll(b, []byte("\n")) }

// cursorHome starts every frame Bubble Tea's renderer draws on the
// alternate screen.
var cursorHome = []byte("\x1b[H")

// frameEnd is what closes a frame: the cursor parked on the last line,
// and the screen below erased when the frame is shorter than the last.
var frameEnd = regexp.MustCompile(`\x1b\[\d*;?\d*H|\x1b\[J`)

// frameStats counts the frames in b and the lines they rewrite. Bubble
// Tea v1's renderer writes a frame as cursor home, then per line either
// the whole line (changed) or a bare line feed (unchanged, skipped).
func frameStats(b []byte) (frames, lines int) {
	parts := bytes.Split(b, cursorHome)
	for i, p := range parts {
		if i == 0 {
			continue // before the first frame of the window
		}
		frames++
		for _, seg := range bytes.Split(p, []byte("\n")) {
			seg = frameEnd.ReplaceAll(bytes.TrimRight(seg, "\r"), nil)
			if len(bytes.TrimRight(seg, "\r")) > 0 {
				lines++
			}
		}
	}
	return frames, lines
}

// answers are what a terminal replies to the queries a program may send
// at start (termenv asks for the colours, then for the cursor position as
// a fence); without them the program waits out termenv's five-second
// timeout before its first frame.
var answers = []struct{ query, reply string }{
	{"\x1b]11;?", "\x1b]11;rgb:1c1c/1c1c/1c1c\x1b\\"},
	{"\x1b]10;?", "\x1b]10;rgb:d0d0/d0d0/d0d0\x1b\\"},
	{"\x1b[6n", "\x1b[60;1R"},
}

// replies are the answers to the queries in b, in the order asked.
func replies(b []byte) []byte {
	type hit struct {
		at    int
		reply string
	}
	var hits []hit
	for _, a := range answers {
		q := []byte(a.query)
		for off := 0; ; {
			i := bytes.Index(b[off:], q)
			if i < 0 {
				break
			}
			hits = append(hits, hit{off + i, a.reply})
			off += i + len(q)
		}
	}
	var out []byte
	for len(hits) > 0 {
		first := 0
		for i, h := range hits {
			if h.at < hits[first].at {
				first = i
			}
		}
		out = append(out, hits[first].reply...)
		hits = append(hits[:first], hits[first+1:]...)
	}
	return out
}
