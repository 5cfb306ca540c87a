package localctl

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// fal's CLI sends some REST calls (runner logs and info, queue size) to
// the gRPC address: its SyncServerlessClient derives the REST URL from the
// gRPC host and ignores FAL_REST_HOST. So the controller's address answers
// both: a connection that opens with HTTP/2's client preface is gRPC's,
// any other is an HTTP/1 client of the REST API.
//
// With TLS the split terminates it itself, then goes by what ALPN agreed:
// h2 is gRPC (every gRPC client asks for it, and a server that offers
// both must give it to them), http/1.1 is the REST API (fal's CLI reaches
// it through httpx, which asks for http/1.1 only). A client that asks for
// nothing is sniffed inside TLS as above. An HTTP/2 REST client (curl's
// default over https) lands on gRPC: it must use --http1.1 here, or the
// REST API's own port, which speaks both.

// h2Preface opens every HTTP/2 connection with prior knowledge, which is
// how gRPC clients speak plaintext.
const h2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// sniffTimeout bounds how long a new connection may take to show which
// protocol it speaks.
const sniffTimeout = 10 * time.Second

// splitListener accepts on one listener and hands each connection to the
// gRPC or the HTTP/1 side. The underlying listener closes once both sides
// are closed, since each server closes its own on shutdown.
type splitListener struct {
	l          net.Listener
	tls        *tls.Config // nil: plaintext
	grpc, http *sideListener

	mu     sync.Mutex
	open   int           // sides not closed yet
	failed chan struct{} // closed when Accept fails for good
	err    error
}

// sideListener is one protocol's view of a splitListener.
type sideListener struct {
	parent    *splitListener
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

// split starts accepting on l and returns its gRPC and HTTP/1 sides;
// with cfg, each connection is TLS first (see serverTLS).
func split(l net.Listener, cfg *tls.Config) (grpc, http net.Listener) {
	s := &splitListener{l: l, tls: cfg, open: 2, failed: make(chan struct{})}
	s.grpc, s.http = s.side(), s.side()
	go s.accept()
	return s.grpc, s.http
}

func (s *splitListener) side() *sideListener {
	return &sideListener{parent: s, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (s *splitListener) accept() {
	var delay time.Duration
	for {
		c, err := s.l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				// Out of file descriptors and the like: wait and retry,
				// as net/http does.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			s.mu.Lock()
			s.err = err
			close(s.failed)
			s.mu.Unlock()
			return
		}
		delay = 0
		go s.route(c)
	}
}

// route hands c to its side: by ALPN under TLS when the client asked for
// a protocol, else by sniffing.
func (s *splitListener) route(c net.Conn) {
	if s.tls != nil {
		tc := tls.Server(c, s.tls)
		ctx, cancel := context.WithTimeout(context.Background(), sniffTimeout)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			// A plaintext client, or one that does not trust the
			// certificate: it has its error already.
			c.Close()
			return
		}
		switch tc.ConnectionState().NegotiatedProtocol {
		case "h2":
			s.hand(s.grpc, tc)
			return
		case "http/1.1":
			s.hand(s.http, tc)
			return
		}
		c = tc
	}
	s.sniff(c)
}

// sniff reads as much of c's first bytes as tells HTTP/2's preface from
// anything else (an HTTP/1 request differs in its first two bytes), then
// hands c, those bytes replayed, to its side.
func (s *splitListener) sniff(c net.Conn) {
	preface := []byte(h2Preface)
	buf := make([]byte, len(preface))
	n := 0
	_ = c.SetReadDeadline(time.Now().Add(sniffTimeout))
	for n < len(buf) && bytes.Equal(buf[:n], preface[:n]) {
		m, err := c.Read(buf[n:])
		n += m
		if err != nil {
			c.Close()
			return
		}
	}
	_ = c.SetReadDeadline(time.Time{})
	side := s.http
	if bytes.Equal(buf[:n], preface) {
		side = s.grpc
	}
	s.hand(side, &replayConn{Conn: c, r: io.MultiReader(bytes.NewReader(buf[:n]), c)})
}

// hand gives c to side, or closes it when that side is closed.
func (s *splitListener) hand(side *sideListener, c net.Conn) {
	select {
	case side.conns <- c:
	case <-side.done:
		c.Close()
	}
}

func (l *sideListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-l.parent.failed:
		return nil, l.parent.err
	}
}

func (l *sideListener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.done)
		p := l.parent
		p.mu.Lock()
		p.open--
		last := p.open == 0
		p.mu.Unlock()
		if last {
			err = p.l.Close()
		}
	})
	return err
}

func (l *sideListener) Addr() net.Addr { return l.parent.l.Addr() }

// replayConn reads the bytes the split consumed before the rest of the
// connection.
type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }
