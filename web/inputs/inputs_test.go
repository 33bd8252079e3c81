// Package inputs_test throws hostile text at the real router on a real
// database: NUL characters and invalid UTF-8 (which PostgreSQL cannot
// store), markup, bidi overrides, very long strings. Whatever arrives, the
// answer is a success or a clean 4xx in the contract's shape — never a 500
// — and a refused write changes nothing.
package inputs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/auth"
	"portal/internal/testkit"
	"portal/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

const baseURL = "https://portal.example.test"

type env struct {
	pool           *pgxpool.Pool
	svc            *app.Services
	h              http.Handler
	cust, team     uuid.UUID
	custTok, owner string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	s := webtest.NewServer(t, webtest.Options{BaseURL: baseURL})
	pool, svc := s.Pool, s.Services
	e := &env{pool: pool, svc: svc, h: s.Handler}
	ws := testkit.Workspace(t, pool, "acme")
	if _, err := pool.Exec(context.Background(), `UPDATE workspaces SET member_model_enabled = true WHERE id = $1`, ws); err != nil {
		t.Fatal(err)
	}
	e.cust = testkit.Customer(t, pool, ws, "ada@example.com", "individual")
	e.team = testkit.Customer(t, pool, ws, "team@example.com", "team")
	e.custTok = testkit.CustomerToken(t, pool, svc.Hasher, e.cust)
	e.owner = testkit.MemberToken(t, pool, svc.Hasher, testkit.Member(t, pool, e.team, "owner@example.com", auth.RoleOwner))
	return e
}

func (e *env) client(t testing.TB) *testkit.Client {
	return testkit.NewClient(t, e.h, testkit.WithBaseURL(baseURL))
}

// billing is the customer's stored billing columns, to prove a refused
// write changed nothing.
func (e *env) billing(t testing.TB) string {
	t.Helper()
	var s string
	if err := e.pool.QueryRow(context.Background(),
		`SELECT coalesce(billing_name, '∅') || '|' || coalesce(billing_address::text, '∅') || '|' || coalesce(modified_at::text, '∅') FROM customers WHERE id = $1`,
		e.cust).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// rawJSON sends body bytes as they are: json.Marshal would replace invalid
// UTF-8, and the point is to see what the server does with it.
func rawJSON(t testing.TB, c *testkit.Client, method, path, tok, body string) *testkit.Response {
	return c.Request(method, path, strings.NewReader(body), "Content-Type", "application/json", "Authorization", "Bearer "+tok)
}

// checkAnswer: 2xx or 422, contract-valid, never a 5xx; a 422 lists field
// errors under body.
func checkAnswer(t *testing.T, r *testkit.Response, what string) {
	t.Helper()
	if r.Status >= 500 || (r.Status != http.StatusOK && r.Status != http.StatusCreated && r.Status != http.StatusUnprocessableEntity) {
		t.Fatalf("%s: %d %s", what, r.Status, r.Body)
	}
	r.ValidateContract(t)
	if r.Status == http.StatusUnprocessableEntity {
		var b struct {
			Error  string `json:"error"`
			Detail []struct {
				Loc []any `json:"loc"`
			} `json:"detail"`
		}
		if err := json.Unmarshal(r.Body, &b); err != nil || b.Error != "RequestValidationError" || len(b.Detail) == 0 || b.Detail[0].Loc[0] != "body" {
			t.Fatalf("%s: 422 body %s", what, r.Body)
		}
	}
}

// FuzzPatchCustomer sends any billing name and address line to PATCH
// /customers/me (a JSON string built by hand, so NUL escapes and raw
// invalid UTF-8 reach the server as a client could send them). Before the
// fix a NUL in either was a 500: PostgreSQL refuses U+0000 in text and
// jsonb.
func FuzzPatchCustomer(f *testing.F) {
	for _, s := range []string{"ACME Ltd", "a\x00b", "\x00", "<script>alert(1)</script>", "\u202eevil", "\xff\xfe", strings.Repeat("é", 257), "  "} {
		f.Add(s, s)
	}
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, name, line1 string) {
		c := e.client(t)
		before := e.billing(t)
		// strconv-style quoting keeps invalid UTF-8 bytes raw in the body.
		body := `{"billing_name":` + quoteRaw(name) + `,"billing_address":{"country":"FR","line1":` + quoteRaw(line1) + `}}`
		r := rawJSON(t, c, http.MethodPatch, "/api/customer-portal/customers/me", e.custTok, body)
		checkAnswer(t, r, "PATCH "+body)
		if r.Status == http.StatusUnprocessableEntity && e.billing(t) != before {
			t.Fatalf("refused PATCH %s changed the customer", body)
		}
	})
}

// quoteRaw is a JSON string literal of s that keeps its bytes: controls
// become \u escapes (NUL included), invalid UTF-8 stays raw.
func quoteRaw(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Text PostgreSQL cannot store is a 422 located at the field on every
// surface: the portal API, the settings form, the team API (a field the
// service does not check itself: the database's refusal becomes the 422),
// and the workspace API; nothing is written.
func TestUnstorableTextIs422(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	before := e.billing(t)
	for body, loc := range map[string]string{
		`{"billing_name":"a\u0000b"}`:                                                `["body","billing_name"]`,
		`{"billing_address":{"country":"FR","line1":"a\u0000b"}}`:                    `["body","billing_address","line1"]`,
		`{"billing_address":{"country":"FR","city":"\u0000"}}`:                       `["body","billing_address","city"]`,
		`{"billing_name":"ok","billing_address":{"country":"FR","line2":"x\u0000"}}`: `["body","billing_address","line2"]`,
	} {
		r := rawJSON(t, c, http.MethodPatch, "/api/customer-portal/customers/me", e.custTok, body)
		checkAnswer(t, r, body)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"loc":`+loc) {
			t.Errorf("%s: %d %s, want 422 at %s", body, r.Status, r.Body, loc)
		}
	}
	if e.billing(t) != before {
		t.Fatal("a refused PATCH changed the customer")
	}

	// The settings form, with invalid UTF-8 and a NUL as a browser could post them.
	b := e.client(t)
	webtest.SignIn(t, b, e.svc, e.cust, uuid.Nil)
	for _, name := range []string{"a\x00b", "\xff\xfeACME"} {
		r := webtest.PostForm(t, b, e.svc, "/acme/portal/settings", url.Values{"billing_name": {name}, "billing_address[country]": {"FR"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Text(), "role=\"alert\"") {
			t.Errorf("settings form with %q: %d", name, r.Status)
		}
	}
	if e.billing(t) != before {
		t.Fatal("a refused form changed the customer")
	}

	// A team owner adds a member whose name holds a NUL.
	r := rawJSON(t, c, http.MethodPost, "/api/customer-portal/members", e.owner, `{"email":"new@example.com","name":"a\u0000b","role":"member"}`)
	if r.Status >= 500 || r.Status == http.StatusCreated {
		t.Errorf("member with a NUL name: %d %s", r.Status, r.Body)
	}
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM members WHERE email = 'new@example.com'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("member rows %d, %v", n, err)
	}
}
