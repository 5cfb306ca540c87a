package client

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// A runner's external_metadata stays encoded until asked for (see
// Runner.metadata): a listing reads only present_in_group from it, with
// presentInGroup, and the detail of one runner decodes the rest.

// Metadata is fal's external_metadata of the runner as decoded JSON, leases
// and present_in_group included; nil when the runner had none, or when it
// cannot be decoded (a listing does not fail for one runner's metadata).
func (r Runner) Metadata() map[string]any {
	if r.metadata == nil {
		return nil
	}
	var s structpb.Struct
	if err := proto.Unmarshal(r.metadata, &s); err != nil {
		return nil
	}
	return s.AsMap()
}

// Leases are the requests the runner holds, from fal's `leases` list in
// its metadata; entries that cannot be read are skipped.
func (r Runner) Leases() []Lease {
	return leasesFromMetadata(r.Metadata())
}

// WithMetadata returns r carrying md as its external_metadata, as a
// controller would send it: Metadata, Leases and PresentInGroup read it
// (a nil md means none). md holds JSON-compatible values, as
// structpb.NewStruct takes them; anything else is an error and r is
// returned unchanged.
func (r Runner) WithMetadata(md map[string]any) (Runner, error) {
	if md == nil {
		r.metadata, r.PresentInGroup = nil, nil
		return r, nil
	}
	s, err := structpb.NewStruct(md)
	if err != nil {
		return r, fmt.Errorf("runner metadata: %w", err)
	}
	return r.withStruct(s), nil
}

// WithLeases returns r with its metadata's `leases` list replaced by
// leases, written as fal writes them; the rest of the metadata, and
// PresentInGroup, are kept.
func (r Runner) WithLeases(leases ...Lease) Runner {
	s := &structpb.Struct{}
	if r.metadata != nil {
		// Bytes that do not decode are replaced, as Metadata reads them.
		_ = proto.Unmarshal(r.metadata, s)
	}
	if s.Fields == nil {
		s.Fields = map[string]*structpb.Value{}
	}
	list := make([]*structpb.Value, len(leases))
	for i, l := range leases {
		f := map[string]*structpb.Value{
			"request_id":     structpb.NewStringValue(l.RequestID),
			"caller_user_id": structpb.NewStringValue(l.CallerUserID),
		}
		if !l.LeasedAt.IsZero() {
			f["leased_at_epoch"] = structpb.NewNumberValue(float64(l.LeasedAt.UnixNano()) / 1e9)
		}
		list[i] = structpb.NewStructValue(&structpb.Struct{Fields: f})
	}
	s.Fields["leases"] = structpb.NewListValue(&structpb.ListValue{Values: list})
	present := r.PresentInGroup
	r = r.withStruct(s)
	r.PresentInGroup = present
	return r
}

func (r Runner) withStruct(s *structpb.Struct) Runner {
	// Deterministic, so equal metadata gives equal runners.
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(s)
	if err != nil {
		// A Struct built from Go values always encodes.
		panic(fmt.Sprintf("encode runner metadata: %v", err))
	}
	if b == nil {
		b = []byte{} // present, and empty
	}
	r.metadata = b
	r.PresentInGroup = presentInGroup(b)
	return r
}

// leasesFromMetadata reads fal's `leases` list; entries it cannot read are
// skipped rather than failing the whole listing.
func leasesFromMetadata(md map[string]any) []Lease {
	list, ok := md["leases"].([]any)
	if !ok {
		return nil
	}
	var leases []Lease
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		l := Lease{
			RequestID:    stringOf(m["request_id"]),
			CallerUserID: stringOf(m["caller_user_id"]),
		}
		if sec, ok := numberOf(m["leased_at_epoch"]); ok && sec > 0 {
			whole, frac := math.Modf(sec)
			l.LeasedAt = time.Unix(int64(whole), int64(math.Round(frac*1e9)))
		}
		leases = append(leases, l)
	}
	return leases
}

func stringOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func numberOf(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return f, err == nil
	}
	return 0, false
}

// Field numbers of google.protobuf.Struct, its map entries and Value.
const (
	structFields  = 1 // Struct: map<string, Value> fields
	entryKey      = 1
	entryValue    = 2
	valueBool     = 4 // Value's oneof kind: null 1, number 2, string 3, bool 4, struct 5, list 6
	valueKindLast = 6
)

// presentInGroup reads fal's present_in_group from an encoded Struct
// without decoding the rest, as the decoded map would give it: the last
// entry of that key wins, and a value that is not a bool, or bytes that
// are not a Struct, read as absent.
func presentInGroup(md []byte) *bool {
	present, ok := presentIn(md)
	if !ok {
		return nil
	}
	return &present
}

// presentIn is fal's present_in_group in encoded metadata md; ok is false
// when md does not say, or cannot be read.
func presentIn(md []byte) (present, ok bool) {
	found := false
	for len(md) > 0 {
		num, typ, n := consumeTag(md)
		if n < 0 {
			return false, false
		}
		md = md[n:]
		if num != structFields || typ != protowire.BytesType {
			// Not an entry: a decoder skips it too.
			if n = consumeFieldValue(num, typ, md); n < 0 {
				return false, false
			}
			md = md[n:]
			continue
		}
		entry, n := consumeBytes(md)
		if n < 0 {
			return false, false
		}
		md = md[n:]
		key, ok := entryKeyOf(entry)
		if !ok {
			return false, false
		}
		if string(key) == "present_in_group" {
			if present, found, ok = boolEntry(entry); !ok {
				return false, false
			}
		}
	}
	return present, found
}

// entryKeyOf reads the key of one Struct map entry (the last, should it
// come more than once, as a decoder keeps it).
func entryKeyOf(entry []byte) (key []byte, ok bool) {
	for len(entry) > 0 {
		num, typ, n := consumeTag(entry)
		if n < 0 {
			return nil, false
		}
		entry = entry[n:]
		if num == entryKey && typ == protowire.BytesType {
			key, n = consumeBytes(entry)
		} else {
			n = consumeFieldValue(num, typ, entry)
		}
		if n < 0 {
			return nil, false
		}
		entry = entry[n:]
	}
	return key, true
}

// boolEntry reads the value of one Struct map entry (whose key has been
// read), and whether it is a bool. A value can come in several pieces,
// which a decoder merges: the last kind set wins.
func boolEntry(entry []byte) (b, isBool, ok bool) {
	for len(entry) > 0 {
		num, typ, n := consumeTag(entry)
		if n < 0 {
			return false, false, false
		}
		entry = entry[n:]
		if num == entryValue && typ == protowire.BytesType {
			var v []byte
			if v, n = consumeBytes(entry); n >= 0 && !valueKind(v, &b, &isBool) {
				n = -1
			}
		} else {
			n = consumeFieldValue(num, typ, entry)
		}
		if n < 0 {
			return false, false, false
		}
		entry = entry[n:]
	}
	return b, isBool, true
}

// valueKind reads one piece of an encoded Value, updating whether its kind
// is bool and which; false for bytes that are not a Value.
func valueKind(v []byte, b, isBool *bool) bool {
	for len(v) > 0 {
		num, typ, n := consumeTag(v)
		if n < 0 {
			return false
		}
		v = v[n:]
		if num == valueBool && typ == protowire.VarintType {
			x, n := consumeVarint(v)
			if n < 0 {
				return false
			}
			*b, *isBool = x != 0, true
			v = v[n:]
			continue
		}
		if n = consumeFieldValue(num, typ, v); n < 0 {
			return false
		}
		if num >= 1 && num <= valueKindLast && typ == kindWireType[num] {
			*isBool = false
		}
		v = v[n:]
	}
	return true
}

// kindWireType is how each kind of Value travels; a field of a kind's
// number in another wire type is not that kind, and a decoder skips it.
var kindWireType = [valueKindLast + 1]protowire.Type{
	1: protowire.VarintType,
	2: protowire.Fixed64Type,
	3: protowire.BytesType,
	5: protowire.BytesType,
	6: protowire.BytesType,
}
