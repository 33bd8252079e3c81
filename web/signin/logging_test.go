package signin_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/testkit"
	"portal/internal/workspace"
	"portal/web/webtest"
)

// loggedEnv is a started server on pool configured as cfg whose services
// log to logger, stopped when the test ends.
func loggedEnv(t *testing.T, pool *pgxpool.Pool, cfg *config.Config, logger *slog.Logger) *env {
	t.Helper()
	s := webtest.NewServer(t, webtest.Options{Pool: pool, Start: true, Log: logger.Handler(),
		Config:   func(c *config.Config) { *c = *cfg },
		Services: func(svc *app.Services) { svc.SignIn.Floor = 0 },
	})
	return &env{t: t, s: s, pool: s.Pool, svc: s.Services, srv: s.Web}
}

func TestD18_CodesAndTokensNeverLogged(t *testing.T) {
	pool := testkit.DB(t)
	var logs testkit.SyncBuffer
	cfg := &config.Config{Env: "production", Addr: "127.0.0.1:0", BaseURL: "https://portal.example.test", Secret: testSecret,
		MailFrom: "portal@example.test", Payments: "stripe", Migrate: "off"}
	e := loggedEnv(t, pool, cfg, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	svc := e.svc
	e.c = testkit.NewClient(t, e.srv.Handler())
	e.legacy = e.workspace("legacy", false)
	e.customer(e.legacy, "quiet@example.com", nil, "individual")
	e.request(nil, reqBody("quiet@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	waitOutbox(t, svc.Mail, 1)
	code := e.lastCode("quiet@example.com")
	tok := tokenOf(t, e.authenticate(nil, map[string]any{"code": code}).ExpectStatus(t, http.StatusOK))
	e.c.GetJSON(pUser, bearer(tok)...).ExpectStatus(t, http.StatusOK)
	out := logs.String()
	if !strings.Contains(out, "mail not sent") {
		t.Fatalf("the unsent mail was not logged:\n%s", out)
	}
	for _, secret := range []string{code, auth.DisplayCode(code), tok} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains a secret %q:\n%s", secret, out)
		}
	}
}

func TestG1_PagesRequestSameForUnknownAddress(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "known@example.com", nil, "individual")
	ctx := t.Context()
	known, err := e.svc.SignIn.Request(ctx, auth.RequestInput{Email: "known@example.com", WorkspaceID: e.legacy, ClientIP: "203.0.113.1", Browser: true})
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := e.svc.SignIn.Request(ctx, auth.RequestInput{Email: "unknown@example.com", WorkspaceID: e.legacy, ClientIP: "203.0.113.1", Browser: true})
	if err != nil {
		t.Fatal(err)
	}
	if known.SignInRequestID == uuid.Nil || unknown.SignInRequestID == uuid.Nil {
		t.Errorf("request rows: %+v %+v", known, unknown)
	}
	if unknown.Email != "" {
		t.Errorf("unknown address reported as mailed: %+v", unknown)
	}
	// A code never matches an unknown address's request.
	code := e.lastCode("known@example.com")
	if _, err := e.svc.SignIn.Authenticate(ctx, auth.AuthenticateInput{Code: code, ClientIP: "203.0.113.2", SignInRequestID: &unknown.SignInRequestID}); err == nil {
		t.Error("code accepted through another address's request")
	}
	// Unknown workspace: no row, no error.
	res, err := e.svc.SignIn.Request(ctx, auth.RequestInput{Email: "known@example.com", WorkspaceID: uuid.New(), ClientIP: "203.0.113.3", Browser: true})
	if err != nil || res.SignInRequestID != uuid.Nil {
		t.Errorf("unknown workspace: %+v %v", res, err)
	}
}

// TestMetricsShowQueueDepthAndOutcomes: the metrics listener shows the
// mail queue depth and sign-in outcomes; a request is "accepted" whether or
// not a code was mailed (D24), and wrong codes are counted.
func TestMetricsShowQueueDepthAndOutcomes(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "m@example.com", nil, "individual")
	e.request(nil, reqBody("m@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	e.authenticate(nil, map[string]any{"code": "ZZZZZZZZ"}).ExpectStatus(t, http.StatusUnauthorized)
	e.c.Get("/metrics").ExpectStatus(t, http.StatusNotFound)
	r := testkit.NewClient(t, e.srv.MetricsHandler()).Get("/metrics").ExpectStatus(t, http.StatusOK)
	for _, want := range []string{`portal_mail_queue_depth 0`, `portal_signin_outcomes_total{outcome="accepted",step="request"} 1`,
		`portal_signin_outcomes_total{outcome="wrong_code",step="authenticate"} 1`} {
		if !strings.Contains(r.Text(), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	for _, leak := range []string{`outcome="sent"`, `outcome="not_sent"`, `outcome="address_limited"`} {
		if strings.Contains(r.Text(), leak) {
			t.Errorf("metrics tell whether a code was mailed: %s", leak)
		}
	}
}

// TestNoSecretsInLogs drives every flow that hands out a secret, with the
// server's logger (and slog's default) writing JSON at Debug level into a
// buffer, and proves none of those secrets ever reaches it:
//   - the workspace access token and the pre-authenticated link's token
//     (POST /api/customer-sessions, then the link followed by a browser);
//   - one-time codes, typed canonical, lower-case and as XXXX-XXXX, through
//     the API and the pages, plus a wrong code, with SMTP unset so the mail
//     takes the logging sender (production and test never log the code);
//   - the API bearer token, a forged one, and every cookie value the
//     browsers were given (session and CSRF);
//   - the card sandbox's SetupIntent client_secret, through the pages'
//     3-D Secure journey and through the API's requires_action answer.
func TestNoSecretsInLogs(t *testing.T) {
	pool := testkit.DB(t)
	var logs testkit.SyncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	prev := slog.Default()
	slog.SetDefault(logger)
	t.Cleanup(func() { slog.SetDefault(prev) })
	cfg := &config.Config{Env: "test", Addr: "127.0.0.1:0", BaseURL: "https://portal.example.test", Secret: testSecret,
		MailFrom: "portal@example.test", Payments: "sandbox", Migrate: "off"}
	e := loggedEnv(t, pool, cfg, logger)
	svc := e.svc
	h := e.srv.Handler()
	newClient := func() *testkit.Client { return testkit.NewClient(t, h, testkit.WithBaseURL(cfg.BaseURL)) }
	e.c = newClient()
	var secrets []string
	keep := func(what string, s string) {
		t.Helper()
		if len(s) < 8 {
			t.Fatalf("%s %q is too short to look for", what, s)
		}
		secrets = append(secrets, s)
	}
	var clients []*testkit.Client

	// A workspace, its access token, and a customer with a saved address.
	email := "acme@example.com"
	iss, err := svc.Workspaces.Create(t.Context(), workspace.CreateInput{Name: "Acme", Slug: "acme", Email: &email})
	if err != nil {
		t.Fatal(err)
	}
	keep("workspace token", iss.AccessToken)
	cust := e.customer(iss.ID, "ada@example.com", str("Ada"), "individual")

	// The pre-authenticated link, followed by a browser.
	r := e.c.PostJSON("/api/customer-sessions", map[string]any{"customer_id": cust.String()}, bearer(iss.AccessToken)...).ExpectStatus(t, http.StatusCreated)
	var link struct {
		Token             string `json:"token"`
		CustomerPortalURL string `json:"customer_portal_url"`
	}
	r.JSON(t, &link)
	keep("link token", link.Token)
	u, err := url.Parse(link.CustomerPortalURL)
	if err != nil || u.Query().Get("customer_session_token") != link.Token {
		t.Fatalf("portal URL %q", link.CustomerPortalURL)
	}
	linked := newClient()
	clients = append(clients, linked)
	r = linked.Get(u.RequestURI())
	if r.Status != http.StatusSeeOther || strings.Contains(r.Location(), link.Token) {
		t.Fatalf("link: %d → %q", r.Status, r.Location())
	}
	// The clean page asks to continue (D23); the POST signs in.
	if r := linked.Get(r.Location()); r.Status != http.StatusSeeOther || r.Location() != "/acme/portal/continue" {
		t.Fatalf("clean page: %d → %q", r.Status, r.Location())
	}
	linked.Get("/acme/portal/continue").ExpectStatus(t, http.StatusOK)
	webtest.PostForm(t, linked, svc, "/acme/portal/continue", nil).ExpectStatus(t, http.StatusSeeOther)
	linked.Get("/acme/portal/overview").ExpectStatus(t, http.StatusOK)
	// The same link once the token is unknown: the redirect to sign in.
	stale := newClient()
	clients = append(clients, stale)
	stale.Get("/acme/portal/overview?customer_session_token=rapidly_cst_"+strings.Repeat("z", 40)+"&email=ada%40example.com").ExpectStatus(t, http.StatusSeeOther)
	keep("forged link token", "rapidly_cst_"+strings.Repeat("z", 40))

	// Sign-in by code through the API: a wrong code, then the right one
	// typed in lower case.
	e.request(nil, reqBody("ada@example.com", iss.ID, nil)).ExpectStatus(t, http.StatusAccepted)
	waitOutbox(t, svc.Mail, 1)
	code := e.lastCode("ada@example.com")
	keep("code", code)
	keep("code", auth.DisplayCode(code))
	keep("code", strings.ToLower(code))
	wrong := []byte(code)
	wrong[0] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[(strings.IndexByte("0123456789ABCDEFGHJKMNPQRSTVWXYZ", code[0])+1)%32]
	e.authenticate(nil, map[string]any{"code": string(wrong)}).ExpectStatus(t, http.StatusUnauthorized)
	keep("wrong code", string(wrong))
	tok := tokenOf(t, e.authenticate(nil, map[string]any{"code": strings.ToLower(code)}).ExpectStatus(t, http.StatusOK))
	keep("API token", tok)
	e.c.GetJSON(pUser, bearer(tok)...).ExpectStatus(t, http.StatusOK)
	forged := "rapidly_cst_" + strings.Repeat("f", 40)
	keep("forged API token", forged)
	e.c.GetJSON(pUser, bearer(forged)...).ExpectStatus(t, http.StatusUnauthorized)

	// Sign-in by code through the pages, code typed as XXXX-XXXX.
	b := newClient()
	clients = append(clients, b)
	b.Get("/acme/portal/request").ExpectStatus(t, http.StatusOK)
	webtest.PostForm(t, b, svc, "/acme/portal/request", url.Values{"email": {"ada@example.com"}}).ExpectStatus(t, http.StatusSeeOther)
	waitOutbox(t, svc.Mail, 2)
	code2 := e.lastCode("ada@example.com")
	if code2 == code {
		t.Fatal("the pages' sign-in reused the API's code")
	}
	keep("code", code2)
	keep("code", auth.DisplayCode(code2))
	r = webtest.PostForm(t, b, svc, "/acme/portal/authenticate", url.Values{"code": {auth.DisplayCode(code2)}}).ExpectStatus(t, http.StatusSeeOther)
	if r.Location() != "/acme/portal/overview" {
		t.Fatalf("page sign-in went to %q", r.Location())
	}

	// A card with 3-D Secure through the pages' sandbox: the challenge page
	// carries the SetupIntent's client_secret.
	r = webtest.PostForm(t, b, svc, "/acme/portal/billing/cards", url.Values{"number": {"4000 0027 6000 3184"}, "expiry": {"12/34"},
		"cvc": {"123"}, "set_default": {"true"}}).ExpectStatus(t, http.StatusSeeOther)
	challenge := r.Location()
	if !strings.HasPrefix(challenge, "/sandbox/3ds/") {
		t.Fatalf("card add went to %q", challenge)
	}
	d := b.Get(challenge).ExpectStatus(t, http.StatusOK).Text()
	m := regexp.MustCompile(`name="client_secret" value="([^"]+)"`).FindStringSubmatch(d)
	if m == nil {
		t.Fatalf("no client_secret on the challenge page:\n%s", d)
	}
	keep("client_secret", m[1])
	if _, secretPart, ok := strings.Cut(m[1], "_secret_"); ok {
		keep("client_secret's secret part", secretPart)
	}
	r = b.PostForm(challenge, url.Values{"client_secret": {m[1]}, "decision": {"approve"}}).ExpectStatus(t, http.StatusSeeOther)
	back, err := url.Parse(r.Location())
	if err != nil {
		t.Fatal(err)
	}
	b.Get(back.RequestURI()).ExpectStatus(t, http.StatusSeeOther)

	// The same through the API: requires_action answers the client_secret.
	var ct struct{ ID string }
	e.c.PostJSON("/api/sandbox/confirmation-tokens", map[string]string{"number": "4000002760003184", "expiry": "12/34", "cvc": "123"}).
		ExpectStatus(t, http.StatusCreated).JSON(t, &ct)
	r = e.c.PostJSON("/api/customer-portal/payment-methods", map[string]any{"confirmation_token_id": ct.ID,
		"return_url": "https://portal.example.test/acme/portal/billing/return"}, bearer(tok)...).ExpectStatus(t, http.StatusCreated)
	r.ValidateContract(t)
	var added struct {
		Status       string `json:"status"`
		ClientSecret string `json:"client_secret"`
	}
	r.JSON(t, &added)
	if added.Status != "requires_action" {
		t.Fatalf("API add: %s", r.Body)
	}
	keep("API client_secret", added.ClientSecret)

	// Sign out of the pages; every cookie any browser was given is a secret.
	webtest.PostForm(t, b, svc, "/acme/portal/sign-out", url.Values{}).ExpectStatus(t, http.StatusSeeOther)
	for _, c := range clients {
		for _, ck := range c.Cookies() {
			keep("cookie "+ck.Name, ck.Value)
		}
	}
	if len(b.Cookies()) == 0 || len(linked.Cookies()) == 0 {
		t.Fatal("the browsers hold no cookies")
	}

	out := logs.String()
	for _, want := range []string{`"route":"/api/customer-portal/payment-methods"`, `"route":"/:slug/portal/authenticate"`,
		`"route":"/api/customer-sessions"`, "mail not sent"} {
		if !strings.Contains(out, want) {
			t.Fatalf("the log lacks %s, so it did not see the flows:\n%s", want, out)
		}
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the log contains a secret %q", s)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", out)
	}
}
