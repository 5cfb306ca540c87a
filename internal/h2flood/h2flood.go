// Package h2flood sends gRPC calls with headers far larger than a server
// should take, over raw HTTP/2 that ignores the limit the server
// advertises, as a hostile client would. The server tests and the probe
// suite use it to measure what the controller holds for such calls.
package h2flood

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Outcome is how the server ended one call.
type Outcome struct {
	// Status is the grpc-status the server answered with, -1 when it
	// answered none.
	Status int
	// Message is its grpc-message.
	Message string
	// Reset is the RST_STREAM or GOAWAY code when the server sent one.
	Reset http2.ErrCode
	// Closed says the server closed the connection before answering.
	Closed bool
}

// Refused reports whether the call got no OK answer.
func (o Outcome) Refused() bool { return o.Status != 0 }

func (o Outcome) String() string {
	switch {
	case o.Status >= 0:
		return fmt.Sprintf("grpc-status %d (%q)", o.Status, o.Message)
	case o.Reset != 0:
		return "reset: " + o.Reset.String()
	}
	return "connection closed"
}

// frameSize is the most a frame carries: HTTP/2's default, which every
// server accepts without being told more.
const frameSize = 16 << 10

// Call opens a connection to addr and sends one call to method (a path
// such as /controller.IsolateController/ListEnvironments) whose metadata
// carries one entry of size bytes, in CONTINUATION frames streamed from
// one small buffer so the sender holds almost nothing. It returns when
// the server has answered, reset the call or closed the connection, or
// when ctx ends (then with ctx's error).
func Call(ctx context.Context, addr, method string, size int) (Outcome, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return Outcome{}, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		return Outcome{}, err
	}
	fr := http2.NewFramer(conn, conn)
	fr.ReadMetaHeaders = hpack.NewDecoder(64<<10, nil)
	if err := fr.WriteSettings(); err != nil {
		return Outcome{}, err
	}

	// The writer streams the headers while the reader waits for the
	// server's verdict; a server that gives up early closes the
	// connection under the writer, whose error then says nothing more.
	acks := make(chan struct{}, 4)
	go func() { _ = writeHeaders(fr, addr, method, size, acks) }()

	out := Outcome{Status: -1}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			out.Closed = true
			return out, nil
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				select {
				case acks <- struct{}{}:
				default:
				}
			}
		case *http2.MetaHeadersFrame:
			for _, hf := range f.RegularFields() {
				switch hf.Name {
				case "grpc-status":
					out.Status, _ = strconv.Atoi(hf.Value)
				case "grpc-message":
					out.Message = hf.Value
				}
			}
			if out.Status >= 0 {
				return out, nil
			}
		case *http2.RSTStreamFrame:
			out.Reset = f.ErrCode
			return out, nil
		case *http2.GoAwayFrame:
			out.Reset = f.ErrCode
			return out, nil
		}
	}
}

// writeHeaders sends the call's HEADERS and CONTINUATION frames, acking
// the server's settings between frames as HTTP/2 asks.
func writeHeaders(fr *http2.Framer, authority, method string, size int, acks <-chan struct{}) error {
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range []hpack.HeaderField{
		{Name: ":method", Value: "POST"},
		{Name: ":scheme", Value: "http"},
		{Name: ":path", Value: method},
		{Name: ":authority", Value: authority},
		{Name: "content-type", Value: "application/grpc"},
		{Name: "te", Value: "trailers"},
	} {
		if err := enc.WriteField(f); err != nil {
			return err
		}
	}
	// A literal field without indexing, written by hand so its value
	// never has to exist in memory whole.
	block.WriteByte(0x00)
	name := "x-flood"
	block.Write(hpackInt(len(name)))
	block.WriteString(name)
	block.Write(hpackInt(size))

	chunk := bytes.Repeat([]byte{'a'}, frameSize)
	remaining := size
	first := true
	for {
		frag := block.Bytes()
		if len(frag) < frameSize && remaining > 0 {
			n := min(frameSize-len(frag), remaining)
			block.Write(chunk[:n])
			remaining -= n
			frag = block.Bytes()
		}
		end := remaining == 0
		var err error
		if first {
			err = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: frag, EndHeaders: end, EndStream: true})
			first = false
		} else {
			err = fr.WriteContinuation(1, end, frag)
		}
		if err != nil {
			return err
		}
		block.Reset()
		select {
		case <-acks:
			if err := fr.WriteSettingsAck(); err != nil {
				return err
			}
		default:
		}
		if end {
			return nil
		}
	}
}

// hpackInt encodes n as an HPACK integer with a 7-bit prefix and the
// Huffman bit clear.
func hpackInt(n int) []byte {
	if n < 127 {
		return []byte{byte(n)}
	}
	out := []byte{127}
	n -= 127
	for n >= 128 {
		out = append(out, byte(n%128+128))
		n /= 128
	}
	return append(out, byte(n))
}
