package middleware

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// TestCompress_CompressorsOutliveCollections: an idle compressor (about
// 800 KiB) survives garbage collections, so answers after a collection
// reuse it instead of making a new one each, for every kind: brotli, gzip,
// and the raw deflate of spliced answers.
func TestCompress_CompressorsOutliveCollections(t *testing.T) {
	plain := []byte(strings.Repeat("<p>Some page text, some more of it.</p>\n", 200))
	spliced := plain
	if sp := splices(); len(sp) > 0 {
		spliced = append(append(append([]byte(nil), plain...), sp[0].text...), plain...)
	} else {
		t.Fatal("no inlined stylesheet to splice")
	}
	for _, c := range []struct {
		enc  string
		body []byte
	}{{"br", plain}, {"gzip", plain}, {"gzip", spliced}} {
		var out bytes.Buffer
		compress := func() {
			out.Reset()
			if err := compressWhole(c.enc, &out, c.body); err != nil {
				t.Fatal(err)
			}
		}
		compress() // makes the compressor
		var before, after runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&before)
		compress()
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 200<<10 {
			t.Errorf("%s (%d bytes): %d KiB allocated after two collections: the compressor was made anew", c.enc, len(c.body), grew>>10)
		}
	}
}
