// Command probe throws bad input and hostile conditions at a local fal
// controller and reports, per section, how many cases it tried and how
// many misbehaved. A misbehaving case is one the controller accepted when
// it should have refused, refused with the wrong code or status, answered
// with an unsafe echo (the bad input reflected raw, control characters and
// all, into an error), or that changed state (the store's listings differ
// before and after a refused call); or, for the sections that are not
// about input, whatever the section defines as failure (a write lost under
// kill -9, a runner left alive, a confined runner reading the data
// directory, a gateway request answered without a valid key).
//
// Usage:
//
//	go run ./internal/probe              # a fresh controller in a temp dir, every section
//	go run ./internal/probe -quick       # only the sections CI runs
//	go run ./internal/probe -addr HOST:PORT -rest URL -gateway URL -key-file FILE
//	go run ./internal/probe -run secrets # sections whose name matches a regexp
//
// It prints one line per section (cases tried, misbehaved, then notes:
// each misbehaving case and the section's figures) and a TOTAL of them
// all, and exits 1 when any case misbehaved. A case is what the section
// says it is: one bad request for the input sections, one acknowledged
// write for kill-9. probe_test.go runs the quick sections against an
// in-process controller in CI, asserting that none misbehaved (-v prints
// the figures).
//
// The input sections send each bad request with the admin key (or the
// credentials under test) through runRPC or restCall, which take a
// snapshot of every listing before and after, so a section only lists
// requests and the codes a right refusal may have.
//
// # Adding a section
//
// A section is one function in its own file, registered from that file's
// init:
//
//	func init() {
//		Register(Section{Name: "secrets", Quick: true, Run: probeSecrets})
//	}
//
//	func probeSecrets(ctx context.Context, t *Target) (tried, misbehaved int, notes []string)
//
// The function probes t and returns how many cases it tried, how many of
// them misbehaved, and notes: one line per misbehaving case saying what
// was sent and what came back (sanitized: use Quote for anything from the
// server or the input), plus any figures worth reporting (such as "RSS
// +3 MiB"). It must not panic on a misbehaving server; a setup step that
// fails counts as one misbehaved case with a note. A Tally keeps the three
// values for the common shape of a section (see Tally.Check).
//
// Flags of a Section:
//
//   - Quick: fast (a few seconds) and needing nothing but Go, so CI runs
//     it in probe_test.go against an in-process controller.
//   - Local: needs the controller's data directory and a controller of its
//     own to kill or inspect (Target.DataDir, Target.Binary); skipped with
//     -addr.
//
// Sections run one after another, in registration order (file name
// order), each against the same Target; a section leaves the controller
// as it found it where it can (it deletes the environments and apps it
// made), and names what it creates with Target.Name so sections never
// collide.
package main
