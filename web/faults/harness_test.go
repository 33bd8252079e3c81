// Package faults runs the whole server, on a real loopback listener with its
// background workers, through failures of what it depends on: PostgreSQL
// stopped or killed under load, and a clean start/stop that must leave no
// goroutine behind (issue 9, R1 and R3 in docs/design.md).
package faults

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"

	"portal/internal/app"
	"portal/internal/config"
	"portal/internal/testkit"
	"portal/web"
	"portal/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

const (
	testSecret = "0123456789abcdef0123456789abcdef-faults"
	// The pages are served over plain http on loopback here, so cookies
	// are not Secure and a real http.Client may carry them.
	baseURL   = "http://portal.example.test"
	apiPrefix = "/api/customer-portal"
)

// served is the real application on a loopback listener.
type served struct {
	svc  *app.Services
	srv  *web.Server
	base string // http://127.0.0.1:port
	logs *logCapture
	// stop shuts the server down gracefully and then the background
	// workers, in the order `portal serve` does; safe to call twice.
	stop func()
}

// serve builds the application on pool exactly as `portal serve` does,
// starts its background workers and serves it on 127.0.0.1:0. smtpURL is
// where mail goes. Everything is shut down when the test ends (or earlier
// through stop).
func serve(t *testing.T, pool *pgxpool.Pool, smtpURL string) *served {
	t.Helper()
	logs := &logCapture{}
	// Built by webtest; started, served and stopped here, in the order
	// `portal serve` does.
	ws := webtest.NewServer(t, webtest.Options{Pool: pool, BaseURL: baseURL, Log: logs,
		Config: func(cfg *config.Config) { cfg.Secret, cfg.SMTPURL = testSecret, smtpURL }})
	svc, srv := ws.Services, ws.Web
	workCtx, stopWork := context.WithCancel(context.Background())
	if err := svc.Start(workCtx); err != nil {
		stopWork()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ctx, ln, 10*time.Second) }()
	var once sync.Once
	s := &served{svc: svc, srv: srv, base: "http://" + ln.Addr().String(), logs: logs}
	s.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-serveErr; err != nil {
				t.Errorf("Serve: %v", err)
			}
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			if err := svc.Stop(sctx); err != nil {
				t.Errorf("stop workers: %v", err)
			}
			stopWork()
		})
	}
	t.Cleanup(s.stop)
	return s
}

// newHTTPClient is a client with the per-request deadline the issue sets.
func newHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: 32,
			IdleConnTimeout:     30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// logCapture is an slog.Handler that keeps every record's level, message
// and error attribute, for assertions and the report.
type logCapture struct {
	mu      sync.Mutex
	records []logRecord
	attrs   []slog.Attr
	parent  *logCapture
}

type logRecord struct {
	level slog.Level
	msg   string
	err   string // the record's "error" attribute, if any
}

func (l *logCapture) root() *logCapture {
	for l.parent != nil {
		l = l.parent
	}
	return l
}

func (l *logCapture) Enabled(context.Context, slog.Level) bool { return true }

func (l *logCapture) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{level: r.Level, msg: r.Message}
	add := func(a slog.Attr) bool {
		if a.Key == "error" || a.Key == "err" {
			rec.err = a.Value.Resolve().String()
		}
		return true
	}
	for _, a := range l.attrs {
		add(a)
	}
	r.Attrs(add)
	root := l.root()
	root.mu.Lock()
	root.records = append(root.records, rec)
	root.mu.Unlock()
	return nil
}

func (l *logCapture) WithAttrs(as []slog.Attr) slog.Handler {
	return &logCapture{parent: l.root(), attrs: append(append([]slog.Attr(nil), l.attrs...), as...)}
}

// WithGroup is flattened: the tests only look at messages and errors.
func (l *logCapture) WithGroup(string) slog.Handler { return l }

// all returns every record logged so far.
func (l *logCapture) all() []logRecord {
	root := l.root()
	root.mu.Lock()
	defer root.mu.Unlock()
	return append([]logRecord(nil), root.records...)
}

// summary counts records at warn and above by level and message, for the
// test log.
func summary(recs []logRecord) string {
	counts := map[string]int{}
	for _, r := range recs {
		if r.level < slog.LevelWarn || r.msg == "request" {
			continue // per-request lines are counted by the load itself
		}
		counts[fmt.Sprintf("%s %q", r.level, r.msg)]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n    %5d × %s", counts[k], k)
	}
	if b.Len() == 0 {
		return " none"
	}
	return b.String()
}

// isDeadline tells a client-side timeout from other transport errors.
func isDeadline(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// checkLeaks registers, as the test's last cleanup (so it runs after the
// server, the workers, the pools and any private cluster are shut down),
// a check that no goroutine outlives the test.
func checkLeaks(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t, leakIgnores()...) })
}

// leakIgnores are the goroutines that legitimately outlive one test; each
// belongs to the test binary, not to the application.
func leakIgnores() []goleak.Option {
	return []goleak.Option{
		// testkit.Main's wait for Ctrl-C, which stops the shared cluster
		// on an interrupted run; it lives as long as the test binary.
		goleak.IgnoreAnyFunction("portal/internal/testkit.Main.func1"),
		// The shared PostgreSQL cluster (testkit.DB) runs for the whole
		// binary: devpg waits for the postmaster from a goroutine locked
		// to its thread (see devpg.startPostmaster), and os/exec copies
		// the server's log output from another. The application itself
		// starts no processes, so the exec copier can only be devpg's.
		goleak.IgnoreAnyFunction("portal/internal/devpg.(*Cluster).startPostmaster.func1"),
		goleak.IgnoreAnyFunction("os/exec.(*Cmd).writerDescriptor.func1"),
	}
}
