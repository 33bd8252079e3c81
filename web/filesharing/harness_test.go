// Package filesharing_test drives the file-sharing surfaces through the real
// router: the portal API (contract-validated), the workspace API's writes
// and the pages.
package filesharing_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/auth"
	"portal/internal/testkit"
	"portal/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

type env struct {
	t       *testing.T
	s       *webtest.Server
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

func newEnv(t *testing.T) *env { return newEnvTraced(t, nil) }

// newEnvTraced builds the env on a pool that reports every statement to
// tracer (nil: the test database's own pool).
func newEnvTraced(t *testing.T, tracer pgx.QueryTracer) *env {
	t.Helper()
	s := webtest.NewServer(t, webtest.Options{Tracer: tracer})
	pool := s.Pool
	e := &env{t: t, s: s, pool: pool, svc: s.Services, handler: s.Handler}
	e.ws = testkit.Workspace(t, pool, "acme")
	e.ws2 = testkit.Workspace(t, pool, "globex")
	e.cust = testkit.Customer(t, pool, e.ws, "ind@example.com", "individual")
	e.team = testkit.Customer(t, pool, e.ws, "team@example.com", "team")
	e.other = testkit.Customer(t, pool, e.ws, "other@example.com", "individual")
	e.frn = testkit.Customer(t, pool, e.ws2, "ind@example.com", "individual")
	e.owner = testkit.Member(t, pool, e.team, "owner@example.com", auth.RoleOwner)
	e.plain = testkit.Member(t, pool, e.team, "plain@example.com", auth.RoleMember)
	e.custTok = s.CustomerToken(e.cust)
	e.ownerTok = s.MemberToken(e.owner)
	e.plainTok = s.MemberToken(e.plain)
	e.frnTok = s.CustomerToken(e.frn)
	e.wsTok = s.WorkspaceToken(e.ws)
	e.ws2Tok = s.WorkspaceToken(e.ws2)
	return e
}

// do sends a request through the router. Portal API answers with a status
// the contract documents (200, 404, 422) are validated against it; the 401s
// are checked by shape in the tests.
func (e *env) do(method, target, bearer string, body any) *testkit.Response {
	e.t.Helper()
	var auth []string
	if bearer != "" {
		auth = []string{"Authorization", "Bearer " + bearer}
	}
	// As before this harness: no Accept header of the client's own.
	rec := e.s.Client().SendJSON(method, target, body, append(auth, "Accept", "*/*")...)
	if strings.HasPrefix(target, "/api/customer-portal/") && rec.Status != http.StatusUnauthorized {
		rec.ValidateContract(e.t)
	}
	return rec
}

func decode[T any](t *testing.T, rec *testkit.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body, &v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, rec.Text())
	}
	return v
}

func wantStatus(t *testing.T, rec *testkit.Response, status int) {
	t.Helper()
	if rec.Status != status {
		t.Fatalf("status %d, want %d: %s", rec.Status, status, rec.Text())
	}
}
