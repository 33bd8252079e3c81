// Package filesharing_test drives the file-sharing surfaces through the real
// router: the portal API (contract-validated), the workspace API's writes
// and the pages.
package filesharing_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
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
	c := testkit.SeedCast(t, pool)
	e.ws, e.ws2, e.cust, e.other, e.team, e.frn, e.owner, e.plain = c.WS, c.WS2, c.Ind, c.Other, c.Team, c.Foreign, c.Owner, c.Plain
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

func wantStatus(t *testing.T, rec *testkit.Response, status int) {
	t.Helper()
	rec.ExpectStatus(t, status)
}
