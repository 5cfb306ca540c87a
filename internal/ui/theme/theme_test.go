package theme

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

func renderer(p termenv.Profile, dark bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	r.SetHasDarkBackground(dark)
	return r
}

func TestStatesAreDistinctWithoutColour(t *testing.T) {
	s := NewStyles(Default(), renderer(termenv.Ascii, true))
	words := map[string]string{}
	glyphs := map[string]string{}
	for _, state := range RunnerStates() {
		w, g := StateWord(state), StateGlyph(state)
		if w == "" || g == "" {
			t.Fatalf("state %s has word %q glyph %q", state, w, g)
		}
		if other, dup := words[w]; dup {
			t.Errorf("states %s and %s share the word %q", state, other, w)
		}
		if other, dup := glyphs[g]; dup {
			t.Errorf("states %s and %s share the glyph %q", state, other, g)
		}
		words[w], glyphs[g] = state, state
		if got, want := s.State(state), g+" "+w; got != want {
			t.Errorf("State(%s) under Ascii = %q, want %q", state, got, want)
		}
	}
	if got := StateWord("FAILURE_DELAY"); got != "crash backoff" {
		t.Errorf("FAILURE_DELAY is shown as %q, want fal's %q", got, "crash backoff")
	}
}

// The help's legend explains every state, as the rows draw it, and the
// lost mark, each with its own meaning.
func TestStateLegendExplainsEveryState(t *testing.T) {
	s := NewStyles(Default(), renderer(termenv.Ascii, true))
	l := s.StateLegend()
	states := RunnerStates()
	if len(l.Marks) != len(states)+1 {
		t.Fatalf("%d marks for %d states and lost", len(l.Marks), len(states))
	}
	meanings := map[string]bool{}
	for i, mk := range l.Marks {
		if i < len(states) && mk.Glyph != s.State(states[i]) {
			t.Errorf("mark %d is %q, want %q as rows draw it", i, mk.Glyph, s.State(states[i]))
		}
		if mk.Meaning == "" || meanings[mk.Meaning] {
			t.Errorf("mark %q means %q: empty or said of another", mk.Glyph, mk.Meaning)
		}
		meanings[mk.Meaning] = true
	}
	if last := l.Marks[len(states)].Glyph; last != "lost" {
		t.Errorf("last mark %q, want lost", last)
	}
}

func TestUnknownStates(t *testing.T) {
	s := NewStyles(Default(), renderer(termenv.ANSI256, true))
	for _, state := range []string{"", "UNKNOWN"} {
		if StateWord(state) != "unknown" || StateGlyph(state) != "?" {
			t.Errorf("state %q: word %q glyph %q", state, StateWord(state), StateGlyph(state))
		}
	}
	// A state from a newer server keeps its name, styled like UNKNOWN.
	if got := StateWord("WARM_POOL"); got != "warm pool" {
		t.Errorf("StateWord(WARM_POOL) = %q", got)
	}
	if StateGlyph("WARM_POOL") != "?" {
		t.Errorf("StateGlyph(WARM_POOL) = %q", StateGlyph("WARM_POOL"))
	}
	if got, want := s.StateStyle("WARM_POOL").Render("x"), s.StateStyle("UNKNOWN").Render("x"); got != want {
		t.Errorf("unknown state style %q, want UNKNOWN's %q", got, want)
	}
	if got, want := s.StateStyle("").Render("x"), s.StateStyle("UNKNOWN").Render("x"); got != want {
		t.Errorf("empty state style %q, want UNKNOWN's %q", got, want)
	}
}

func TestColourFollowsRendererProfile(t *testing.T) {
	mono := NewStyles(Default(), renderer(termenv.Ascii, true))
	if got := mono.Production.Render("main"); strings.Contains(got, "\x1b") {
		t.Errorf("Ascii badge has escape codes: %q", got)
	}
	if got := mono.State("RUNNING"); strings.Contains(got, "\x1b") {
		t.Errorf("Ascii state has escape codes: %q", got)
	}

	dark := NewStyles(Default(), renderer(termenv.ANSI256, true))
	light := NewStyles(Default(), renderer(termenv.ANSI256, false))
	d, l := dark.State("RUNNING"), light.State("RUNNING")
	if !strings.Contains(d, "\x1b[") {
		t.Errorf("ANSI256 state has no colour: %q", d)
	}
	if d == l {
		t.Errorf("running looks the same on light and dark backgrounds: %q", d)
	}
	if a, b := dark.State("RUNNING"), dark.State("FAILURE_DELAY"); a == b {
		t.Error("running and crash backoff render alike")
	}
}

func TestNilRendererUsesDefault(t *testing.T) {
	if s := NewStyles(Default(), nil); s.State("IDLE") == "" {
		t.Error("empty state rendering with the default renderer")
	}
}

// TestNoColourLiteralsOutsideTheme keeps the palette in one place: a colour
// written anywhere else escapes the theme and NO_COLOR review.
func TestNoColourLiteralsOutsideTheme(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", "..")) // from internal/ui/theme
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		// Fatal, not skipped: a move of this package would otherwise turn
		// the check off unseen (it nearly did once).
		t.Fatalf("module root not found from %s: %v", root, err)
	}
	self, _ := filepath.Abs(".")
	banned := []string{"lipgloss.Color(", "lipgloss.AdaptiveColor{", "lipgloss.ANSIColor(",
		"lipgloss.CompleteColor{", "lipgloss.CompleteAdaptiveColor{", "termenv.RGBColor(", "termenv.ANSI256Color("}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == self || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, b := range banned {
			if strings.Contains(string(src), b) {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s uses %s: colours belong in internal/ui/theme", rel, b)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStateCellsAreRenderedOnce(t *testing.T) {
	s := NewStyles(Default(), renderer(termenv.ANSI256, true))
	for _, state := range append(RunnerStates(), "WARM_POOL") {
		for _, lost := range []bool{false, true} {
			want := s.State(state)
			if lost {
				want += " " + s.Lost.Render("lost")
			}
			if got := s.StateCell(state, lost); got != want {
				t.Errorf("StateCell(%s, %v) = %q, want %q", state, lost, got, want)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { s.StateCell("RUNNING", true) }); n != 0 {
		t.Errorf("StateCell of a known state allocates %v times", n)
	}
}
