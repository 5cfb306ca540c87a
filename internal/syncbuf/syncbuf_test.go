package syncbuf

import (
	"strings"
	"sync"
	"testing"
)

// Writers and a reader share the buffer under -race; every write lands
// whole.
func TestConcurrentWriteAndRead(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				b.Write([]byte("ab"))
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if got := b.String(); got != strings.Repeat("ab", 400) {
		t.Errorf("buffer holds %d bytes, want 800 of \"ab\"", len(got))
	}
}
