package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/faldash/faldash/falpb"
	"github.com/faldash/faldash/server"
)

// Section is one part of the suite; see the package doc for the contract.
type Section struct {
	Name  string
	Quick bool
	Local bool
	Run   func(ctx context.Context, t *Target) (tried, misbehaved int, notes []string)
}

var sections []Section

// Register adds a section to the suite; call it from an init function.
func Register(s Section) {
	for _, o := range sections {
		if o.Name == s.Name {
			panic("probe: section " + s.Name + " registered twice")
		}
	}
	sections = append(sections, s)
}

// Target is the controller under probe.
type Target struct {
	// GRPC is the controller's address; Conn is a connection to it that
	// sends no key (Admin adds the admin key to a context).
	GRPC string
	Conn *grpc.ClientConn
	// REST and Gateway are base URLs ("http://host:port"), "" when off.
	REST    string
	Gateway string
	// KeyID and KeySecret are the admin key.
	KeyID, KeySecret string
	// User is the account nickname in gateway and queue paths.
	User string
	// DataDir is the controller's data directory, "" with -addr.
	DataDir string
	// InProcess says the controller runs in this process, so its memory
	// is this process's (runtime.ReadMemStats).
	InProcess bool
	// Binary builds (once) and returns the path of a faldash binary, for
	// sections that start a real `faldash serve`; nil with -addr.
	Binary func() (string, error)

	seq atomic.Int64
}

// Client is the generated client on Conn.
func (t *Target) Client() falpb.IsolateControllerClient {
	return falpb.NewIsolateControllerClient(t.Conn)
}

// Admin returns ctx carrying the admin key as fal's metadata.
func (t *Target) Admin(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, server.MetadataKeyID, t.KeyID, server.MetadataKeySecret, t.KeySecret)
}

// AuthHeader is the admin key as fal's REST API takes it.
func (t *Target) AuthHeader() string { return "Key " + t.KeyID + ":" + t.KeySecret }

// Name returns a fresh name with prefix, unique within this run, for
// what a section creates.
func (t *Target) Name(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, t.seq.Add(1))
}

// Result is one section's outcome.
type Result struct {
	Name              string
	Tried, Misbehaved int
	Notes             []string
}

// Tally counts a section's cases.
type Tally struct {
	Tried, Misbehaved int
	Notes             []string
}

// Check counts one case named what; ok says it behaved, and when it did
// not, why (a format and arguments) becomes a note.
func (t *Tally) Check(what string, ok bool, why string, args ...any) {
	t.Tried++
	if !ok {
		t.Misbehaved++
		t.Notes = append(t.Notes, what+": "+fmt.Sprintf(why, args...))
	}
}

// Note adds a line that is not a failure (a figure, a skipped case).
func (t *Tally) Note(format string, args ...any) {
	t.Notes = append(t.Notes, fmt.Sprintf(format, args...))
}

// Result returns the three values a section function returns.
func (t *Tally) Result() (tried, misbehaved int, notes []string) {
	return t.Tried, t.Misbehaved, t.Notes
}

// Quote renders s for a note: Go-quoted (so control characters show as
// escapes) and cut to 120 bytes.
func Quote(s string) string {
	const limit = 120
	if len(s) > limit {
		return fmt.Sprintf("%q…(%d bytes)", s[:limit], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// Unsafe reports whether s, something the server sent, holds a character
// that a terminal or a log reader would act on: a C0 or C1 control other
// than tab, DEL, or a bidi override or isolate.
func Unsafe(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return (r < 0x20 && r != '\t') || (r >= 0x7f && r <= 0x9f) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
	}) >= 0
}

// RunSections runs the sections selected by match (nil: all), only the
// quick ones when quick, skipping Local ones when t has no DataDir.
func RunSections(ctx context.Context, t *Target, match *regexp.Regexp, quick bool) []Result {
	var out []Result
	for _, s := range sections {
		if (match != nil && !match.MatchString(s.Name)) || (quick && !s.Quick) {
			continue
		}
		if s.Local && t.DataDir == "" {
			out = append(out, Result{Name: s.Name, Notes: []string{"skipped: needs a controller of its own (no -addr)"}})
			continue
		}
		r := Result{Name: s.Name}
		r.Tried, r.Misbehaved, r.Notes = s.Run(ctx, t)
		out = append(out, r)
	}
	return out
}
