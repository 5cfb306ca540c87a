package procfs

import "testing"

func TestOtherSessions(t *testing.T) {
	ps := []Stat{{Pid: 1, Session: 10}, {Pid: 2, Session: 10}, {Pid: 3, Session: 20}, {Pid: 4, Session: 30}, {Pid: 5, Session: 20}}
	for _, c := range []struct{ session, want int }{{10, 2}, {20, 2}, {99, 3}} {
		if got := OtherSessions(ps, c.session); got != c.want {
			t.Errorf("OtherSessions(ps, %d) = %d, want %d", c.session, got, c.want)
		}
	}
	if got := OtherSessions(nil, 10); got != 0 {
		t.Errorf("no processes: %d sessions", got)
	}
}
