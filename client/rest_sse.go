package client

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxSSELine bounds one line of a server-sent event stream, and the data
// of one event, so a runaway server cannot exhaust memory.
const maxSSELine = 1 << 20

// sseEvent is one dispatched server-sent event. Name is "message" unless
// the server named it.
type sseEvent struct {
	Name, Data string
}

// sseReader reads server-sent events as the HTML standard defines them:
// lines ended by LF, CRLF or CR; "field: value" lines (one space after the
// colon dropped); data lines joined with LF; a blank line dispatching the
// event; comment lines (":...", which servers send as keepalives) and
// events without data ignored. Fields other than event and data (id,
// retry) mean nothing to faldash.
type sseReader struct {
	r      *bufio.Reader
	max    int
	line   []byte
	skipLF bool // the last line ended with CR: an LF right after it is part of that ending
}

func newSSEReader(r io.Reader, max int) *sseReader {
	return &sseReader{r: bufio.NewReaderSize(r, 32<<10), max: max}
}

var errSSETooLong = errors.New("an event stream line is too long")

// Next returns the next event. At the end of the stream it returns io.EOF,
// dropping an event the stream left unfinished, as the standard says.
func (s *sseReader) Next() (sseEvent, error) {
	var (
		name    string
		data    strings.Builder
		hasData bool
	)
	for {
		line, err := s.readLine()
		if err != nil {
			return sseEvent{}, err
		}
		if len(line) == 0 {
			if !hasData {
				name = ""
				continue
			}
			if name == "" {
				name = "message"
			}
			return sseEvent{Name: name, Data: data.String()}, nil
		}
		if line[0] == ':' {
			continue
		}
		field, value := string(line), ""
		if i := strings.IndexByte(field, ':'); i >= 0 {
			field, value = field[:i], strings.TrimPrefix(field[i+1:], " ")
		}
		switch field {
		case "event":
			name = value
		case "data":
			if data.Len()+len(value)+1 > s.max {
				return sseEvent{}, fmt.Errorf("an event's data is over %d bytes", s.max)
			}
			if hasData {
				data.WriteByte('\n')
			}
			data.WriteString(value)
			hasData = true
		}
	}
}

// readLine returns the next line without its ending; the slice is reused
// by the next call. A line the stream ends without ending is incomplete,
// so it is dropped and the answer is io.EOF.
func (s *sseReader) readLine() ([]byte, error) {
	s.line = s.line[:0]
	for {
		n := s.r.Buffered()
		if n == 0 {
			// Only here does the reader wait for the server, so a line
			// ended by CR is returned without waiting to see what follows.
			if _, err := s.r.Peek(1); err != nil {
				return nil, err
			}
			n = s.r.Buffered()
		}
		buf, _ := s.r.Peek(n)
		if s.skipLF {
			s.skipLF = false
			if buf[0] == '\n' {
				s.r.Discard(1) //nolint:errcheck // buffered
				continue
			}
		}
		i := bytes.IndexAny(buf, "\r\n")
		if i < 0 {
			i = len(buf)
		}
		if len(s.line)+i > s.max {
			return nil, errSSETooLong
		}
		s.line = append(s.line, buf[:i]...)
		if i == len(buf) {
			s.r.Discard(i) //nolint:errcheck // buffered
			continue
		}
		s.skipLF = buf[i] == '\r'
		s.r.Discard(i + 1) //nolint:errcheck // buffered
		return s.line, nil
	}
}
