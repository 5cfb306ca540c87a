package server

import (
	"bytes"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/grpc/keepalive"
)

// fal's channel pings every 30 s whether or not a call is in flight.
func TestKeepalivePolicyAllowsFalsPings(t *testing.T) {
	if keepalivePolicy.MinTime > 30*time.Second || !keepalivePolicy.PermitWithoutStream {
		t.Errorf("policy %+v refuses a ping every 30 s on an idle connection", keepalivePolicy)
	}
}

// A client that pings on an idle connection is answered, not sent away.
// grpc-go's clients cannot ping more often than every 10 s, so a raw
// HTTP/2 client pings here, against a server whose MinTime is shortened
// and whose other settings are the controller's; grpc-go's default policy
// is the control that shows the check would catch a GOAWAY.
func TestIdlePingsGetNoGoaway(t *testing.T) {
	for _, tc := range []struct {
		name       string
		policy     keepalive.EnforcementPolicy
		wantGoaway bool
	}{
		{"grpc-go default", keepalive.EnforcementPolicy{}, true},
		{"controller", keepalive.EnforcementPolicy{MinTime: time.Nanosecond, PermitWithoutStream: keepalivePolicy.PermitWithoutStream}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, func(c *Config) { c.keepalive = &tc.policy })
			acked, goaway := pingIdle(t, h.addr, 6)
			if tc.wantGoaway && goaway != "too_many_pings" {
				t.Errorf("%d pings acknowledged, GOAWAY %q; want GOAWAY too_many_pings", acked, goaway)
			}
			if !tc.wantGoaway && (goaway != "" || acked != 6) {
				t.Errorf("%d of 6 pings acknowledged, GOAWAY %q", acked, goaway)
			}
		})
	}
}

// pingIdle opens an HTTP/2 connection to addr and, with no stream open,
// sends up to n pings, each after the last one's acknowledgement. It
// returns how many were acknowledged and the debug data of a GOAWAY that
// ended the connection ("" if none came).
func pingIdle(t *testing.T, addr string, n int) (acked int, goaway string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A bound on a hung server, not a pace.
	if err := conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(conn, conn)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		data := [8]byte{byte(i + 1)}
		if err := fr.WritePing(false, data); err != nil {
			t.Fatal(err)
		}
		for waiting := true; waiting; {
			f, err := fr.ReadFrame()
			if err != nil {
				t.Fatalf("after %d acknowledged pings: %v", acked, err)
			}
			switch f := f.(type) {
			case *http2.SettingsFrame:
				if !f.IsAck() {
					if err := fr.WriteSettingsAck(); err != nil {
						t.Fatal(err)
					}
				}
			case *http2.PingFrame:
				if f.IsAck() && bytes.Equal(f.Data[:], data[:]) {
					acked++
					waiting = false
				}
			case *http2.GoAwayFrame:
				return acked, string(f.DebugData())
			}
		}
	}
	return acked, ""
}
