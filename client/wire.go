package client

import "google.golang.org/protobuf/encoding/protowire"

// protowire's Consume functions, read first for the one-byte tags and
// lengths that most of a runner listing is made of: protowire's own are
// not inlined, and a listing of 100,000 runners reads millions of them.
// Each returns what protowire's does for every input.

func consumeVarint(b []byte) (uint64, int) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	return protowire.ConsumeVarint(b)
}

func consumeTag(b []byte) (protowire.Number, protowire.Type, int) {
	if len(b) > 0 && b[0] < 0x80 && b[0] >= 1<<3 { // field 0 is invalid
		return protowire.Number(b[0] >> 3), protowire.Type(b[0] & 7), 1
	}
	return protowire.ConsumeTag(b)
}

func consumeBytes(b []byte) ([]byte, int) {
	if len(b) > 0 && b[0] < 0x80 {
		if n := int(b[0]); n < len(b) {
			return b[1 : 1+n], 1 + n
		}
	}
	return protowire.ConsumeBytes(b)
}

func consumeFieldValue(num protowire.Number, typ protowire.Type, b []byte) int {
	switch typ {
	case protowire.BytesType:
		_, n := consumeBytes(b)
		return n
	case protowire.VarintType:
		_, n := consumeVarint(b)
		return n
	}
	return protowire.ConsumeFieldValue(num, typ, b)
}
