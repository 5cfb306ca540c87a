package client

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/faldash/faldash/internal/names"
)

// A runner listing (ListAliasRunners, ListRunners) of a huge app is the
// biggest answer the dashboard receives, once per poll: 100,000 runners is
// ~30 MB on the wire. Decoded the usual way, every runner becomes a
// message, four strings, two boxed integers and a Struct whose leases are
// maps of boxed values, all garbage by the next poll. listingCodec reads
// the answer straight into []Runner instead: IDs and metadata are copied
// into one block each, the strings runners share (alias, revision, machine
// type) are kept once, and external_metadata stays encoded (Runner.Metadata
// decodes one runner's when the detail asks). The wire format it reads is
// RunnerInfo's in falpb; TestListingKnowsEveryField fails when that
// message gains a field this file does not read.

// RunnerInfo's field numbers, as in falpb/controller.proto.
const (
	fieldRunnerID     protowire.Number = 1
	fieldInFlight     protowire.Number = 2
	fieldExpiration   protowire.Number = 3
	fieldUptime       protowire.Number = 4
	fieldMetadata     protowire.Number = 5
	fieldRevision     protowire.Number = 6
	fieldAlias        protowire.Number = 7
	fieldState        protowire.Number = 8
	fieldReplacement  protowire.Number = 9
	fieldMachineType  protowire.Number = 10
	fieldListRunners  protowire.Number = 1 // in ListAliasRunnersResponse and ListRunnersResponse
	maxInternedTexts                   = 64
	internedTextLimit                  = 256
)

// runnerListing is the reply a listing call decodes into.
type runnerListing struct {
	runners []Runner
	hint    *listingHint // nil: count the runners first
}

// listingHint is the size of a runner on the wire in a client's last
// listing, from which the decoder foresees how many runners the next one
// holds. Counting them first instead means reading each runner's length
// and jumping to the next, tens of megabytes from memory one dependent read
// at a time: a tenth of an idle dashboard's time at 100,000 runners.
type listingHint struct {
	bytesPerRunner atomic.Int64
}

// runners foresees the runners of an answer of size bytes, a little over
// so that one growing a few percent is read without growing the slice;
// 0 when the hint knows nothing yet.
func (h *listingHint) runners(size int) int {
	if h == nil {
		return 0
	}
	per := h.bytesPerRunner.Load()
	if per <= 0 {
		return 0
	}
	n := size / int(per)
	return n + n/32 + 16
}

// learn remembers the size of a runner in an answer of size bytes holding n.
func (h *listingHint) learn(size, n int) {
	if h != nil && n > 0 {
		h.bytesPerRunner.Store(int64(max(1, size/n)))
	}
}

// listingCodec is the codec of listing calls: requests are encoded as
// grpc's own proto codec does, answers decoded into a *runnerListing.
type listingCodec struct{}

// Name is grpc's proto codec's: the call's content-subtype is "proto",
// which every gRPC server takes for protobuf.
func (listingCodec) Name() string { return proto.Name }

func (listingCodec) Marshal(v any) (mem.BufferSlice, error) {
	return encoding.GetCodecV2(proto.Name).Marshal(v)
}

func (listingCodec) Unmarshal(data mem.BufferSlice, v any) error {
	l, ok := v.(*runnerListing)
	if !ok {
		return encoding.GetCodecV2(proto.Name).Unmarshal(data, v)
	}
	pieces := make([][]byte, len(data))
	for i, b := range data {
		pieces[i] = b.ReadOnlyData()
	}
	rs, err := decodeRunnerPieces(pieces, l.hint)
	if err != nil {
		return fmt.Errorf("runner listing: %w", err)
	}
	l.runners = rs
	return nil
}

var errMalformed = errors.New("malformed protobuf")

// decodeRunners reads a ListAliasRunnersResponse or ListRunnersResponse
// (the same shape) as a protobuf decoder would: unknown fields skipped, a
// field's wrong wire type read as an unknown field, the last of a repeated
// scalar kept, pieces of a message field merged. App is left empty.
func decodeRunners(b []byte) ([]Runner, error) {
	return decodeRunnerPieces([][]byte{b}, nil)
}

// decodeRunnerPieces is decodeRunners of an answer in pieces (see chunks),
// sizing its runners by hint when it knows. Nothing decoded points into
// the pieces.
func decodeRunnerPieces(pieces [][]byte, hint *listingHint) ([]Runner, error) {
	size := 0
	for _, p := range pieces {
		size += len(p)
	}
	n := hint.runners(size)
	if n == 0 {
		var err error
		if n, err = countRunners(newChunks(pieces)); err != nil {
			return nil, err
		}
	}
	d := listingDecoder{
		out:     make([]Runner, 0, n),
		expires: make([]time.Duration, 0, n),
		present: make([]bool, 0, n),
		texts:   map[string]string{},
		// Metadata is less than the answer, and IDs are UUIDs (36
		// bytes) on fal: a small answer's blocks are no bigger than it
		// needs, give or take a few IDs.
		mdBlock: min(maxBlock, size),
		idBlock: min(maxBlock, size, 40*n+64),
	}
	for c := newChunks(pieces); !c.done(); {
		num, typ, v, ok := c.field()
		if !ok {
			return nil, errMalformed
		}
		if num == fieldListRunners && typ == protowire.BytesType {
			if err := d.runner(v); err != nil {
				return nil, err
			}
		}
	}
	hint.learn(size, len(d.out))
	return d.out, nil
}

// countRunners checks the answer's framing and counts its runners, so
// that the decoder allocates its runners once. It reads each runner's
// length, not its fields.
func countRunners(c *chunks) (int, error) {
	n := 0
	for !c.done() {
		num, typ, _, ok := c.field()
		if !ok {
			return 0, errMalformed
		}
		if num == fieldListRunners && typ == protowire.BytesType {
			n++
		}
	}
	return n, nil
}

// maxBlock is the size of the blocks runners' IDs and metadata are copied
// into: big enough that a listing of 100,000 runners takes a few dozen,
// small enough that the last one's unused room does not matter.
const maxBlock = 1 << 20

// A runner's ID and metadata are slices of the decoder's blocks, ids and
// md, taken as soon as the runner is read. A block is written only past
// its length, and never grows: when one is full, the next runners go into
// a new one, and the full one lives on while runners point into it. Its
// countdown and presence point into expires and present, which may grow
// (when the hint foresaw too few runners): a pointer into the array
// before still reads what was written there, which nothing writes again.
type listingDecoder struct {
	out     []Runner
	mdBlock int             // the size of a new block of metadata
	idBlock int             // and of IDs
	ids     strings.Builder // runners' IDs, one after the other
	md      []byte          // runners' external_metadata, likewise
	expires []time.Duration
	present []bool
	texts   map[string]string // alias, revision and machine type, each kept once
	last    [3]string         // the revision, alias and machine type of the runner before
}

func (d *listingDecoder) runner(b []byte) error {
	var r Runner
	var expires time.Duration
	hasExpires := false
	id, idEnd := d.ids.Len(), d.ids.Len()
	md, hasMD := len(d.md), false
	var state int32
	hasState := false
	for len(b) > 0 {
		num, typ, m := consumeTag(b)
		if m < 0 {
			return errMalformed
		}
		b = b[m:]
		known := true
		switch {
		case typ == protowire.BytesType && (num == fieldRunnerID || num == fieldRevision || num == fieldAlias || num == fieldMachineType || num == fieldMetadata):
			v, m := consumeBytes(b)
			if m < 0 {
				return errMalformed
			}
			b = b[m:]
			if num == fieldMetadata {
				// Pieces of a message field merge, and merging encoded
				// messages is concatenating them: append each piece.
				// No other runner's metadata comes in between.
				if !hasMD {
					md, hasMD = len(d.md), true
				}
				md = d.appendMD(md, v)
				continue
			}
			valid := true
			switch num {
			case fieldRunnerID:
				valid = utf8.Valid(v)
				if d.ids.Cap()-d.ids.Len() < len(v) {
					d.ids = strings.Builder{}
					d.ids.Grow(max(d.idBlock, len(v)))
				}
				id = d.ids.Len()
				d.ids.Write(v)
				idEnd = d.ids.Len()
			case fieldRevision:
				var s string
				s, valid = d.text(v, &d.last[0])
				r.Revision = RevisionID(s)
			case fieldAlias:
				r.Alias, valid = d.text(v, &d.last[1])
			case fieldMachineType:
				r.MachineType, valid = d.text(v, &d.last[2])
			}
			if !valid {
				return fmt.Errorf("runner field %d: invalid UTF-8", num)
			}
		case typ == protowire.VarintType && (num == fieldInFlight || num == fieldExpiration || num == fieldState || num == fieldReplacement):
			v, m := consumeVarint(b)
			if m < 0 {
				return errMalformed
			}
			b = b[m:]
			x := int32(v) // as protobuf reads an int32 or an enum
			switch num {
			case fieldInFlight:
				r.InFlight = int(x)
			case fieldExpiration:
				expires, hasExpires = time.Duration(x)*time.Second, true
			case fieldState:
				state, hasState = x, true
			case fieldReplacement:
				r.Replacement = replaceStateFromPB(x)
			}
		case typ == protowire.Fixed32Type && num == fieldUptime:
			v, m := protowire.ConsumeFixed32(b)
			if m < 0 {
				return errMalformed
			}
			b = b[m:]
			r.Uptime = secondsToDuration(float64(math.Float32frombits(v)))
		default:
			known = false
		}
		if !known {
			if m = consumeFieldValue(num, typ, b); m < 0 {
				return errMalformed
			}
			b = b[m:]
		}
	}
	if hasState {
		r.State = runnerStateFromPB(&state)
	} else {
		r.State = runnerStateFromPB(nil)
	}
	r.ID = RunnerID(d.ids.String()[id:idEnd]) // the builder's bytes, not a copy
	if hasExpires {
		d.expires = append(d.expires, expires)
		r.ExpiresIn = &d.expires[len(d.expires)-1]
	}
	if hasMD {
		// Capped, so an append to one runner's metadata can never write
		// over the next one's.
		r.metadata = d.md[md:len(d.md):len(d.md)]
		if r.metadata == nil {
			r.metadata = []byte{} // present, and empty
		}
		// Read now, while the bytes just copied are in the cache.
		if present, ok := presentIn(r.metadata); ok {
			d.present = append(d.present, present)
			r.PresentInGroup = &d.present[len(d.present)-1]
		}
	}
	d.out = append(d.out, r)
	return nil
}

// appendMD appends v to the metadata of the runner being read, which
// starts at md in the block, and returns where it starts now: in a new
// block when v does not fit, the runner's pieces copied there first.
func (d *listingDecoder) appendMD(md int, v []byte) int {
	if cap(d.md)-len(d.md) < len(v) {
		had := d.md[md:]
		d.md = make([]byte, 0, max(d.mdBlock, len(had)+len(v)))
		d.md, md = append(d.md, had...), 0
	}
	d.md = append(d.md, v...)
	return md
}

// text is v as a string, the same string for the same text, and whether
// v is valid UTF-8: runners of a listing share a few aliases, revisions
// and machine types. Long or numerous texts are not kept, so a hostile
// answer cannot grow the table. last is the field's text in the runner
// before, which most runners repeat: a comparison then does the work of
// a check and a lookup.
func (d *listingDecoder) text(v []byte, last *string) (string, bool) {
	if string(v) == *last && len(v) > 0 {
		return *last, true // valid when it was kept
	}
	if !utf8.Valid(v) {
		return "", false
	}
	s, ok := d.texts[string(v)]
	if !ok {
		s = string(v)
		if len(d.texts) < maxInternedTexts && len(s) <= internedTextLimit {
			d.texts[s] = s
		}
	}
	*last = s
	return s, true
}

// withApps sets each runner's App from its alias, for a listing of one
// environment's app(s); env empty is main.
func withApps(rs []Runner, env string) []Runner {
	for i := range rs {
		if i > 0 && rs[i].Alias == rs[i-1].Alias {
			rs[i].App = rs[i-1].App
			continue
		}
		rs[i].App = names.SplitAlias(rs[i].Alias, env)
	}
	return rs
}
