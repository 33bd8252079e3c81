// Package logbuf batches the server's log output. One line per request
// written straight to stdout costs a write system call each; at thousands
// of requests a second that was the largest cost `make bench` found outside
// the database. Lines are gathered in memory and written when the buffer
// fills or after at most Every, warnings and errors at once, and the rest
// when the server stops. What a hard crash (SIGKILL, out of memory) can lose
// is the last Every of info lines.
package logbuf

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Every is how long a line may wait in the buffer.
const Every = 100 * time.Millisecond

// Writer is a buffered io.Writer that flushes itself every Every.
type Writer struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// New starts a Writer over w with a buffer of size bytes.
func New(w io.Writer, size int) *Writer {
	b := &Writer{buf: bufio.NewWriterSize(w, size), stop: make(chan struct{}), done: make(chan struct{})}
	go b.loop()
	return b
}

func (b *Writer) loop() {
	defer close(b.done)
	t := time.NewTicker(Every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = b.Flush()
		case <-b.stop:
			return
		}
	}
}

// Write buffers p; a full buffer is written out first (bufio's rule), so
// lines keep their order.
func (b *Writer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Flush writes out what is buffered.
func (b *Writer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Flush()
}

// Close stops the timer and writes out the rest. Writes after Close still
// work; they wait for the next Flush.
func (b *Writer) Close() error {
	b.once.Do(func() {
		close(b.stop)
		<-b.done
	})
	return b.Flush()
}

// Handler wraps h so that a record at warn level or above reaches w's
// destination at once, with everything buffered before it.
func Handler(h slog.Handler, w *Writer) slog.Handler { return flushing{h, w} }

type flushing struct {
	slog.Handler
	w *Writer
}

func (f flushing) Handle(ctx context.Context, r slog.Record) error {
	err := f.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := f.w.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (f flushing) WithAttrs(as []slog.Attr) slog.Handler {
	return flushing{f.Handler.WithAttrs(as), f.w}
}

func (f flushing) WithGroup(name string) slog.Handler {
	return flushing{f.Handler.WithGroup(name), f.w}
}
