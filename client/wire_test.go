package client

import (
	"math/rand/v2"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// TestConsumeMatchesProtowire holds the fast paths to protowire's
// answers: every input of up to two bytes, and random ones.
func TestConsumeMatchesProtowire(t *testing.T) {
	var inputs [][]byte
	inputs = append(inputs, nil)
	for a := range 256 {
		inputs = append(inputs, []byte{byte(a)})
		for b := range 256 {
			inputs = append(inputs, []byte{byte(a), byte(b)})
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20_000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if rng.IntN(2) == 0 {
				b[i] &= 0x7f
			}
		}
		inputs = append(inputs, b)
	}
	for _, b := range inputs {
		v, n := consumeVarint(b)
		wv, wn := protowire.ConsumeVarint(b)
		if v != wv || n != wn {
			t.Fatalf("consumeVarint(%x) = %d, %d; protowire: %d, %d", b, v, n, wv, wn)
		}
		num, typ, n := consumeTag(b)
		wnum, wtyp, wn := protowire.ConsumeTag(b)
		if num != wnum || typ != wtyp || n != wn {
			t.Fatalf("consumeTag(%x) = %d, %d, %d; protowire: %d, %d, %d", b, num, typ, n, wnum, wtyp, wn)
		}
		bs, n := consumeBytes(b)
		wbs, wn := protowire.ConsumeBytes(b)
		if !slices.Equal(bs, wbs) || n != wn {
			t.Fatalf("consumeBytes(%x) = %x, %d; protowire: %x, %d", b, bs, n, wbs, wn)
		}
		for typ := range protowire.Type(8) {
			if n, wn := consumeFieldValue(5, typ, b), protowire.ConsumeFieldValue(5, typ, b); n != wn {
				t.Fatalf("consumeFieldValue(5, %d, %x) = %d; protowire: %d", typ, b, n, wn)
			}
		}
	}
}
