package client

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func readEvents(r io.Reader, max int) ([]sseEvent, error) {
	s := newSSEReader(r, max)
	var out []sseEvent
	for {
		ev, err := s.Next()
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

func TestSSEReader(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []sseEvent
	}{
		{"one event", "data: {\"a\":1}\n\n", []sseEvent{{"message", `{"a":1}`}}},
		{"named event", "event: error\ndata: runner gone\n\n", []sseEvent{{"error", "runner gone"}}},
		{"comments are keepalives", ": ping\n\n:\ndata: x\n: mid-event\n\n", []sseEvent{{"message", "x"}}},
		{"multi-line data", "data: one\ndata:two\ndata:  three\n\n", []sseEvent{{"message", "one\ntwo\n three"}}},
		{"CRLF", "event: message\r\ndata: a\r\n\r\ndata: b\r\n\r\n", []sseEvent{{"message", "a"}, {"message", "b"}}},
		{"lone CR", "data: a\rdata: b\r\rdata: c\n\n", []sseEvent{{"message", "a\nb"}, {"message", "c"}}},
		{"empty data line counts", "data\n\ndata:\n\n", []sseEvent{{"message", ""}, {"message", ""}}},
		{"no data, no event", "event: error\n\ndata: x\n\n", []sseEvent{{"message", "x"}}},
		{"other fields ignored", "id: 7\nretry: 100\nfoo: bar\ndata: x\n\n", []sseEvent{{"message", "x"}}},
		{"unfinished event dropped", "data: a\n\ndata: b\n", []sseEvent{{"message", "a"}}},
		{"unfinished line dropped", "data: a\n\ndata: b", []sseEvent{{"message", "a"}}},
		{"colon in value", "data: a: b\n\n", []sseEvent{{"message", "a: b"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []io.Reader{strings.NewReader(tc.in), iotest.OneByteReader(strings.NewReader(tc.in))} {
				got, err := readEvents(r, maxSSELine)
				if !errors.Is(err, io.EOF) {
					t.Fatalf("end: %v", err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("events %q, want %q", got, tc.want)
				}
			}
		})
	}
}

func TestSSEReaderBoundsLinesAndData(t *testing.T) {
	long := "data: " + strings.Repeat("x", 100) + "\n\n"
	if _, err := readEvents(strings.NewReader(long), 64); !errors.Is(err, errSSETooLong) {
		t.Fatalf("a 106-byte line under a 64-byte bound: %v", err)
	}
	many := strings.Repeat("data: "+strings.Repeat("x", 30)+"\n", 4) + "\n"
	if _, err := readEvents(strings.NewReader(many), 64); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("124 bytes of data under a 64-byte bound: %v", err)
	}
	if got, err := readEvents(strings.NewReader(many), 200); len(got) != 1 || !errors.Is(err, io.EOF) {
		t.Fatalf("the same under 200 bytes: %q, %v", got, err)
	}
}

// A line ended by CR is returned at once: the reader does not wait for the
// server's next byte to see whether an LF follows.
func TestSSEReaderDoesNotWaitAfterCR(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	s := newSSEReader(pr, maxSSELine)
	go pw.Write([]byte("data: a\r\r")) //nolint:errcheck // the pipe is read below
	ev, err := s.Next()
	if err != nil || ev.Data != "a" {
		t.Fatalf("event %+v, %v", ev, err)
	}
	go pw.Write([]byte("\ndata: b\n\n")) //nolint:errcheck // the pipe is read below
	ev, err = s.Next()
	if err != nil || ev.Data != "b" {
		t.Fatalf("after a CR then LF: %+v, %v", ev, err)
	}
}

// FuzzSSEReader checks that the events do not depend on how the stream is
// cut into reads, that no event's data is over the bound, and that the
// reader ends on any input.
func FuzzSSEReader(f *testing.F) {
	for _, s := range []string{
		"data: x\n\n", "event: error\r\ndata: e\r\n\r\n", ": keepalive\n\n", "data: a\rdata: b\r\r",
		"data:\ndata\n\n", "data: " + strings.Repeat("y", 80) + "\n\n", "\r\n\r\n\n\r", "id: 1\nretry: x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		const max = 64
		whole, werr := readEvents(bytes.NewReader(in), max)
		bytewise, berr := readEvents(iotest.OneByteReader(bytes.NewReader(in)), max)
		if !reflect.DeepEqual(whole, bytewise) || (werr == nil) != (berr == nil) || werr != nil && werr.Error() != berr.Error() {
			t.Fatalf("whole: %q, %v; byte by byte: %q, %v", whole, werr, bytewise, berr)
		}
		for _, ev := range whole {
			if len(ev.Data) > max || ev.Name == "" {
				t.Fatalf("event %q", ev)
			}
		}
	})
}
