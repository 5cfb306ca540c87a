package modal

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/muesli/termenv"

	"github.com/faldash/faldash/internal/ui/uitest"
)

func numbered(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("line %d", i)
	}
	return out
}

func TestFrameGivesUpPaddingBeforeTheBody(t *testing.T) {
	st := uitest.Styles(termenv.Ascii)
	foot := []string{"y yes   n no"}
	// 4 of chrome, title and blank, blank and foot: 8 lines; 5 of body fit.
	roomy := strings.Split(Frame(st, 40, 13, "Title", numbered(5), foot), "\n")
	if len(roomy) != 13 || strings.TrimSpace(strings.Trim(roomy[1], "│")) != "" {
		t.Errorf("a body that fits keeps the padding:\n%s", strings.Join(roomy, "\n"))
	}
	// Two more lines of body take the padding's place, and all show.
	tight := Frame(st, 40, 13, "Title", numbered(7), foot)
	if n := len(strings.Split(tight, "\n")); n != 13 || !strings.Contains(tight, "line 6") || strings.Contains(tight, "…") {
		t.Errorf("a body two lines longer should show whole without the padding (%d lines):\n%s", n, tight)
	}
	if got := Room(40, 13, "Title", foot); got != 7 {
		t.Errorf("Room = %d, want 7: the body a frame shows whole, its padding given up", got)
	}
	// Longer still, the body's end is cut and marked; the foot stays.
	cut := Frame(st, 40, 13, "Title", numbered(9), foot)
	if !strings.Contains(cut, "…") || strings.Contains(cut, "line 8") || !strings.Contains(cut, "y yes") {
		t.Errorf("an overlong body is cut at its end, the foot kept:\n%s", cut)
	}
}

func TestWindowKeepsTheFocusInView(t *testing.T) {
	st := uitest.Styles(termenv.Ascii)
	lines := numbered(11)
	for _, tc := range []struct {
		first, last, room int
		want              []string
	}{
		{0, 1, 20, lines},
		{0, 1, 4, []string{"line 0", "line 1", "line 2", "  ↓ more below"}},
		{10, 11, 4, []string{"  ↑ more above", "line 8", "line 9", "line 10"}},
		{5, 7, 5, []string{"  ↑ more above", "line 5", "line 6", "line 7", "  ↓ more below"}},
		{5, 7, 2, []string{"line 5", "line 6"}},
	} {
		got := Window(st, lines, tc.first, tc.last, tc.room)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Window(focus %d-%d, room %d) = %q, want %q", tc.first, tc.last, tc.room, got, tc.want)
		}
	}
}
