// Package team_test drives the profile and team surfaces (issue 4) through
// the real router: the portal API (every answer checked against the
// contract) and the settings and team pages.
package team_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/auth"
	"portal/internal/config"
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

	ws, ws2                    uuid.UUID
	ind, team, team2, frn      uuid.UUID
	owner, bm, plain, other    uuid.UUID // members of team; other is of team2
	indTok, ownerTok, bmTok    string
	plainTok, otherTok, frnTok string
}

// baseURL is plain http: the pages' cookies are then csrf and portal.
const baseURL = "http://portal.test"

func newEnv(t *testing.T, tweak ...func(*webtest.Options)) *env {
	t.Helper()
	o := webtest.Options{BaseURL: baseURL, Config: func(c *config.Config) {
		// One OAuth provider, so the settings page has its linked-accounts panel.
		c.MicrosoftClientID, c.MicrosoftClientSecret = "team-test-client", "team-test-secret"
	}}
	for _, f := range tweak {
		f(&o)
	}
	s := webtest.NewServer(t, o)
	pool := s.Pool
	e := &env{t: t, s: s, pool: pool, svc: s.Services, handler: s.Handler}
	e.ws = testkit.Workspace(t, pool, "acme")
	e.ws2 = testkit.Workspace(t, pool, "globex")
	e.ind = testkit.Customer(t, pool, e.ws, "ind@example.com", "individual")
	e.team = testkit.Customer(t, pool, e.ws, "team@example.com", "team")
	e.team2 = testkit.Customer(t, pool, e.ws, "team2@example.com", "team")
	e.frn = testkit.Customer(t, pool, e.ws2, "ind@example.com", "team")
	e.owner = testkit.Member(t, pool, e.team, "owner@example.com", auth.RoleOwner)
	e.bm = testkit.Member(t, pool, e.team, "bm@example.com", auth.RoleBillingManager)
	e.plain = testkit.Member(t, pool, e.team, "plain@example.com", auth.RoleMember)
	e.other = testkit.Member(t, pool, e.team2, "owner2@example.com", auth.RoleOwner)
	e.indTok = s.CustomerToken(e.ind)
	e.ownerTok = s.MemberToken(e.owner)
	e.bmTok = s.MemberToken(e.bm)
	e.plainTok = s.MemberToken(e.plain)
	e.otherTok = s.MemberToken(e.other)
	e.frnTok = s.CustomerToken(e.frn)
	return e
}

const api = "/api/customer-portal"

// do sends an API request; every answer the contract documents is
// validated against it, and every error carries the envelope (D1).
func (e *env) do(method, path, bearer string, body any) *testkit.Response {
	e.t.Helper()
	r := e.raw(method, path, bearer, body)
	e.check(method, path, r)
	return r
}

// raw sends an API request without checking the answer (safe off the
// test goroutine).
func (e *env) raw(method, path, bearer string, body any) *testkit.Response {
	var auth []string
	if bearer != "" {
		auth = []string{"Authorization", "Bearer " + bearer}
	}
	return e.s.Client().SendJSON(method, api+path, body, auth...)
}

// check validates an answer against the contract or the error envelope.
func (e *env) check(method, path string, rec *testkit.Response) {
	e.t.Helper()
	switch rec.Status {
	case http.StatusNoContent:
	case http.StatusOK, http.StatusCreated, http.StatusUnprocessableEntity:
		testkit.ValidateResponse(e.t, method, api+path, rec.Status, rec.Header, rec.Body)
	default:
		var env struct {
			Error            string `json:"error"`
			Detail           string `json:"detail"`
			ErrorDescription string `json:"error_description"`
		}
		if err := json.Unmarshal(rec.Body, &env); err != nil || env.Error == "" || (env.Detail == "" && env.ErrorDescription == "") {
			e.t.Fatalf("%s %s: %d without the error envelope: %s", method, path, rec.Status, rec.Body)
		}
	}
}

func want(t *testing.T, rec *testkit.Response, status int) { t.Helper(); rec.ExpectStatus(t, status) }

// wantErr checks status, error name and detail.
func wantErr(t *testing.T, rec *testkit.Response, status int, name, detail string) {
	t.Helper()
	want(t, rec, status)
	var b struct {
		Error  string `json:"error"`
		Detail any    `json:"detail"`
	}
	if err := json.Unmarshal(rec.Body, &b); err != nil {
		t.Fatal(err)
	}
	if b.Error != name || (detail != "" && b.Detail != detail) {
		t.Fatalf("got %s, want %s %q", rec.Text(), name, detail)
	}
}

// wantField checks a 422 carries msg at loc.
func wantField(t *testing.T, rec *testkit.Response, msg string, loc ...any) {
	t.Helper()
	want(t, rec, http.StatusUnprocessableEntity)
	var b struct {
		Detail []struct {
			Loc []any  `json:"loc"`
			Msg string `json:"msg"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(rec.Body, &b); err != nil {
		t.Fatal(err)
	}
	wantLoc, _ := json.Marshal(loc)
	for _, d := range b.Detail {
		got, _ := json.Marshal(d.Loc)
		if string(got) == string(wantLoc) && (msg == "" || strings.Contains(d.Msg, msg)) {
			return
		}
	}
	t.Fatalf("no %q at %s in %s", msg, wantLoc, rec.Text())
}

type customerJSON struct {
	ID             string          `json:"id"`
	Email          string          `json:"email"`
	Name           *string         `json:"name"`
	BillingName    *string         `json:"billing_name"`
	BillingAddress map[string]any  `json:"billing_address"`
	OAuthAccounts  map[string]any  `json:"oauth_accounts"`
	Type           *string         `json:"type"`
	ModifiedAt     *string         `json:"modified_at"`
	Raw            json.RawMessage `json:"-"`
}

type memberJSON struct {
	ID    string  `json:"id"`
	Email string  `json:"email"`
	Name  *string `json:"name"`
	Role  string  `json:"role"`
}

func (e *env) scalar(sql string, args ...any) any {
	e.t.Helper()
	var v any
	if err := e.pool.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		e.t.Fatal(err)
	}
	return v
}

func (e *env) owners(customer uuid.UUID) int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM members WHERE customer_id = $1 AND role = 'owner' AND deleted_at IS NULL`, customer).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}
