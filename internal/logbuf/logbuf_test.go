package logbuf_test

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/logbuf"
	"portal/internal/testkit"
)

func TestInfoWaitsWarnFlushesCloseWritesTheRest(t *testing.T) {
	var out testkit.SyncBuffer
	w := logbuf.New(&out, 64<<10)
	log := slog.New(logbuf.Handler(slog.NewTextHandler(w, nil), w)).With("request_id", "r1")
	log.Info("first")
	if got := out.String(); got != "" {
		t.Fatalf("an info line was written at once: %q", got)
	}
	log.Warn("second")
	got := out.String()
	if !strings.Contains(got, "msg=first") || !strings.Contains(got, "msg=second") || strings.Index(got, "first") > strings.Index(got, "second") {
		t.Fatalf("a warning did not write itself and what came before, in order: %q", got)
	}
	if !strings.Contains(got, "request_id=r1") {
		t.Errorf("attributes from With were lost: %q", got)
	}
	log.Info("third")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "msg=third") {
		t.Fatalf("Close left a line in the buffer: %q", out.String())
	}
	if err := w.Close(); err != nil { // twice is harmless
		t.Fatal(err)
	}
}

func TestTimerFlushes(t *testing.T) {
	var out testkit.SyncBuffer
	w := logbuf.New(&out, 64<<10)
	defer w.Close()
	slog.New(logbuf.Handler(slog.NewJSONHandler(w, nil), w)).Info("tick")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), `"msg":"tick"`) {
		if time.Now().After(deadline) {
			t.Fatal("the line never left the buffer")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestConcurrentLinesStayWhole(t *testing.T) {
	var out testkit.SyncBuffer
	w := logbuf.New(&out, 256) // small: full-buffer writes happen too
	log := slog.New(logbuf.Handler(slog.NewTextHandler(w, nil), w))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				log.Info("line", "g", g, "i", i, "pad", strings.Repeat("x", 40))
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 8*200 {
		t.Fatalf("%d lines, want %d", len(lines), 8*200)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "time=") || !strings.HasSuffix(l, strings.Repeat("x", 40)) {
			t.Fatalf("torn line %q", l)
		}
	}
}
