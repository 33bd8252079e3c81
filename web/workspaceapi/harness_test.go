// Package workspaceapi_test drives the workspace surfaces through the real
// router: the public GET /api/customer-portal/workspaces/{slug} (validated
// against the contract) and the workspace API under /api (customers,
// members, customer and member sessions, the workspace itself).
package workspaceapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/testkit"
	"portal/internal/workspace"
	"portal/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

type env struct {
	t    *testing.T
	s    *webtest.Server
	pool *pgxpool.Pool
	svc  *app.Services
	c    *testkit.Client
	h    http.Handler

	// ws is a legacy workspace, ws2 another tenant, team a member-mode one.
	ws, ws2, team       workspace.Issued
	tok, tok2, teamTok  string
	authz, authz2, tmAz string
}

const baseURL = webtest.DefaultBaseURL

func newEnv(t *testing.T) *env {
	t.Helper()
	s := webtest.NewServer(t, webtest.Options{})
	e := &env{t: t, s: s, pool: s.Pool, svc: s.Services, h: s.Handler, c: s.Client()}
	e.ws = e.createWorkspace("acme", false)
	e.ws2 = e.createWorkspace("globex", false)
	e.team = e.createWorkspace("teamco", true)
	e.s.Exec(`UPDATE workspaces SET seat_based_pricing_enabled = true WHERE id = $1`, e.team.ID)
	e.tok, e.tok2, e.teamTok = e.ws.AccessToken, e.ws2.AccessToken, e.team.AccessToken
	e.authz, e.authz2, e.tmAz = "Bearer "+e.tok, "Bearer "+e.tok2, "Bearer "+e.teamTok
	return e
}

func (e *env) createWorkspace(slug string, memberModel bool) workspace.Issued {
	e.t.Helper()
	email := slug + "@example.com"
	iss, err := e.svc.Workspaces.Create(context.Background(), workspace.CreateInput{Name: "Workspace " + slug, Slug: slug,
		Email: &email, MemberModel: memberModel})
	if err != nil {
		e.t.Fatalf("create workspace %s: %v", slug, err)
	}
	return iss
}

func (e *env) id(sql string, args ...any) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	if err := e.pool.QueryRow(context.Background(), sql, args...).Scan(&id); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
	return id
}

// customer inserts a customer straight into the database.
func (e *env) customer(ws uuid.UUID, email, typ string) uuid.UUID {
	e.t.Helper()
	return testkit.Customer(e.t, e.pool, ws, email, typ)
}

// member inserts a member of customer (ws names the customer's workspace).
func (e *env) member(_, customer uuid.UUID, email, role string) uuid.UUID {
	e.t.Helper()
	return testkit.Member(e.t, e.pool, customer, email, role)
}

// body decodes a JSON object answer.
func body(t *testing.T, r *testkit.Response) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// validation is a 422 body.
type validation struct {
	Error  string `json:"error"`
	Detail []struct {
		Type string `json:"type"`
		Loc  []any  `json:"loc"`
		Msg  string `json:"msg"`
	} `json:"detail"`
}

// want422 checks a 422 RequestValidationError whose first entry is at loc
// (and, when msg is not empty, says msg).
func want422(t *testing.T, name string, r *testkit.Response, loc []any, msg string) {
	t.Helper()
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("%s: status %d, want 422: %s", name, r.Status, r.Body)
	}
	var v validation
	r.JSON(t, &v)
	if v.Error != "RequestValidationError" || len(v.Detail) == 0 {
		t.Fatalf("%s: body %s", name, r.Body)
	}
	if loc != nil && !reflect.DeepEqual(v.Detail[0].Loc, loc) {
		t.Fatalf("%s: loc %v, want %v: %s", name, v.Detail[0].Loc, loc, r.Body)
	}
	if msg != "" && v.Detail[0].Msg != msg {
		t.Fatalf("%s: msg %q, want %q", name, v.Detail[0].Msg, msg)
	}
}

// wantError checks a domain error body {"error": name, "detail": ...}.
func wantError(t *testing.T, label string, r *testkit.Response, status int, name string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", label, r.Status, status, r.Body)
	}
	var b struct {
		Error  string `json:"error"`
		Detail string `json:"detail"`
	}
	r.JSON(t, &b)
	if b.Error != name || b.Detail == "" {
		t.Fatalf("%s: body %s, want error %s", label, r.Body, name)
	}
}

// wantInvalidToken checks the RFC 6750 401 of the workspace API.
func wantInvalidToken(t *testing.T, label string, r *testkit.Response) {
	t.Helper()
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("%s: status %d, want 401: %s", label, r.Status, r.Body)
	}
	var b map[string]any
	if err := json.Unmarshal(r.Body, &b); err != nil || b["error"] != "invalid_token" || b["error_description"] == nil {
		t.Fatalf("%s: body %s", label, r.Body)
	}
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("%s: no WWW-Authenticate", label)
	}
}
