package confine

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// spec is what the shim is asked to do.
type spec struct {
	landlock bool     // restrict with Landlock, failing if it cannot
	hidden   []string // never granted
	writable []string // granted read-write
	init     bool     // PID 1 of a new PID namespace
	lifeline int      // fd whose end of file means the controller is gone; 0: none
	control  int      // fd of the control socket (see Control); 0: none
	tty      bool     // the command leads a session whose terminal is its stdin
	probe    bool     // check the set-up and exit 0
	argv     []string
}

// args is the shim's command line after Arg.
func (s spec) args() []string {
	var a []string
	if s.landlock {
		a = append(a, "--landlock")
	}
	for _, h := range s.hidden {
		a = append(a, "--hide", h)
	}
	for _, w := range s.writable {
		a = append(a, "--write", w)
	}
	if s.init {
		a = append(a, "--init")
	}
	if s.lifeline > 0 {
		a = append(a, "--lifeline", strconv.Itoa(s.lifeline))
	}
	if s.control > 0 {
		a = append(a, "--control", strconv.Itoa(s.control))
	}
	if s.tty {
		a = append(a, "--tty")
	}
	if s.probe {
		a = append(a, "--probe")
	}
	return append(append(a, "--"), s.argv...)
}

type paths []string

func (p *paths) String() string     { return strings.Join(*p, ",") }
func (p *paths) Set(v string) error { *p = append(*p, v); return nil }

func parseSpec(args []string) (spec, error) {
	var s spec
	fs := flag.NewFlagSet(Arg, flag.ContinueOnError)
	fs.SetOutput(discard{})
	fs.BoolVar(&s.landlock, "landlock", false, "")
	fs.Var((*paths)(&s.hidden), "hide", "")
	fs.Var((*paths)(&s.writable), "write", "")
	fs.BoolVar(&s.init, "init", false, "")
	fs.IntVar(&s.lifeline, "lifeline", 0, "")
	fs.IntVar(&s.control, "control", 0, "")
	fs.BoolVar(&s.tty, "tty", false, "")
	fs.BoolVar(&s.probe, "probe", false, "")
	if err := fs.Parse(args); err != nil {
		return spec{}, err
	}
	s.argv = fs.Args()
	if len(s.argv) == 0 && !s.probe {
		return spec{}, errors.New("no command to run")
	}
	for _, fd := range []struct {
		name string
		n    int
	}{{"lifeline", s.lifeline}, {"control", s.control}} {
		if fd.n < 0 || (fd.n > 0 && fd.n < 3) {
			return spec{}, fmt.Errorf("%s fd %d is one of the standard streams", fd.name, fd.n)
		}
	}
	if s.control > 0 && s.control == s.lifeline {
		return spec{}, fmt.Errorf("control and lifeline are both fd %d", s.control)
	}
	return s, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
