package team_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/config"
	"portal/internal/testkit"
	"portal/web"
	"portal/web/pagetest"
)

// queryCounter is a pgx tracer that records every statement sent.
type queryCounter struct {
	mu  sync.Mutex
	sql []string
}

func (q *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	q.mu.Lock()
	q.sql = append(q.sql, d.SQL)
	q.mu.Unlock()
	return ctx
}

func (q *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (q *queryCounter) reset() { q.mu.Lock(); q.sql = nil; q.mu.Unlock() }

func (q *queryCounter) taken() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.sql...)
}

// countingServer is the real router on a pool of this test's database whose
// every query is counted.
func (e *env) countingServer() (http.Handler, *queryCounter) {
	e.t.Helper()
	qc := &queryCounter{}
	cfg, err := pgxpool.ParseConfig(testkit.DSN(e.t))
	if err != nil {
		e.t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = qc
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(pool.Close)
	c := &config.Config{Env: "test", Addr: "127.0.0.1:0", BaseURL: "http://portal.test", Secret: testSecret,
		MailFrom: "portal@example.test", Payments: "stripe", Migrate: "off"}
	svc, err := app.Build(context.Background(), c, pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		e.t.Fatal(err)
	}
	return web.New(svc).Handler(), qc
}

// Issue 15, goal 1: GET /customers/me is one round trip to PostgreSQL, for a
// customer session and for a member session, and it still sees every change
// at once (nothing outlives the request).
func TestCustomersMe_OneRoundTrip(t *testing.T) {
	e := newEnv(t)
	h, qc := e.countingServer()
	get := func(tok string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, api+"/customers/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for name, tok := range map[string]string{"customer": e.indTok, "member": e.plainTok} {
		get(tok) // warm the pool's connections
		qc.reset()
		rec := get(tok)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", name, rec.Code, rec.Body)
		}
		e.check(http.MethodGet, "/customers/me", rec)
		if q := qc.taken(); len(q) != 1 {
			t.Fatalf("%s: GET /customers/me ran %d queries, want 1:\n%s", name, len(q), strings.Join(q, "\n---\n"))
		}
	}
	// A change to the customer shows on the very next request.
	e.exec(`UPDATE customers SET name = 'Renamed' WHERE id = $1`, e.ind)
	if rec := get(e.indTok); !strings.Contains(rec.Body.String(), `"name":"Renamed"`) {
		t.Fatalf("stale profile after update: %s", rec.Body)
	}
	// Revocation is immediate: a deleted session, a removed member, a
	// deleted customer are refused on the next request.
	e.exec(`UPDATE customer_sessions SET deleted_at = now() WHERE customer_id = $1`, e.ind)
	if rec := get(e.indTok); rec.Code != http.StatusUnauthorized {
		t.Fatalf("revoked customer session: %d", rec.Code)
	}
	e.exec(`UPDATE members SET deleted_at = now() WHERE id = $1`, e.plain)
	if rec := get(e.plainTok); rec.Code != http.StatusUnauthorized {
		t.Fatalf("removed member: %d", rec.Code)
	}
	e.exec(`UPDATE customers SET deleted_at = now() WHERE id = $1`, e.team)
	if rec := get(e.ownerTok); rec.Code != http.StatusUnauthorized {
		t.Fatalf("deleted customer's member: %d", rec.Code)
	}
}

// The settings page reads the profile from the browser session's own
// lookup: the workspace, the session, and nothing else for the profile.
func TestSettingsPage_NoSecondProfileQuery(t *testing.T) {
	e := newEnv(t)
	h, qc := e.countingServer()
	c := testkit.NewClient(t, h)
	pagetest.SignIn(t, c, e.svc, e.ind, uuid.Nil)
	c.Get(settings) // warm up (and slide the idle expiry once)
	qc.reset()
	r := c.Get(settings)
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(r.Text(), "ind@example.com") {
		t.Fatalf("settings page without the customer's email: %s", r.Text())
	}
	for _, q := range qc.taken() {
		if strings.Contains(q, "PortalGetCustomer") || strings.Contains(q, "FROM customers\nWHERE id") {
			t.Fatalf("settings page read the customer a second time:\n%s", q)
		}
	}
	if q := qc.taken(); len(q) > 2 {
		t.Fatalf("settings page ran %d queries, want at most 2 (workspace, session):\n%s", len(q), strings.Join(q, "\n---\n"))
	}
}
