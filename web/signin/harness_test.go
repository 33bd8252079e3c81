// Package signin_test drives the sign-in service and its JSON API through
// the real router on real PostgreSQL: codes, sessions, rate limits, the
// mail queue and the SMTP sink. Every documented API answer is validated
// against the contract; the decided-but-undocumented ones (401
// invalid_token, 429, 503) are checked by shape.
package signin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/config"
	"portal/internal/mail"
	"portal/internal/testkit"
	"portal/web"
	"portal/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

const testSecret = "0123456789abcdef0123456789abcdef-signin-tests"

const (
	pRequest      = "/api/customer-portal/customer-session/request"
	pAuthenticate = "/api/customer-portal/customer-session/authenticate"
	pUser         = "/api/customer-portal/customer-session/user"
	pIntrospect   = "/api/customer-portal/customer-session/introspect"
)

type env struct {
	t    *testing.T
	s    *webtest.Server
	pool *pgxpool.Pool
	svc  *app.Services
	srv  *web.Server
	c    *testkit.Client
	sink *testkit.SMTPSink

	legacy, members uuid.UUID // workspaces in each sign-in mode
}

type envOpt struct {
	smtp   bool   // start an SMTP sink and point SMTP_URL at it
	start  bool   // run the mail queue
	env    string // PORTAL_ENV, default "test"
	pool   *pgxpool.Pool
	noSeed bool
	// trusted sets PORTAL_TRUSTED_PROXIES.
	trusted []netip.Prefix
}

func newEnv(t *testing.T, o envOpt) *env {
	t.Helper()
	s := webtest.NewServer(t, webtest.Options{
		Pool:  o.pool,
		Mail:  o.smtp,
		Start: o.start,
		Config: func(cfg *config.Config) {
			cfg.Secret = testSecret
			if o.env != "" {
				cfg.Env = o.env
			}
			cfg.Trusted = o.trusted
		},
		Services: func(svc *app.Services) {
			svc.SignIn.Floor = 0
			svc.Mail.SetRetryBase(50 * time.Millisecond)
		},
	})
	e := &env{t: t, s: s, pool: s.Pool, svc: s.Services, srv: s.Web, sink: s.Mail}
	// Served at testkit's default base URL, not PORTAL_BASE_URL, as before
	// webtest: the sign-in API tests send no cookies that care.
	e.c = testkit.NewClient(t, s.Handler)
	if !o.noSeed {
		e.legacy = e.workspace("legacy", false)
		e.members = e.workspace("teams", true)
	}
	return e
}

func (e *env) workspace(slug string, memberModel bool) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	err := e.pool.QueryRow(context.Background(),
		`INSERT INTO workspaces (name, slug, email, member_model_enabled) VALUES ($1, $2, $3, $4) RETURNING id`,
		"Shop "+slug, slug, "help@"+slug+".example", memberModel).Scan(&id)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) customer(ws uuid.UUID, email string, name *string, typ string) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	err := e.pool.QueryRow(context.Background(),
		`INSERT INTO customers (workspace_id, email, name, type) VALUES ($1, $2, $3, $4) RETURNING id`,
		ws, email, name, typ).Scan(&id)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) member(ws, customer uuid.UUID, email, role string) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	err := e.pool.QueryRow(context.Background(),
		`INSERT INTO members (workspace_id, customer_id, email, name, role) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		ws, customer, email, "Member "+email, role).Scan(&id)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func str(s string) *string { return &s }

// request posts to /request from the client's address and validates the
// answer against the contract when it is one the contract documents.
func (e *env) request(c *testkit.Client, body any) *testkit.Response {
	e.t.Helper()
	if c == nil {
		c = e.c
	}
	r := c.PostJSON(pRequest, body)
	e.check(r)
	return r
}

func (e *env) authenticate(c *testkit.Client, body any) *testkit.Response {
	e.t.Helper()
	if c == nil {
		c = e.c
	}
	r := c.PostJSON(pAuthenticate, body)
	e.check(r)
	return r
}

// check validates any response: documented statuses against the contract,
// the decided ones by shape.
func (e *env) check(r *testkit.Response) {
	e.t.Helper()
	switch r.Status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		var b map[string]any
		r.JSON(e.t, &b)
		if _, ok := b["detail"].(string); !ok || len(b) != 1 {
			e.t.Errorf("%d body %s: want {\"detail\": string}", r.Status, r.Body)
		}
		if r.Header.Get("Retry-After") == "" {
			e.t.Errorf("%d without Retry-After", r.Status)
		}
	case http.StatusUnauthorized:
		var b map[string]any
		r.JSON(e.t, &b)
		switch b["error"] {
		case "invalid_token":
			if b["error_description"] == nil || !strings.Contains(r.Header.Get("WWW-Authenticate"), "invalid_token") {
				e.t.Errorf("invalid_token shape: %s %v", r.Body, r.Header)
			}
		case "Unauthorized":
			if b["detail"] != "Unauthorized" {
				e.t.Errorf("Unauthorized shape: %s", r.Body)
			}
		default:
			r.ValidateContract(e.t)
		}
	case http.StatusRequestEntityTooLarge:
		var b map[string]any
		r.JSON(e.t, &b)
		if b["error"] == nil || b["detail"] == nil {
			e.t.Errorf("413 shape: %s", r.Body)
		}
	default:
		r.ValidateContract(e.t)
	}
}

func reqBody(email string, ws uuid.UUID, customer *uuid.UUID) map[string]any {
	b := map[string]any{"email": email, "workspace_id": ws.String()}
	if customer != nil {
		b["customer_id"] = customer.String()
	}
	return b
}

// queued returns the codes queued for an address, newest first, opened
// from the job table with the server's key (no SMTP needed).
func (e *env) queued(to string) []string {
	e.t.Helper()
	rows, err := e.pool.Query(context.Background(),
		`SELECT args FROM river_job WHERE kind = 'portal_sign_in_mail' AND lower(args->>'to') = lower($1) ORDER BY id DESC`, to)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	sealer, err := mail.NewSealer([]byte(testSecret))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			e.t.Fatal(err)
		}
		var a mail.SignInArgs
		if err := json.Unmarshal(raw, &a); err != nil {
			e.t.Fatal(err)
		}
		code, err := sealer.Open(a.SealedCode, a.CodeID.String())
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, code)
	}
	return out
}

// lastCode is the newest code queued for an address; the test fails when
// none was.
func (e *env) lastCode(to string) string {
	e.t.Helper()
	codes := e.queued(to)
	if len(codes) == 0 {
		e.t.Fatalf("no code queued for %s", to)
	}
	return codes[0]
}

// signIn requests and exchanges a code, returning the token.
func (e *env) signIn(ws uuid.UUID, email string, customer *uuid.UUID, mailTo string) string {
	e.t.Helper()
	e.request(nil, reqBody(email, ws, customer)).ExpectStatus(e.t, http.StatusAccepted)
	r := e.authenticate(nil, map[string]any{"code": e.lastCode(mailTo)}).ExpectStatus(e.t, http.StatusOK)
	var b struct{ Token string }
	r.JSON(e.t, &b)
	return b.Token
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// clientAt is a client at its own IP address, for per-IP limits.
func (e *env) clientAt(i int) *testkit.Client {
	return testkit.NewClient(e.t, e.srv.Handler(), testkit.WithRemoteAddr(fmt.Sprintf("198.51.%d.%d:5000", i/250, i%250+1)))
}
