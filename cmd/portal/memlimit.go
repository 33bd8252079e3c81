package main

import (
	"runtime"
	"runtime/debug"
)

// serveRuntime tunes the Go runtime for `portal serve` (docs/DEPLOY.md
// "Memory"): the default soft memory limit unless the operator set one,
// and no heap profiling (nothing serves profiles; its sample buckets were
// 1.6 MiB of the process under load).
func serveRuntime(getenv func(string) string) {
	runtime.MemProfileRate = 0
	applyMemoryLimit(getenv)
}

// defaultMemoryLimit is the Go runtime's soft memory limit under `portal
// serve` when the operator sets none (GOMEMLIMIT unset): the heap, stacks
// and runtime metadata are kept under it by collecting sooner and returning
// freed pages to the system sooner, instead of letting the heap grow to
// twice the live data between collections (GOGC=100). Under make bench's 16
// clients the live heap is about 8–10 MiB and the heap grew to 21–24 MiB
// (about 32 MiB anonymous memory, plus about 28 MiB of the binary's own
// pages): the limit keeps the process's peak resident set under 64 MiB at
// the cost of more frequent, short collections (the live heap is small, so
// a collection is cheap). 28 MiB kept it at 52 MiB but collected so often
// that the overview page (about 100 KB allocated per page) ran at half its
// throughput; 32 MiB peaks at about 57 MiB and costs little. It is soft: if the live heap needs more, the
// runtime takes more, spending at most about half the CPU on collection
// first. Operators with memory to spare set GOMEMLIMIT themselves (for
// example to 80 % of the container's memory), or GOMEMLIMIT=off for the
// runtime's default (docs/DEPLOY.md "Memory").
const defaultMemoryLimit = 32 << 20

// applyMemoryLimit sets defaultMemoryLimit unless GOMEMLIMIT is set (the
// runtime has read it already). It reports the limit it set, or 0.
func applyMemoryLimit(getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") != "" {
		return 0
	}
	debug.SetMemoryLimit(defaultMemoryLimit)
	return defaultMemoryLimit
}
