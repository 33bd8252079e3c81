// Package bench_test holds the in-process benchmarks of issue 15: the CPU
// and allocations one request costs in the Go process, through the real
// router and middleware on a real database, without the network. Run with
// TEST_DATABASE_URL set:
//
//	go test -run '^$' -bench . -benchmem ./web/bench/
package bench_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"portal/internal/db"
	"portal/internal/testkit"
	"portal/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// server is the application on the test's database through a pool made
// by db.OpenMode, as `portal serve` makes it (its uuid codec and settings).
func server(b *testing.B) *webtest.Server {
	b.Helper()
	pool, err := db.Open(b.Context(), testkit.DB(b).Config().ConnString())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return webtest.NewServer(b, webtest.Options{Pool: pool})
}

// serve runs req through the handler b.N times, failing on any other status.
func serve(b *testing.B, h http.Handler, req *http.Request, status int) {
	b.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != status {
		b.Fatalf("%s: status %d: %.300s", req.URL, w.Code, w.Body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	before := cpuTime()
	for range b.N {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != status {
			b.Fatalf("%s: status %d", req.URL, w.Code)
		}
	}
	// The process's own CPU (user + system) per request: unlike the wall
	// time, which waits on PostgreSQL, it barely moves with what else the
	// machine is doing.
	b.ReportMetric(float64((cpuTime()-before).Microseconds())/float64(b.N), "cpu-us/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCustomersMe is GET /api/customer-portal/customers/me with a
// customer's bearer token, uncompressed, as make bench asks for it.
func BenchmarkCustomersMe(b *testing.B) {
	s := server(b)
	ws := testkit.Workspace(b, s.Pool, "acme")
	cust := testkit.Customer(b, s.Pool, ws, "ind@example.com", "individual")
	req := httptest.NewRequest(http.MethodGet, s.BaseURL+"/api/customer-portal/customers/me", nil)
	req.Header.Set("Authorization", "Bearer "+s.CustomerToken(cust))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Encoding", "identity")
	serve(b, s.Handler, req, http.StatusOK)
}

// BenchmarkOverviewPage is the overview page of a customer with 200
// sessions (as make bench's), signed in by cookie, compressed as a browser
// asks for it.
func BenchmarkOverviewPage(b *testing.B) {
	s := server(b)
	ws := testkit.Workspace(b, s.Pool, "acme")
	cust := testkit.Customer(b, s.Pool, ws, "ind@example.com", "individual")
	if _, err := s.Pool.Exec(b.Context(), `INSERT INTO file_share_sessions (workspace_id, customer_id, short_slug, long_slug,
		status, max_downloads, download_count, price_cents, title, file_name, file_size_bytes, ttl_seconds, expires_at, created_at)
		SELECT $1, $2, 's' || g, 'long-' || g, (ARRAY['created','active','completed','expired'])[1 + g % 4], 1000, g % 37,
			CASE WHEN g % 3 = 0 THEN 500 END, 'Share ' || g, 'file-' || g || '.zip', 1024 * g, 86400, now() + interval '1 day',
			now() - g * interval '7 seconds'
		FROM generate_series(0, 199) g`, ws, cust); err != nil {
		b.Fatal(err)
	}
	c := s.Browser(cust, uuid.Nil)
	req := httptest.NewRequest(http.MethodGet, s.BaseURL+"/acme/portal/overview", nil)
	for _, ck := range c.Cookies() {
		req.AddCookie(ck)
	}
	req.Header.Set("Accept-Encoding", "br, gzip")
	serve(b, s.Handler, req, http.StatusOK)
}
