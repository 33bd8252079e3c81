// Package cards_test drives saved cards (issue 6) through the real router:
// the portal API against an in-repo stateful Stripe fake (every response
// checked against the contract), the webhook, and the pages with the card
// sandbox.
package cards_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/config"
	"portal/internal/paymentmethod"
	"portal/internal/payments"
	"portal/internal/payments/stripefake"
	"portal/internal/testkit"
	"portal/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

const (
	baseURL     = "https://portal.example.test"
	webhookKey  = "whsec_test_cards"
	apiPrefix   = "/api/customer-portal"
	testTimeout = 750 * time.Millisecond
)

type env struct {
	t       *testing.T
	s       *webtest.Server
	pool    *pgxpool.Pool
	svc     *app.Services
	handler http.Handler
	fake    *stripefake.Fake

	ws, ws2                   uuid.UUID
	cust, other, team, frn    uuid.UUID
	owner, plain              uuid.UUID
	custTok, otherTok, frnTok string
	ownerTok, plainTok        string
}

type opts struct {
	mode      string // "stripe" (the fake), "sandbox", "off", or "url" (stripeURL)
	stripeURL string
}

func newEnv(t *testing.T, o opts) *env {
	t.Helper()
	e := &env{t: t}
	if o.mode == "stripe" {
		e.fake = stripefake.New(t)
		o.stripeURL = e.fake.URL
	}
	s := webtest.NewServer(t, webtest.Options{
		BaseURL: baseURL,
		Config: func(cfg *config.Config) {
			cfg.StripeWebhook = webhookKey
			switch o.mode {
			case "stripe", "url":
				cfg.StripeSecretKey = "sk_test_cards"
				cfg.StripePublicKey = "pk_test_cards"
				cfg.StripeAPIURL = o.stripeURL
			case "sandbox":
				cfg.Payments = "sandbox"
				cfg.Env = "development"
			}
		},
		Services: func(svc *app.Services) {
			if svc.Config.StripeSecretKey != "" {
				// The same provider the server builds, with a short deadline so the
				// fault tests end quickly (production uses payments.DefaultTimeout).
				svc.Payments = payments.NewStripe(payments.StripeOptions{Key: svc.Config.StripeSecretKey, URL: svc.Config.StripeAPIURL, Timeout: testTimeout})
				svc.PaymentMethods = paymentmethod.New(svc.Pool, svc.Payments, svc.Config.BaseURL)
			}
		},
	})
	pool := s.Pool
	e.s, e.pool, e.svc, e.handler = s, pool, s.Services, s.Handler
	c := testkit.SeedCast(t, pool)
	e.ws, e.ws2, e.cust, e.other, e.team, e.frn, e.owner, e.plain = c.WS, c.WS2, c.Ind, c.Other, c.Team, c.Foreign, c.Owner, c.Plain
	e.custTok = s.CustomerToken(e.cust)
	e.otherTok = s.CustomerToken(e.other)
	e.frnTok = s.CustomerToken(e.frn)
	e.ownerTok = s.MemberToken(e.owner)
	e.plainTok = s.MemberToken(e.plain)
	return e
}

// api sends a portal API request. Responses the contract documents are
// validated against it; the project's other statuses (D1, D4) must carry
// the error envelope.
func (e *env) api(method, path, bearer string, body any) *testkit.Response {
	e.t.Helper()
	var auth []string
	if bearer != "" {
		auth = []string{"Authorization", "Bearer " + bearer}
	}
	rec := e.s.Client().SendJSON(method, apiPrefix+path, body, auth...)
	checkContract(e.t, rec)
	return rec
}

func checkContract(t *testing.T, rec *testkit.Response) {
	t.Helper()
	switch rec.Status {
	case 200, 201, 204, 422:
		rec.ValidateContract(t)
	default:
		var b map[string]any
		if err := json.Unmarshal(rec.Body, &b); err != nil {
			t.Errorf("%d body is not JSON: %s", rec.Status, rec.Body)
			return
		}
		if _, ok := b["detail"].(string); !ok {
			t.Errorf("%d body has no detail: %s", rec.Status, rec.Body)
		}
		if rec.Status != 503 && rec.Status != 429 {
			if _, ok := b["error"].(string); !ok {
				t.Errorf("%d body has no error name: %s", rec.Status, rec.Body)
			}
		}
	}
	if rec.Status >= 500 && rec.Status != 502 && rec.Status != 503 {
		t.Errorf("server error %d: %s", rec.Status, rec.Body)
	}
}

func wantStatus(t *testing.T, rec *testkit.Response, status int) {
	t.Helper()
	rec.ExpectStatus(t, status)
}

func wantError(t *testing.T, rec *testkit.Response, status int, name, detail string) {
	t.Helper()
	wantStatus(t, rec, status)
	b := testkit.Decode[map[string]any](t, rec)
	if name != "" && b["error"] != name {
		t.Errorf("error = %v, want %q (%s)", b["error"], name, rec.Text())
	}
	if detail != "" && b["detail"] != detail {
		t.Errorf("detail = %v, want %q", b["detail"], detail)
	}
}

type pmBody struct {
	ID        string  `json:"id"`
	Processor string  `json:"processor"`
	Type      string  `json:"type"`
	Brand     *string `json:"brand"`
	Last4     *string `json:"last4"`
	ExpMonth  *int    `json:"exp_month"`
	ExpYear   *int    `json:"exp_year"`
	IsDefault bool    `json:"is_default"`
}

type addBody struct {
	Status        string  `json:"status"`
	ClientSecret  string  `json:"client_secret"`
	PaymentMethod *pmBody `json:"payment_method"`
}

func (e *env) add(tok, ctoken string, setDefault *bool) *testkit.Response {
	e.t.Helper()
	body := map[string]any{"confirmation_token_id": ctoken, "return_url": "/acme/portal/billing/return"}
	if setDefault != nil {
		body["set_default"] = *setDefault
	}
	return e.api("POST", "/payment-methods", tok, body)
}

func (e *env) list(tok string) []pmBody {
	e.t.Helper()
	rec := e.api("GET", "/payment-methods", tok, nil)
	wantStatus(e.t, rec, 200)
	return testkit.Decode[[]pmBody](e.t, rec)
}

// rows counts a customer's live local payment methods.
func (e *env) rows(customer uuid.UUID) int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM payment_methods WHERE customer_id = $1 AND deleted_at IS NULL`, customer).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) stripeID(customer uuid.UUID) string {
	e.t.Helper()
	var s *string
	if err := e.pool.QueryRow(context.Background(), `SELECT stripe_customer_id FROM customers WHERE id = $1`, customer).Scan(&s); err != nil {
		e.t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

func (e *env) defaultPM(customer uuid.UUID) string {
	e.t.Helper()
	var s *uuid.UUID
	if err := e.pool.QueryRow(context.Background(), `SELECT default_payment_method_id FROM customers WHERE id = $1`, customer).Scan(&s); err != nil {
		e.t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return s.String()
}

// page is a browser signed in the way a workspace links its customers in:
// a pre-authenticated link (D11) exchanged for the session cookie. Its
// posts carry the CSRF token (D21) like the page's forms do.
type page struct {
	t *testing.T
	*testkit.Client
}

// browser signs a client in with an API session token of a customer
// ("cst") or a member ("mst").
func (e *env) browser(tok string) *page {
	e.t.Helper()
	c := e.s.Client()
	// A link, continued on the page that asks (D23); each browser gets its
	// own link for the same person, as a link signs in only once.
	if loc := webtest.SignInByLink(e.t, c, e.svc, tok, "/acme/portal/billing"); loc != "/acme/portal/billing" || len(c.Cookies()) == 0 {
		e.t.Fatalf("sign-in by link: → %q", loc)
	}
	return &page{t: e.t, Client: c}
}

func (p *page) csrf() string {
	p.t.Helper()
	for _, name := range []string{"__Host-csrf", "csrf"} {
		if ck := p.Cookie(name); ck != nil {
			return ck.Value
		}
	}
	// The cookie is set by the first page that renders a form.
	p.Get("/acme/portal/billing")
	if ck := p.Cookie("__Host-csrf"); ck != nil {
		return ck.Value
	}
	p.t.Fatal("no CSRF cookie")
	return ""
}

// PostForm posts like a page form: with the hidden _csrf field.
func (p *page) PostForm(path string, form url.Values, headers ...string) *testkit.Response {
	if strings.HasPrefix(path, "/sandbox/") {
		return p.Client.PostForm(path, form, headers...)
	}
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", p.csrf())
	return p.Client.PostForm(path, f, headers...)
}

// Request sends a raw request with the CSRF header, as htmx and billing.js do.
func (p *page) Request(method, path string, body io.Reader, headers ...string) *testkit.Response {
	return p.Client.Request(method, path, body, append(headers, "X-CSRF-Token", p.csrf())...)
}
