package client

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// chunks reads a protobuf message that arrived in pieces, as gRPC hands
// over a big answer (one buffer per HTTP/2 data frame), without joining
// them: joining a listing of 100,000 runners took a 30 MB buffer per poll
// that gRPC's pool then kept. A runner sits in one piece but for the few
// that straddle two, which are copied into scratch.
type chunks struct {
	rest    [][]byte // the pieces after cur
	cur     []byte
	scratch []byte
}

func newChunks(pieces [][]byte) *chunks {
	c := &chunks{rest: pieces}
	c.fill()
	return c
}

// fill makes cur a non-empty piece, if any is left.
func (c *chunks) fill() {
	for len(c.cur) == 0 && len(c.rest) > 0 {
		c.cur, c.rest = c.rest[0], c.rest[1:]
	}
}

func (c *chunks) done() bool { return len(c.cur) == 0 }

// varint reads a varint as protowire.ConsumeVarint does, across pieces.
func (c *chunks) varint() (uint64, bool) {
	if v, n := consumeVarint(c.cur); n > 0 {
		c.cur = c.cur[n:]
		c.fill()
		return v, true
	}
	// Cut by the end of the piece (or malformed): gather at most the ten
	// bytes a varint can take, and read them whole.
	var buf [10]byte
	k := 0
	for k < len(buf) && !c.done() {
		buf[k] = c.cur[0]
		c.cur = c.cur[1:]
		c.fill()
		k++
		if buf[k-1] < 0x80 {
			break
		}
	}
	v, n := protowire.ConsumeVarint(buf[:k])
	return v, n == k
}

// take returns the next n bytes in one slice, valid until the next call.
func (c *chunks) take(n uint64) ([]byte, bool) {
	if n <= uint64(len(c.cur)) {
		b := c.cur[:n]
		c.cur = c.cur[n:]
		c.fill()
		return b, true
	}
	c.scratch = c.scratch[:0]
	for n > 0 && !c.done() {
		k := min(n, uint64(len(c.cur)))
		c.scratch = append(c.scratch, c.cur[:k]...)
		c.cur, n = c.cur[k:], n-k
		c.fill()
	}
	return c.scratch, n == 0
}

// field reads the next field: its number and type, and for a length-
// delimited one its bytes (valid until the next call); other values are
// skipped. ok is false for malformed input.
func (c *chunks) field() (num protowire.Number, typ protowire.Type, v []byte, ok bool) {
	tag, ok := c.varint()
	if !ok {
		return 0, 0, nil, false
	}
	num, typ = protowire.DecodeTag(tag)
	if num < protowire.MinValidNumber {
		return 0, 0, nil, false
	}
	return num, typ, v, c.value(num, typ, &v, 0)
}

// maxGroupDepth bounds nested groups, as protobuf's own decoder does, so
// that a hostile answer cannot exhaust the stack.
const maxGroupDepth = 10_000

// value reads a value of type typ, keeping it in *v when length-delimited.
func (c *chunks) value(num protowire.Number, typ protowire.Type, v *[]byte, depth int) bool {
	switch typ {
	case protowire.VarintType:
		_, ok := c.varint()
		return ok
	case protowire.Fixed32Type:
		_, ok := c.take(4)
		return ok
	case protowire.Fixed64Type:
		_, ok := c.take(8)
		return ok
	case protowire.BytesType:
		n, ok := c.varint()
		if !ok {
			return false
		}
		b, ok := c.take(n)
		*v = b
		return ok
	case protowire.StartGroupType:
		if depth >= maxGroupDepth {
			return false
		}
		// A group (an unknown field of a very old encoder) ends at the
		// end-group tag of its number.
		for {
			tag, ok := c.varint()
			if !ok {
				return false
			}
			n, t := protowire.DecodeTag(tag)
			if n < protowire.MinValidNumber {
				return false
			}
			if t == protowire.EndGroupType {
				return n == num
			}
			var skip []byte
			if !c.value(n, t, &skip, depth+1) {
				return false
			}
		}
	}
	return false
}
