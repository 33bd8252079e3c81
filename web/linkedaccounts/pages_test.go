package linkedaccounts_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/oauthaccount/oauthtest"
	"portal/internal/testkit"
	"portal/web/session"
	"portal/web/webtest"
)

// browser is a page visitor: with a session, a real browser_sessions row
// referenced by the portal's encrypted cookie, as after a code sign-in; and
// echo's CSRF cookie with the matching form field (or header for HTMX).
type browser struct {
	e      *env
	p      *auth.Principal
	cookie *http.Cookie
}

const csrfValue = "linked-accounts-test-csrf-token"

func (e *env) browserFor(customerID uuid.UUID, memberID *uuid.UUID, workspaceID uuid.UUID) *browser {
	e.t.Helper()
	subject := auth.BrowserSubject{WorkspaceID: workspaceID, CustomerID: customerID}
	if memberID != nil {
		subject.MemberID = *memberID
	}
	id, err := e.svc.Browser.Create(context.Background(), subject, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	ck, err := session.New([]byte(e.cfg.Secret), e.cfg.Secure()).Encode(session.SignedIn(workspaceID, id))
	if err != nil {
		e.t.Fatal(err)
	}
	p := &auth.Principal{Kind: auth.SubjectCustomer, Browser: true, SessionID: id, CustomerID: customerID, WorkspaceID: workspaceID}
	if memberID != nil {
		p.Kind, p.MemberID = auth.SubjectMember, *memberID
	}
	return &browser{e: e, p: p, cookie: ck}
}

func (b *browser) do(method, path string, form url.Values, htmx bool) *testkit.Response {
	b.e.t.Helper()
	c := b.e.s.Client()
	c.SetCookie(&http.Cookie{Name: webtest.CSRFCookieName(b.e.svc), Value: csrfValue, Path: "/"})
	if b.cookie != nil {
		c.SetCookie(b.cookie)
	}
	var headers []string
	if htmx {
		headers = append(headers, "HX-Request", "true", "X-CSRF-Token", csrfValue)
	}
	if form == nil {
		return c.Request(method, path, nil, headers...)
	}
	form.Set("_csrf", csrfValue)
	return c.Request(method, path, strings.NewReader(form.Encode()), append(headers, "Content-Type", "application/x-www-form-urlencoded")...)
}

// callback plays the provider's redirect back to the API callback as this
// browser: the portal cookie rides along, no bearer.
func (b *browser) callback(params url.Values) (int, string, string) {
	b.e.t.Helper()
	rec := b.do(http.MethodGet, "/api/customer-portal/oauth-accounts/callback?"+params.Encode(), nil, false)
	return rec.Status, rec.Header.Get("Location"), rec.Text()
}

func doc(t *testing.T, rec *testkit.Response) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Text()))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// connect presses a connect button and follows the flow through the
// provider back to the settings page, returning the final redirect.
func (b *browser) connect(platform, code string) string {
	b.e.t.Helper()
	rec := b.do(http.MethodPost, "/acme/portal/settings/oauth/"+platform+"/connect", url.Values{}, false)
	if rec.Status != http.StatusSeeOther {
		b.e.t.Fatalf("connect: %d %s", rec.Status, rec.Body)
	}
	u, err := url.Parse(rec.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(u.String(), b.e.provider.URL) {
		b.e.t.Fatalf("connect redirected to %s", rec.Header.Get("Location"))
	}
	// The provider sends the browser back to the API callback.
	_, loc, body := b.callback(url.Values{"state": {u.Query().Get("state")}, "code": {code}})
	if loc == "" {
		b.e.t.Fatalf("callback: %s", body)
	}
	return loc
}

func TestPages_ConnectLinksToCustomer(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	b := e.browserFor(f.customerID, nil, f.workspaceID)
	before := e.sessionCounts()

	rec := b.do(http.MethodPost, "/acme/portal/settings/oauth/microsoft/connect", url.Values{}, false)
	if rec.Status != http.StatusSeeOther {
		t.Fatalf("%d %s", rec.Status, rec.Body)
	}
	u, _ := url.Parse(rec.Header.Get("Location"))
	if u.Path != "/"+oauthtest.Tenant+"/oauth2/v2.0/authorize" || u.Query().Get("client_id") != oauthtest.MicrosoftClientID {
		t.Fatalf("provider URL = %s", u)
	}
	var ref, returnTo string
	if err := e.pool.QueryRow(context.Background(), `SELECT session_ref, return_to FROM oauth_states`).Scan(&ref, &returnTo); err != nil {
		t.Fatal(err)
	}
	if ref != "browser:"+b.p.SessionID.String() || returnTo != baseURL+"/acme/portal/settings" {
		t.Fatalf("state bound to %q, returns to %q", ref, returnTo)
	}
	// The provider sends the same browser back, with its portal cookie (D30).
	_, loc, body := b.callback(url.Values{"state": {u.Query().Get("state")}, "code": {"pg"}})
	if loc != baseURL+"/acme/portal/settings?linked=microsoft" {
		t.Fatalf("callback → %q %s", loc, body)
	}
	if _, ok := e.accounts("customers", f.customerID)["microsoft:"+oauthtest.MicrosoftAccountID]; !ok {
		t.Fatal("not linked")
	}
	if e.sessionCounts() != before {
		t.Fatal("sessions created")
	}
}

func TestPages_ConnectMemberLinksToMember(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	b := e.browserFor(f.teamID, &f.memberID, f.workspaceID)
	loc := b.connect("discord", "m1")
	if loc != baseURL+"/acme/portal/settings?linked=discord" {
		t.Fatalf("→ %s", loc)
	}
	if _, ok := e.accounts("members", f.memberID)["discord:"+oauthtest.DiscordAccountID]; !ok {
		t.Fatal("not linked to the member")
	}
	if len(e.accounts("customers", f.teamID)) != 0 {
		t.Fatal("linked to the team customer")
	}
}

func TestPages_ConnectErrorsComeBackToSettings(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	b := e.browserFor(f.customerID, nil, f.workspaceID)
	e.provider.Set(oauthtest.Knobs{TokenStatus: http.StatusTooManyRequests, TokenHeaders: map[string]string{"Retry-After": "12"}})
	loc := b.connect("microsoft", "x")
	u, _ := url.Parse(loc)
	if u.Path != "/acme/portal/settings" || u.Query().Get("error_retry_after") != "12" || u.Query().Get("error_platform") != "microsoft" {
		t.Fatalf("→ %s", loc)
	}
}

func TestPages_ConnectHTMXAndUnavailable(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.DiscordClientID, c.DiscordClientSecret = "", "" })
	f := e.seed()
	b := e.browserFor(f.customerID, nil, f.workspaceID)
	rec := b.do(http.MethodPost, "/acme/portal/settings/oauth/microsoft/connect", url.Values{}, true)
	if rec.Status != http.StatusOK || !strings.HasPrefix(rec.Header.Get("HX-Redirect"), e.provider.URL) {
		t.Fatalf("htmx connect: %d %v", rec.Status, rec.Header)
	}
	rec = b.do(http.MethodPost, "/acme/portal/settings/oauth/discord/connect", url.Values{}, false)
	if rec.Status != http.StatusSeeOther || rec.Header.Get("Location") != "/acme/portal/settings?error=not_available&error_platform=discord" {
		t.Fatalf("unconfigured: %d %s", rec.Status, rec.Header.Get("Location"))
	}
	rec = b.do(http.MethodPost, "/acme/portal/settings/oauth/github/connect", url.Values{}, false)
	if rec.Status != http.StatusSeeOther || !strings.Contains(rec.Header.Get("Location"), "error=not_available") {
		t.Fatalf("unknown platform: %d %s", rec.Status, rec.Header.Get("Location"))
	}
}

func TestPages_ConnectRequiresSignIn(t *testing.T) {
	e := newEnv(t)
	e.seed()
	anon := &browser{e: e}
	for _, path := range []string{"/acme/portal/settings/oauth/microsoft/connect", "/acme/portal/settings/oauth/disconnect"} {
		rec := anon.do(http.MethodPost, path, url.Values{"key": {"microsoft:x"}}, false)
		if rec.Status != http.StatusSeeOther || rec.Header.Get("Location") != "/acme/portal/request" {
			t.Fatalf("%s: %d %s", path, rec.Status, rec.Header.Get("Location"))
		}
	}
	var n int
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM oauth_states`).Scan(&n)
	if n != 0 {
		t.Fatal("anonymous connect stored a state")
	}
}

func TestPages_Disconnect(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.DiscordClientID, c.DiscordClientSecret = "", "" })
	f := e.seed()
	b := e.browserFor(f.customerID, nil, f.workspaceID)
	b.connect("microsoft", "d1")
	key := "microsoft:" + oauthtest.MicrosoftAccountID

	// HTMX: the panel comes back without the account and says so.
	rec := b.do(http.MethodPost, "/acme/portal/settings/oauth/disconnect", url.Values{"key": {key}}, true)
	if rec.Status != http.StatusOK {
		t.Fatalf("%d %s", rec.Status, rec.Body)
	}
	d := doc(t, rec)
	if d.Find(`#linked-accounts[data-testid="linked-accounts"]`).Length() != 1 {
		t.Fatalf("no panel fragment: %s", rec.Body)
	}
	if got := d.Find(`[data-testid="linked-accounts-notice"]`).Text(); got != "Your Microsoft account was disconnected." {
		t.Fatalf("notice = %q", got)
	}
	if d.Find(`[data-testid="linked-account"]`).Length() != 0 || d.Find(`[data-testid="linked-accounts-empty"]`).Length() != 1 {
		t.Fatal("account still listed")
	}
	// Only configured platforms get a connect button.
	if d.Find(`[data-testid="connect-microsoft"]`).Length() != 1 || d.Find(`[data-testid="connect-discord"]`).Length() != 0 {
		t.Fatal("connect buttons do not follow configuration")
	}
	if len(e.accounts("customers", f.customerID)) != 0 {
		t.Fatal("not removed")
	}

	// Again, without JS: the key is gone → redirect with an error.
	rec = b.do(http.MethodPost, "/acme/portal/settings/oauth/disconnect", url.Values{"key": {key}}, false)
	if rec.Status != http.StatusSeeOther || rec.Header.Get("Location") != "/acme/portal/settings?error=unlink_missing" {
		t.Fatalf("%d %s", rec.Status, rec.Header.Get("Location"))
	}

	// Link again, then disconnect without JS.
	b.connect("microsoft", "d2")
	rec = b.do(http.MethodPost, "/acme/portal/settings/oauth/disconnect", url.Values{"key": {key}}, false)
	if rec.Status != http.StatusSeeOther || rec.Header.Get("Location") != "/acme/portal/settings?unlinked=microsoft" {
		t.Fatalf("%d %s", rec.Status, rec.Header.Get("Location"))
	}

	// Another customer's browser cannot remove this customer's account.
	b.connect("microsoft", "d3")
	other := e.browserFor(f.otherCustomerID, nil, f.workspaceID)
	rec = other.do(http.MethodPost, "/acme/portal/settings/oauth/disconnect", url.Values{"key": {key}}, false)
	if rec.Header.Get("Location") != "/acme/portal/settings?error=unlink_missing" {
		t.Fatalf("%d %s", rec.Status, rec.Header.Get("Location"))
	}
	if len(e.accounts("customers", f.customerID)) != 1 {
		t.Fatal("another customer removed the account")
	}
}

func TestPages_SettingsCSPAllowsProviders(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	b := e.browserFor(f.customerID, nil, f.workspaceID)
	rec := b.do(http.MethodGet, "/acme/portal/settings", nil, false)
	csp := rec.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' "+e.provider.URL) {
		t.Fatalf("settings CSP = %q", csp)
	}
	// Other pages keep form-action 'self' only.
	rec = b.do(http.MethodGet, "/acme/portal/overview", nil, false)
	if strings.Contains(rec.Header.Get("Content-Security-Policy"), e.provider.URL) {
		t.Fatal("provider allowed on another page")
	}
}

// TestPages_CallbackChecksBrowserCookie: a state started from the pages is
// bound to that browser session; the callback refuses it when the request's
// cookie names another session (and does not burn it), while a flow started
// through the API is not disturbed by a portal cookie in the same browser
// (the API ignores cookies, D21).
func TestPages_CallbackChecksBrowserCookie(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	a := e.browserFor(f.customerID, nil, f.workspaceID)
	b := e.browserFor(f.customerID, nil, f.workspaceID)

	rec := a.do(http.MethodPost, "/acme/portal/settings/oauth/microsoft/connect", url.Values{}, false)
	u, _ := url.Parse(rec.Header.Get("Location"))
	state := u.Query().Get("state")
	code, _, body := b.callback(url.Values{"state": {state}, "code": {"c"}})
	assertInvalidState(t, code, body)
	if len(e.accounts("customers", f.customerID)) != 0 {
		t.Fatal("linked from another browser session")
	}
	code, loc, body := a.callback(url.Values{"state": {state}, "code": {"c"}})
	if code != http.StatusSeeOther || loc != baseURL+"/acme/portal/settings?linked=microsoft" {
		t.Fatalf("%d %s %s", code, loc, body)
	}

	// An API flow, finished in a browser that also holds a portal cookie.
	tok, _ := e.customerToken(f.customerID)
	_, apiState := e.authorize(tok, "discord", f.customerID, "/done")
	code, loc, body = b.callback(url.Values{"state": {apiState}, "code": {"c"}})
	if code != http.StatusSeeOther || loc != baseURL+"/done?linked=discord" {
		t.Fatalf("API flow with a cookie: %d %s %s", code, loc, body)
	}
}

// TestPages_SignOutKillsPendingLink: signing out revokes the browser
// session, and with it any link the session had started.
func TestPages_SignOutKillsPendingLink(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	a := e.browserFor(f.customerID, nil, f.workspaceID)
	rec := a.do(http.MethodPost, "/acme/portal/settings/oauth/discord/connect", url.Values{}, false)
	u, _ := url.Parse(rec.Header.Get("Location"))
	if rec := a.do(http.MethodPost, "/acme/portal/sign-out", url.Values{}, false); rec.Status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", rec.Status)
	}
	code, _, body := e.callback("", url.Values{"state": {u.Query().Get("state")}, "code": {"c"}})
	assertInvalidState(t, code, body)
}

// TestPages_ConnectNeedsCSRF: the connect form is a state-changing POST.
func TestPages_ConnectNeedsCSRF(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	a := e.browserFor(f.customerID, nil, f.workspaceID)
	c := e.s.Client()
	c.SetCookie(a.cookie)
	rec := c.PostForm("/acme/portal/settings/oauth/microsoft/connect", url.Values{})
	if rec.Status != http.StatusForbidden {
		t.Fatalf("without CSRF token: %d", rec.Status)
	}
	var n int
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM oauth_states`).Scan(&n)
	if n != 0 {
		t.Fatal("state stored without CSRF token")
	}
}

// TestD30_PageStateNeedsItsBrowserSession: a state minted from the settings
// page is accepted at the callback only with that browser session's cookie.
// Without any cookie, with a bearer of the same customer, or with a cookie
// of another workspace's session, it is 403 and the state stays unused, so
// the owner's own return still links.
func TestD30_PageStateNeedsItsBrowserSession(t *testing.T) {
	e := newEnv(t)
	f := e.seed()
	a := e.browserFor(f.customerID, nil, f.workspaceID)
	rec := a.do(http.MethodPost, "/acme/portal/settings/oauth/microsoft/connect", url.Values{}, false)
	u, _ := url.Parse(rec.Header.Get("Location"))
	state := u.Query().Get("state")
	unused := func(when string) {
		t.Helper()
		var n int
		if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM oauth_states WHERE used_at IS NULL`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%s: unused states %d (%v)", when, n, err)
		}
	}
	// No cookie, no bearer: someone who only has the state.
	code, _, body := e.callback("", url.Values{"state": {state}, "code": {"c"}})
	assertInvalidState(t, code, body)
	unused("no cookie")
	// A bearer of the same customer is not the browser session.
	tok, _ := e.customerToken(f.customerID)
	code, _, body = e.callback(tok, url.Values{"state": {state}, "code": {"c"}})
	assertInvalidState(t, code, body)
	unused("bearer")
	if len(e.accounts("customers", f.customerID)) != 0 {
		t.Fatal("linked without the browser session")
	}
	// The browser that asked finishes it.
	code, loc, body := a.callback(url.Values{"state": {state}, "code": {"c"}})
	if code != http.StatusSeeOther || loc != baseURL+"/acme/portal/settings?linked=microsoft" {
		t.Fatalf("%d %s %s", code, loc, body)
	}
}

// Issue 16.13: with no provider configured the settings page has no
// linked-accounts panel at all; with one, the panel says why linking helps
// and names only the configured provider.
func TestPages_PanelOnlyWithAProvider(t *testing.T) {
	none := newEnv(t, func(c *config.Config) {
		c.DiscordClientID, c.DiscordClientSecret, c.MicrosoftClientID, c.MicrosoftClientSecret = "", "", "", ""
	})
	f := none.seed()
	rec := none.browserFor(f.customerID, nil, f.workspaceID).do(http.MethodGet, "/acme/portal/settings", nil, false)
	if rec.Status != http.StatusOK {
		t.Fatalf("%d %s", rec.Status, rec.Text())
	}
	if n := doc(t, rec).Find(`[data-testid="linked-accounts"]`).Length(); n != 0 {
		t.Fatal("a linked-accounts panel without any provider")
	}
}

func TestPages_PanelSaysWhyLinkingHelps(t *testing.T) {
	one := newEnv(t, func(c *config.Config) { c.DiscordClientID, c.DiscordClientSecret = "", "" })
	f := one.seed()
	rec := one.browserFor(f.customerID, nil, f.workspaceID).do(http.MethodGet, "/acme/portal/settings", nil, false)
	d := doc(t, rec)
	why := d.Find(`[data-testid="linked-accounts-why"]`).Text()
	if d.Find(`[data-testid="linked-accounts"]`).Length() != 1 || !strings.Contains(why, "Link your Microsoft account so") ||
		!strings.Contains(why, "recognise you there") || strings.Contains(why, "Discord") {
		t.Fatalf("panel text %q", why)
	}
}
