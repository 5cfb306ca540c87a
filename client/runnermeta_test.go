package client

import (
	"context"
	"reflect"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/faldash/faldash/falpb"
)

// eager is how a listing read a runner's metadata before it was left
// encoded: the whole Struct decoded to a map, leases and present_in_group
// read from that map.
func eager(md *structpb.Struct) runnerSeen {
	var r runnerSeen
	if md == nil {
		return r
	}
	r.Metadata = md.AsMap()
	r.Leases = leasesFromMetadata(r.Metadata)
	if b, ok := r.Metadata["present_in_group"].(bool); ok {
		r.PresentInGroup = &b
	}
	return r
}

// metadataShapes are the external_metadata a controller may send, fal's
// and otherwise.
func metadataShapes(t testing.TB) map[string]*structpb.Struct {
	t.Helper()
	shapes := map[string]map[string]any{
		"empty":                 {},
		"in group":              {"present_in_group": true},
		"lost":                  {"present_in_group": false},
		"in group as a string":  {"present_in_group": "true"},
		"in group as a number":  {"present_in_group": 1.0},
		"in group null":         {"present_in_group": nil},
		"in group a struct":     {"present_in_group": map[string]any{"value": true}},
		"in group a list":       {"present_in_group": []any{true}},
		"similar keys":          {"present_in_groups": false, "present_in_grou": false, "Present_in_group": false},
		"no leases":             {"leases": []any{}, "present_in_group": true},
		"leases not a list":     {"leases": "req-1"},
		"leases a struct":       {"leases": map[string]any{"request_id": "req-1"}},
		"leases null":           {"leases": nil, "present_in_group": false},
		"a lease with nothing":  {"leases": []any{map[string]any{}}},
		"leases not structs":    {"leases": []any{"req-1", 3.0, nil, true, []any{"x"}}},
		"fal's lease":           {"leases": []any{map[string]any{"request_id": "0b5c9d7e", "caller_user_id": "github|12345678", "leased_at_epoch": 1700000000.25}}, "present_in_group": true},
		"lease without request": {"leases": []any{map[string]any{"caller_user_id": "u", "leased_at_epoch": 1700000000.0}}},
		"lease without caller":  {"leases": []any{map[string]any{"request_id": "r", "leased_at_epoch": "1700000000.5"}}},
		"lease without time":    {"leases": []any{map[string]any{"request_id": "r", "caller_user_id": "u"}}},
		"odd lease values": {"leases": []any{map[string]any{
			"request_id": 12345.0, "caller_user_id": true, "leased_at_epoch": " 1700000001 ",
		}, map[string]any{
			"request_id": map[string]any{"a": 1.0}, "caller_user_id": []any{"a", 2.0}, "leased_at_epoch": "soon",
		}, map[string]any{
			"request_id": nil, "leased_at_epoch": -5.0,
		}, map[string]any{
			"leased_at_epoch": 0.0,
		}}},
		"everything": {
			"leases":           []any{map[string]any{"request_id": "a"}, "junk", map[string]any{"request_id": "b"}},
			"present_in_group": false,
			"node":             "gpu-12",
			"nested":           map[string]any{"deep": []any{1.0, map[string]any{"x": nil}}},
		},
	}
	out := map[string]*structpb.Struct{"absent": nil}
	for name, m := range shapes {
		s, err := structpb.NewStruct(m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = s
	}
	return out
}

func TestLazyMetadataReadsAsTheDecodedStruct(t *testing.T) {
	for name, md := range metadataShapes(t) {
		t.Run(name, func(t *testing.T) {
			r := runnersOverWire(t, "", false, &falpb.RunnerInfo{RunnerId: "r", ExternalMetadata: md})[0]
			got, want := seen(r), eager(md)
			want.Runner = Runner{ID: "r", State: StateUnknown, PresentInGroup: want.PresentInGroup}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("lazily\n%+v\neagerly\n%+v", got, want)
			}
		})
	}
}

// appendEntry appends one Struct map entry, its fields in the given order.
func appendEntry(b []byte, fields ...[]byte) []byte {
	var entry []byte
	for _, f := range fields {
		entry = append(entry, f...)
	}
	b = protowire.AppendTag(b, structFields, protowire.BytesType)
	return protowire.AppendBytes(b, entry)
}

func key(k string) []byte {
	return protowire.AppendString(protowire.AppendTag(nil, entryKey, protowire.BytesType), k)
}

func value(t testing.TB, v *structpb.Value) []byte {
	t.Helper()
	b, err := proto.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return protowire.AppendBytes(protowire.AppendTag(nil, entryValue, protowire.BytesType), b)
}

// encodings that a Go or Python encoder does not write but a decoder
// accepts: repeated keys, fields out of order, values in pieces, unknown
// fields.
func unusualEncodings(t testing.TB) map[string][]byte {
	yes, no := structpb.NewBoolValue(true), structpb.NewBoolValue(false)
	unknown := protowire.AppendVarint(protowire.AppendTag(nil, 9, protowire.VarintType), 7)
	return map[string][]byte{
		"repeated key, last wins": appendEntry(appendEntry(nil, key("present_in_group"), value(t, yes)),
			key("present_in_group"), value(t, no)),
		"repeated key, last not a bool": appendEntry(appendEntry(nil, key("present_in_group"), value(t, no)),
			key("present_in_group"), value(t, structpb.NewStringValue("no"))),
		"value before key":  appendEntry(nil, value(t, no), key("present_in_group")),
		"key in two pieces": appendEntry(nil, key("node"), value(t, no), key("present_in_group")),
		"value in pieces, bool last": appendEntry(nil, key("present_in_group"),
			value(t, structpb.NewStringValue("x")), value(t, yes)),
		"value in pieces, bool first": appendEntry(nil, key("present_in_group"),
			value(t, yes), value(t, structpb.NewNumberValue(1))),
		"entry without a value":     appendEntry(nil, key("present_in_group")),
		"entry without a key":       appendEntry(nil, value(t, no)),
		"unknown field in a Struct": append(appendEntry(nil, key("present_in_group"), value(t, no)), unknown...),
		"unknown field in an entry": appendEntry(nil, unknown, key("present_in_group"), value(t, yes), unknown),
		"unknown field in a Value": appendEntry(nil, key("present_in_group"),
			append(value(t, no), protowire.AppendBytes(protowire.AppendTag(nil, entryValue, protowire.BytesType), unknown)...)),
		"bool field as another wire type": appendEntry(nil, key("present_in_group"), value(t, yes),
			protowire.AppendBytes(protowire.AppendTag(nil, entryValue, protowire.BytesType),
				protowire.AppendFixed64(protowire.AppendTag(nil, valueBool, protowire.Fixed64Type), 0))),
		"bool as a long varint": appendEntry(nil, key("present_in_group"),
			protowire.AppendBytes(protowire.AppendTag(nil, entryValue, protowire.BytesType),
				protowire.AppendVarint(protowire.AppendTag(nil, valueBool, protowire.VarintType), 1<<40))),
		"an entry as another wire type": protowire.AppendVarint(protowire.AppendTag(
			appendEntry(nil, key("present_in_group"), value(t, no)), structFields, protowire.VarintType), 1),
	}
}

func TestPresentInGroupReadsAsADecoder(t *testing.T) {
	for name, b := range unusualEncodings(t) {
		var s structpb.Struct
		if err := proto.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: a decoder refuses it: %v", name, err)
		}
		if got, want := presentInGroup(b), eager(&s).PresentInGroup; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: present_in_group %v, a decoder reads %v", name, show(got), show(want))
		}
	}
}

func show(b *bool) any {
	if b == nil {
		return "absent"
	}
	return *b
}

// FuzzPresentInGroup: whatever bytes a decoder takes as a Struct,
// presentInGroup reads as the decoded map says, and no bytes make it
// panic.
func FuzzPresentInGroup(f *testing.F) {
	for _, md := range metadataShapes(f) {
		b, err := proto.Marshal(md)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, b := range unusualEncodings(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := presentInGroup(b)
		var s structpb.Struct
		if proto.Unmarshal(b, &s) != nil {
			return
		}
		if want := eager(&s).PresentInGroup; !reflect.DeepEqual(got, want) {
			t.Errorf("present_in_group %v, a decoder reads %v", show(got), show(want))
		}
	})
}

// A runner whose metadata does not decode is listed without it: one
// runner's metadata must not cost the whole listing.
func TestUndecodableMetadataIsNone(t *testing.T) {
	for name, b := range map[string][]byte{
		"truncated": {0x0a, 0x20, 0x0a},
		"bad tag":   {0xff, 0xff, 0xff},
		"bad UTF-8 key": appendEntry(nil, protowire.AppendBytes(protowire.AppendTag(nil, entryKey, protowire.BytesType),
			[]byte{0xff, 0xfe}), value(t, structpb.NewBoolValue(false))),
	} {
		runner := protowire.AppendBytes(protowire.AppendTag(nil, fieldRunnerID, protowire.BytesType), []byte("r"))
		runner = protowire.AppendBytes(protowire.AppendTag(runner, fieldMetadata, protowire.BytesType), b)
		rs, err := decodeRunners(protowire.AppendBytes(protowire.AppendTag(nil, fieldListRunners, protowire.BytesType), runner))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if md, l := rs[0].Metadata(), rs[0].Leases(); md != nil || l != nil {
			t.Errorf("%s: metadata %v, leases %v", name, md, l)
		}
	}

	// Over a real connection: a controller sends the bytes as field 5.
	f := newFake()
	bad := &falpb.RunnerInfo{RunnerId: "r-bad", Alias: "a"}
	bad.ProtoReflect().SetUnknown(protowire.AppendBytes(protowire.AppendTag(nil, 5, protowire.BytesType), []byte{0xff, 0xff}))
	good := &falpb.RunnerInfo{RunnerId: "r-good", Alias: "a",
		ExternalMetadata: &structpb.Struct{Fields: map[string]*structpb.Value{"present_in_group": structpb.NewBoolValue(false)}}}
	f.runners = []*falpb.RunnerInfo{bad, good}
	g := dialFake(t, f, DialOptions{})
	rs, err := g.ListAppRunners(context.Background(), "", "a", RunnerQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Metadata() != nil || rs[0].PresentInGroup != nil ||
		rs[1].PresentInGroup == nil || *rs[1].PresentInGroup {
		t.Errorf("runners %+v", rs)
	}
}

func TestWithMetadata(t *testing.T) {
	base := Runner{ID: "r", State: StateIdle}
	for name, md := range metadataShapes(t) {
		if md == nil {
			continue
		}
		r, err := base.WithMetadata(md.AsMap())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, want := seen(r), eager(md)
		present := want.PresentInGroup
		want.Runner = base
		want.PresentInGroup = present
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: with metadata\n%+v\nwant\n%+v", name, got, want)
		}
	}

	in := true
	r, err := Runner{ID: "r", PresentInGroup: &in}.WithMetadata(nil)
	if err != nil || r.Metadata() != nil || r.PresentInGroup != nil {
		t.Errorf("nil metadata: %+v, %v", seen(r), err)
	}

	// A value a Struct cannot hold is refused, and nothing changes.
	r, _ = Runner{ID: "r"}.WithMetadata(map[string]any{"node": "n-1", "present_in_group": false})
	same, err := r.WithMetadata(map[string]any{"f": func() {}})
	if err == nil || !reflect.DeepEqual(same, r) {
		t.Errorf("bad metadata: %v, runner %+v", err, seen(same))
	}
}

func TestWithLeases(t *testing.T) {
	lost := false
	r, err := Runner{ID: "r"}.WithMetadata(map[string]any{"node": "n-1", "leases": "old"})
	if err != nil {
		t.Fatal(err)
	}
	r.PresentInGroup = &lost
	leases := []Lease{
		{RequestID: "q-1", CallerUserID: "u-1", LeasedAt: time.Unix(1700000000, 500000000)},
		{CallerUserID: "idle"},
		{RequestID: "q-2"},
	}
	got := r.WithLeases(leases...)
	if !reflect.DeepEqual(got.Leases(), leases) {
		t.Errorf("leases %+v, want %+v", got.Leases(), leases)
	}
	if md := got.Metadata(); md["node"] != "n-1" || len(md) != 2 {
		t.Errorf("the rest of the metadata changed: %v", md)
	}
	if got.PresentInGroup != &lost {
		t.Errorf("present_in_group changed: %v", show(got.PresentInGroup))
	}
	if none := got.WithLeases(); none.Leases() != nil || len(none.Metadata()["leases"].([]any)) != 0 {
		t.Errorf("no leases: %+v", seen(none))
	}
	if fresh := (Runner{}).WithLeases(leases[0]); len(fresh.Leases()) != 1 || fresh.PresentInGroup != nil {
		t.Errorf("leases on a runner without metadata: %+v", seen(fresh))
	}
}

func TestRunnersFromPBSplitsEachAlias(t *testing.T) {
	rs := runnersOverWire(t, "staging", true,
		&falpb.RunnerInfo{RunnerId: "1", Alias: "a--staging"},
		&falpb.RunnerInfo{RunnerId: "2", Alias: "a--staging"},
		&falpb.RunnerInfo{RunnerId: "3", Alias: "b--staging"},
		&falpb.RunnerInfo{RunnerId: "4", Alias: "a--staging"},
		&falpb.RunnerInfo{RunnerId: "5", Alias: "c"},
		&falpb.RunnerInfo{RunnerId: "6"},
	)
	var apps []string
	for _, r := range rs {
		apps = append(apps, r.App)
	}
	if want := []string{"a", "a", "b", "a", "c", ""}; !reflect.DeepEqual(apps, want) {
		t.Errorf("apps %q, want %q", apps, want)
	}
	for _, r := range runnersOverWire(t, "", false, &falpb.RunnerInfo{Alias: "a--staging"}) {
		if r.App != "" {
			t.Errorf("an account-wide listing named the app %q", r.App)
		}
	}
}
