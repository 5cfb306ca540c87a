package client

import (
	"bytes"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/faldash/faldash/falpb"
)

// FuzzDecodeRunners holds the listing decoder to protobuf's own: whatever
// fal's generated code reads from an answer, the decoder reads the same,
// and whatever it refuses was malformed to protobuf too.
func FuzzDecodeRunners(f *testing.F) {
	seeds := []*falpb.ListAliasRunnersResponse{
		{},
		{Runners: falLikeRunners(12)},
		{Runners: []*falpb.RunnerInfo{{}, {RunnerId: "r", State: falpb.RunnerInfo_FAILURE_DELAY.Enum(), Uptime: -3}}},
		{Runners: []*falpb.RunnerInfo{{RunnerId: "r", ExternalMetadata: &structpb.Struct{}}}},
	}
	for _, s := range seeds {
		b, err := proto.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// A runner sent in pieces, as a merge of two encodings: its scalars
	// from the last piece, its metadata merged.
	a, _ := proto.Marshal(&falpb.RunnerInfo{RunnerId: "a", InFlightRequests: 1,
		ExternalMetadata: &structpb.Struct{Fields: map[string]*structpb.Value{"x": structpb.NewNumberValue(1)}}})
	b, _ := proto.Marshal(&falpb.RunnerInfo{RunnerId: "b", Alias: "app",
		ExternalMetadata: &structpb.Struct{Fields: map[string]*structpb.Value{"present_in_group": structpb.NewBoolValue(false)}}})
	f.Add(protowire.AppendBytes(protowire.AppendTag(nil, fieldListRunners, protowire.BytesType), append(a, b...)))
	f.Add([]byte{0x0a, 0x03, 0x0a, 0x01, 0xff}) // an ID that is not UTF-8

	f.Fuzz(func(t *testing.T, wire []byte) {
		var want falpb.ListAliasRunnersResponse
		wantErr := proto.Unmarshal(wire, &want)
		got, err := decodeRunners(wire)
		// The same answer in pieces, as gRPC hands over a big one, reads
		// the same.
		for _, size := range []int{1, 3, 7, 64} {
			var pieces [][]byte
			for b := wire; len(b) > 0; b = b[min(size, len(b)):] {
				pieces = append(pieces, b[:min(size, len(b))])
			}
			// A hint of size bytes a runner foresees many runners (1),
			// or too few (64), the slices growing.
			hint := &listingHint{}
			hint.learn(size, 1)
			inPieces, perr := decodeRunnerPieces(pieces, hint)
			if (perr == nil) != (err == nil) || !reflect.DeepEqual(inPieces, got) {
				t.Fatalf("in pieces of %d: %v, %v; whole: %v, %v", size, inPieces, perr, got, err)
			}
		}
		switch {
		case wantErr == nil && err != nil:
			t.Fatalf("protobuf reads the answer, the decoder says %v", err)
		case err != nil:
			return
		case wantErr != nil:
			// Only metadata protobuf cannot read may pass: the decoder
			// leaves it encoded, and Metadata reads it as none.
			return
		}
		if len(got) != len(want.Runners) {
			t.Fatalf("%d runners, protobuf reads %d", len(got), len(want.Runners))
		}
		for i, w := range want.Runners {
			sameRunner(t, got[i], w)
		}
	})
}

func sameRunner(t *testing.T, got Runner, w *falpb.RunnerInfo) {
	t.Helper()
	var expires *time.Duration
	if w.ExpirationCountdown != nil {
		d := time.Duration(*w.ExpirationCountdown) * time.Second
		expires = &d
	}
	var state *int32
	if w.State != nil {
		s := int32(*w.State)
		state = &s
	}
	want := Runner{
		ID: RunnerID(w.RunnerId), Alias: w.Alias, Revision: RevisionID(w.Revision),
		State: runnerStateFromPB(state), InFlight: int(w.InFlightRequests), ExpiresIn: expires,
		Uptime: secondsToDuration(float64(w.Uptime)), MachineType: w.MachineType,
		Replacement: replaceStateFromPB(int32(w.Replacement)),
	}
	if v, ok := w.ExternalMetadata.GetFields()["present_in_group"].GetKind().(*structpb.Value_BoolValue); ok {
		want.PresentInGroup = &v.BoolValue
	}
	gotMD, wantMD := got.metadata, w.ExternalMetadata
	got.metadata = nil
	if got.ID != want.ID || got.Alias != want.Alias || got.Revision != want.Revision || got.State != want.State ||
		got.InFlight != want.InFlight || !sameDuration(got.ExpiresIn, want.ExpiresIn) || got.Uptime != want.Uptime ||
		got.MachineType != want.MachineType || got.Replacement != want.Replacement ||
		!sameBool(got.PresentInGroup, want.PresentInGroup) {
		t.Fatalf("decoded\n%+v\nprotobuf reads\n%+v", got, want)
	}
	if (gotMD == nil) != (wantMD == nil) {
		t.Fatalf("metadata %v, protobuf reads %v", gotMD, wantMD)
	}
	if wantMD == nil {
		return
	}
	var s structpb.Struct
	if err := proto.Unmarshal(gotMD, &s); err != nil {
		t.Fatalf("metadata kept does not decode: %v", err)
	}
	// Compared encoded, deterministically: a NaN number is equal to itself.
	x, err1 := proto.MarshalOptions{Deterministic: true}.Marshal(&s)
	y, err2 := proto.MarshalOptions{Deterministic: true}.Marshal(wantMD)
	if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
		t.Fatalf("metadata %v, protobuf reads %v", &s, wantMD)
	}
}

func sameDuration(a, b *time.Duration) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}
func sameBool(a, b *bool) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// Runners of a listing share their alias, revision and machine type
// strings rather than holding a copy each.
func TestListingSharesTexts(t *testing.T) {
	rs := runnersOverWire(t, "staging", true, falLikeRunners(3)...)
	for _, r := range rs[1:] {
		if unsafeData(r.Alias) != unsafeData(rs[0].Alias) || unsafeData(string(r.Revision)) != unsafeData(string(rs[0].Revision)) {
			t.Errorf("runner %s holds its own copy of the alias or revision", r.ID)
		}
		if r.App != "my-fairly-long-app-name" {
			t.Errorf("app %q", r.App)
		}
	}
}

func unsafeData(s string) *byte { return unsafe.StringData(s) }
