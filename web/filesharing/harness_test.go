// Package filesharing_test drives the file-sharing surfaces through the real
// router: the portal API (contract-validated), the workspace API's writes
// and the pages.
package filesharing_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/testkit"
	"portal/web"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

const testSecret = "0123456789abcdef0123456789abcdef-fileshare-tests"

type env struct {
	t       *testing.T
	pool    *pgxpool.Pool
	svc     *app.Services
	handler http.Handler

	ws, ws2                uuid.UUID
	cust, team, other, frn uuid.UUID
	owner, plain           uuid.UUID
	custTok, ownerTok      string
	plainTok, frnTok       string
	wsTok, ws2Tok          string
}

// queryCounter counts the statements sent to PostgreSQL.
type queryCounter struct{ n atomic.Int64 }

func (q *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	q.n.Add(1)
	return ctx
}

func (q *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func newEnv(t *testing.T) *env { return newEnvTraced(t, nil) }

// newEnvTraced builds the env on a pool that reports every statement to
// tracer (nil: the test database's own pool).
func newEnvTraced(t *testing.T, tracer pgx.QueryTracer) *env {
	t.Helper()
	pool := testkit.DB(t)
	if tracer != nil {
		cfg := pool.Config().Copy()
		cfg.ConnConfig.Tracer = tracer
		traced, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(traced.Close)
		pool = traced
	}
	cfg := &config.Config{Env: "test", Addr: "127.0.0.1:0", BaseURL: "https://portal.example.test", Secret: testSecret,
		MailFrom: "portal@example.test", Payments: "stripe", Migrate: "off"}
	svc, err := app.Build(context.Background(), cfg, pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, pool: pool, svc: svc, handler: web.New(svc).Handler()}
	e.ws = testkit.Workspace(t, pool, "acme")
	e.ws2 = testkit.Workspace(t, pool, "globex")
	e.cust = testkit.Customer(t, pool, e.ws, "ind@example.com", "individual")
	e.team = testkit.Customer(t, pool, e.ws, "team@example.com", "team")
	e.other = testkit.Customer(t, pool, e.ws, "other@example.com", "individual")
	e.frn = testkit.Customer(t, pool, e.ws2, "ind@example.com", "individual")
	e.owner = testkit.Member(t, pool, e.team, "owner@example.com", auth.RoleOwner)
	e.plain = testkit.Member(t, pool, e.team, "plain@example.com", auth.RoleMember)
	e.custTok = testkit.CustomerToken(t, pool, svc.Hasher, e.cust)
	e.ownerTok = testkit.MemberToken(t, pool, svc.Hasher, e.owner)
	e.plainTok = testkit.MemberToken(t, pool, svc.Hasher, e.plain)
	e.frnTok = testkit.CustomerToken(t, pool, svc.Hasher, e.frn)
	e.wsTok = testkit.WorkspaceToken(t, pool, svc.Hasher, e.ws)
	e.ws2Tok = testkit.WorkspaceToken(t, pool, svc.Hasher, e.ws2)
	return e
}

// do sends a request through the router. Portal API answers with a status
// the contract documents (200, 404, 422) are validated against it; the 401s
// are checked by shape in the tests.
func (e *env) do(method, target, bearer string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = strings.NewReader(string(raw))
	}
	req := httptest.NewRequest(method, target, r)
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if strings.HasPrefix(req.URL.Path, "/api/customer-portal/") && rec.Code != http.StatusUnauthorized {
		testkit.ValidateResponse(e.t, method, req.URL.Path, rec.Code, rec.Header(), rec.Body.Bytes())
	}
	return rec
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, rec.Body.String())
	}
	return v
}

func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body.String())
	}
}
