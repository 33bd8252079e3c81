package testkit

import (
	"bytes"
	"sync"
)

// SyncBuffer is an io.Writer a test can read (String) while other
// goroutines write to it: a log sink for a server under test, or the
// stdout of a command run in-process.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
