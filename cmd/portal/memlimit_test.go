package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestServeRuntime: `portal serve` runs under the default soft memory limit
// unless the operator set GOMEMLIMIT (then the runtime's reading of it
// stands), and without heap profiling.
func TestServeRuntime(t *testing.T) {
	was, rate := debug.SetMemoryLimit(-1), runtime.MemProfileRate
	t.Cleanup(func() { debug.SetMemoryLimit(was); runtime.MemProfileRate = rate })

	debug.SetMemoryLimit(math.MaxInt64)
	serveRuntime(func(string) string { return "" })
	if got := debug.SetMemoryLimit(-1); got != defaultMemoryLimit {
		t.Errorf("no GOMEMLIMIT: limit %d, want %d", got, defaultMemoryLimit)
	}
	if runtime.MemProfileRate != 0 {
		t.Errorf("MemProfileRate %d", runtime.MemProfileRate)
	}

	for _, v := range []string{"off", "1GiB"} {
		debug.SetMemoryLimit(123 << 20) // as the runtime read it
		serveRuntime(func(k string) string {
			if k == "GOMEMLIMIT" {
				return v
			}
			return ""
		})
		if got := debug.SetMemoryLimit(-1); got != 123<<20 {
			t.Errorf("GOMEMLIMIT=%s: limit changed to %d", v, got)
		}
	}
}
