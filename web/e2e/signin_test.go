package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"portal/internal/config"
)

// Sign-in journeys (issue 8): by code in both sign-in modes, the account
// picker, keyboard only, a pre-authenticated link, and sign-out with the
// back button.

// TestSignInByCodeLegacy: acme (customer sessions) — the email page, the
// code page, a wrong code announced inline, then the overview.
func TestSignInByCodeLegacy(t *testing.T) {
	e := newEnv(t)
	tb := e.tab()
	tb.open("/acme/portal/request")
	if got := tb.text("h1"); got != "Sign in" {
		t.Fatalf("request page heading %q", got)
	}
	tb.check("sign in: email")

	tb.run(chromedp.SendKeys(chromedp.CSS(tid("email")), "alice@example.com"))
	tb.clickNav(tid("request-submit"))
	tb.run(chromedp.WaitVisible(chromedp.CSS(tid("code-form"))))
	if p := tb.path(); p != "/acme/portal/authenticate" {
		t.Fatalf("after the email: at %s", p)
	}
	if got := tb.text(tid("sent-to")); !strings.Contains(got, "alice@example.com") {
		t.Errorf("code page does not say where the code went: %q", got)
	}
	tb.check("sign in: code")

	code := e.code("alice@example.com")
	wrong := "ZZZZ-ZZZZ"
	if code == wrong {
		wrong = "YYYY-YYYY"
	}
	// The wrong code is answered 422 with the card re-rendered (an
	// expected status, which Chromium logs as a failed load).
	tb.allow("status of 422")
	tb.run(chromedp.SendKeys(chromedp.CSS(tid("code")), wrong), chromedp.Click(chromedp.CSS(tid("code-submit"))))
	tb.waitFor(`!!document.querySelector('[data-testid="code-error"]')`)
	errBox := eval[struct {
		Role      string `json:"role"`
		Text      string `json:"text"`
		Invalid   string `json:"invalid"`
		Described string `json:"described"`
	}](tb, `(() => { const e = document.querySelector('[data-testid="code-error"]'); const i = document.querySelector('[data-testid="code"]');
		return {role: e.getAttribute('role') || '', text: e.textContent.trim(), invalid: i.getAttribute('aria-invalid') || '',
			described: i.getAttribute('aria-describedby') || ''} })()`)
	if errBox.Role != "alert" || !strings.Contains(errBox.Text, "invalid or has expired") {
		t.Errorf("wrong code: error %+v, want role=alert with the reason", errBox)
	}
	if errBox.Invalid != "true" || errBox.Described != "code-error" {
		t.Errorf("wrong code: the input is not marked invalid and tied to its error: %+v", errBox)
	}
	if p := tb.path(); p != "/acme/portal/authenticate" {
		t.Errorf("a wrong code left the code page: %s", p)
	}
	tb.check("sign in: wrong code")

	tb.run(chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="code"]').value = ''`),
		chromedp.SendKeys(chromedp.CSS(tid("code")), strings.ToLower(code)))
	tb.clickNav(tid("code-submit"))
	if p := tb.path(); p != "/acme/portal/overview" {
		t.Fatalf("after the code: at %s, want the overview", p)
	}
	if got := tb.text(".sidenav .who"); !strings.Contains(got, "alice@example.com") {
		t.Errorf("overview does not show who is signed in: %q", got)
	}
	if n := tb.count(tid("session-row")); n != 8 {
		t.Errorf("alice's overview shows %d sessions, want 8", n)
	}
	tb.check("overview")
}

// TestSignInMemberModeAndPicker: teamco (member sessions) — olivia signs in
// as the owner of her team; pat, a member of two teams, picks one in the
// account picker and lands in that team's overview.
func TestSignInMemberModeAndPicker(t *testing.T) {
	e := newEnv(t)
	tb := e.tab()
	tb.signIn("teamco", "olivia@example.com", "")
	if got := tb.text(".sidenav .who"); !strings.Contains(got, "Olivia Owner") {
		t.Errorf("olivia's overview shows %q as the signed-in person", got)
	}
	// An owner of a team manages its team and its billing.
	if tb.count(tid("nav-team")) != 1 || tb.count(tid("nav-billing")) != 1 {
		t.Errorf("the owner's navigation lacks Team or Billing")
	}
	if n, want := tb.count(tid("session-row")), 8; n != want {
		t.Errorf("Design Studio's overview shows %d sessions, want %d", n, want)
	}
	tb.clean("overview (olivia)")

	// The picker arrives as an htmx swap of the sign-in card (no new
	// document), so this goes step by step rather than through tb.signIn.
	pat := e.tab()
	pat.open("/teamco/portal/request")
	pat.run(chromedp.SendKeys(chromedp.CSS(tid("email")), "pat@example.com"), chromedp.Click(chromedp.CSS(tid("request-submit"))))
	pat.run(chromedp.WaitVisible(chromedp.CSS(tid("picker-form"))))
	if n := pat.count(tid("account-choice")); n != 2 {
		t.Errorf("the picker offers %d accounts, want pat's 2", n)
	}
	pat.check("account picker")
	pat.choose("Research Lab")
	pat.clickNav(tid("picker-continue"))
	pat.run(chromedp.WaitVisible(chromedp.CSS(tid("code-form"))))
	pat.run(chromedp.SendKeys(chromedp.CSS(tid("code")), e.code("pat@example.com")))
	pat.clickNav(tid("code-submit"))
	if p := pat.path(); p != "/teamco/portal/overview" {
		t.Fatalf("pat after the code: at %s", p)
	}
	if got := pat.text(".sidenav .who"); !strings.Contains(got, "Pat Shared") {
		t.Errorf("pat's overview shows %q as the signed-in person", got)
	}
	// Research Lab has 3 sessions, Design Studio 8: the choice was honoured.
	if n := pat.count(tid("session-row")); n != 3 {
		t.Errorf("pat picked Research Lab but the overview shows %d sessions, want its 3", n)
	}
	// Pat is Research Lab's billing manager (a plain member in the other team).
	if pat.count(tid("nav-billing")) != 1 {
		t.Errorf("pat, Research Lab's billing manager, has no Billing link")
	}
	pat.clean("overview (pat)")
}

// TestSignInKeyboardOnly: from the top of the page Tab reaches the skip
// link first, the skip link moves focus to the main content, and the whole
// sign-in is done with Tab, typing and Enter, with a visible focus ring at
// every stop.
func TestSignInKeyboardOnly(t *testing.T) {
	e := newEnv(t)
	tb := e.tab()
	tb.open("/acme/portal/request")
	stop := func(want string) {
		t.Helper()
		desc, ok := tb.focusVisible()
		if !ok {
			t.Errorf("focus on %s (%s) has no visible focus ring", want, desc)
		}
	}

	tb.press("\t")
	if got := eval[string](tb, `document.activeElement.className`); got != "skip-link" {
		t.Fatalf("the first Tab stop is %q, want the skip link", got)
	}
	stop("the skip link")
	inView := eval[bool](tb, `(() => { const r = document.activeElement.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.width > 0 })()`)
	if !inView {
		t.Errorf("the focused skip link is not on screen")
	}
	tb.press("\r")
	tb.waitFor(`document.activeElement && document.activeElement.id === 'main'`)

	tb.press("\t")
	if got := eval[string](tb, `document.activeElement.getAttribute('data-testid') || document.activeElement.tagName`); got != "email" {
		t.Fatalf("after the skip link, Tab reaches %q, want the email field", got)
	}
	stop("the email field")
	tb.press("alice@example.com")
	tb.run(chromedp.Evaluate[chromedp.Void](`window.__e2eOld = true`))
	tb.press("\r")
	tb.waitLoaded()
	if p := tb.path(); p != "/acme/portal/authenticate" {
		t.Fatalf("Enter in the email field: at %s", p)
	}
	// The code field has the focus on arrival.
	if got := eval[string](tb, `document.activeElement.getAttribute('data-testid') || document.activeElement.tagName`); got != "code" {
		t.Fatalf("the code page focuses %q, want the code field", got)
	}
	stop("the code field")
	tb.press(e.code("alice@example.com"))
	tb.run(chromedp.Evaluate[chromedp.Void](`window.__e2eOld = true`))
	tb.press("\r")
	tb.waitLoaded()
	if p := tb.path(); p != "/acme/portal/overview" {
		t.Fatalf("Enter in the code field: at %s", p)
	}
	// Onwards from the overview: the first stops are visible too.
	tb.press("\t")
	stop("the first stop of the overview")
	tb.clean("keyboard sign-in")
}

// TestPreAuthenticatedLink: a workspace mints a customer session through the
// workspace API and sends its customer to customer_portal_url (D11, D23):
// the token is taken off the address bar and out of the tab's history, the
// page asks "Continue as <email> · <workspace>", and one click signs in and
// lands on the page the link named. The same link a second time is refused
// with the sign-in page saying so.
func TestPreAuthenticatedLink(t *testing.T) {
	e := newEnv(t)
	alice := e.customer("acme", "alice@example.com")
	link := e.mintCustomerSession("acme", map[string]any{"customer_id": alice, "return_url": "https://acme.example.com/account"})
	if !strings.Contains(link.URL, "customer_session_token=") || !strings.HasPrefix(link.URL, e.base+"/acme/portal") {
		t.Fatalf("customer_portal_url %q", link.URL)
	}
	tb := e.tab()
	tb.open(strings.TrimPrefix(link.URL, e.base))
	if p := tb.path(); p != "/acme/portal/continue" {
		t.Fatalf("the link landed at %s, want the continue page", p)
	}
	tb.noTokenInHistory(link.Token)
	if got := tb.text("h1"); !strings.HasPrefix(got, "Continue as alice@example.com · ") {
		t.Errorf("the continue page says %q", got)
	}
	if n := e.s.Count(`SELECT count(*) FROM browser_sessions WHERE customer_id = $1`, alice); n != 0 {
		t.Fatalf("following the link created %d browser sessions before continuing", n)
	}
	tb.check("continue (pre-authenticated link)")
	tb.clickNav(tid("continue-submit"))
	if p := tb.path(); p != "/acme/portal/overview" {
		t.Fatalf("continuing landed at %s, want the overview", p)
	}
	tb.noTokenInHistory(link.Token)
	if got := tb.text(".sidenav .who"); !strings.Contains(got, "Alice Anderson") {
		t.Errorf("the link's overview shows %q as the signed-in person", got)
	}
	// The session's https return_url is the "Back to" link.
	if got := eval[string](tb, `(document.querySelector('.back-link') || {}).href || ''`); got != "https://acme.example.com/account" {
		t.Errorf("back link %q", got)
	}
	tb.check("overview (pre-authenticated link)")

	// Reloading keeps working: the cookie carries the session now.
	tb.run(chromedp.Reload())
	tb.waitLoaded()
	if p := tb.path(); p != "/acme/portal/overview" || tb.count(tid("session-row")) != 8 {
		t.Errorf("after a reload: at %s with %d rows", p, tb.count(tid("session-row")))
	}

	// A link signs a browser in once (D23): the same link in a fresh tab
	// goes to sign-in saying it was used, and is cleaned from that tab too.
	fresh := e.tab()
	fresh.open(strings.TrimPrefix(link.URL, e.base))
	if p := fresh.path(); !strings.HasPrefix(p, "/acme/portal/request") {
		t.Errorf("the used link in a fresh tab landed at %s", p)
	}
	if got := fresh.text(tid("flash")); !strings.Contains(got, "already used") {
		t.Errorf("the used link's notice: %q", got)
	}
	fresh.noTokenInHistory(link.Token)
	fresh.check("sign in (link already used)")
	if n := e.s.Count(`SELECT count(*) FROM browser_sessions WHERE customer_id = $1`, alice); n != 1 {
		t.Errorf("%d browser sessions from one link", n)
	}

	// A forged or expired token goes to sign-in, keeping only the email.
	bad := e.tab()
	bad.open("/acme/portal?customer_session_token=polar_cst_forged&email=alice%40example.com")
	if p := bad.path(); p != "/acme/portal/request?email=alice%40example.com" {
		t.Errorf("a bad token landed at %s", p)
	}
	if v := eval[string](bad, `document.querySelector('[data-testid="email"]').value`); v != "alice@example.com" {
		t.Errorf("the email of the link is not pre-filled: %q", v)
	}
	bad.noTokenInHistory("polar_cst_forged")
	tb.clean("pre-authenticated link")
	fresh.clean("pre-authenticated link (fresh tab)")
	bad.clean("pre-authenticated link (bad token)")
}

// TestLinkSwitchesAccounts: signed in as Bob, opening Alice's link says
// plainly that continuing switches accounts (naming Bob); nothing changes
// until the click, after which the tab is Alice's and Bob's session ended.
func TestLinkSwitchesAccounts(t *testing.T) {
	e := newEnv(t)
	alice := e.customer("acme", "alice@example.com")
	bob := e.customer("acme", "bob@example.com")
	tb := e.tab()
	tb.signInCookie(bob, uuid.Nil)
	tb.open("/acme/portal/overview")
	link := e.mintCustomerSession("acme", map[string]any{"customer_id": alice})
	tb.open(strings.TrimPrefix(link.URL, e.base))
	if p := tb.path(); p != "/acme/portal/continue" {
		t.Fatalf("the link landed at %s, want the continue page", p)
	}
	if got := tb.text(tid("continue-switch")); !strings.Contains(got, "bob@example.com") || !strings.Contains(got, "switch") {
		t.Errorf("the switch notice says %q", got)
	}
	tb.check("continue (switch accounts)")
	if n := e.s.Count(`SELECT count(*) FROM browser_sessions WHERE customer_id = $1`, alice); n != 0 {
		t.Fatal("the link signed Alice in before the click")
	}
	tb.clickNav(tid("continue-submit"))
	if p := tb.path(); p != "/acme/portal/overview" {
		t.Fatalf("continuing landed at %s", p)
	}
	if got := tb.text(".sidenav .who"); !strings.Contains(got, "Alice Anderson") {
		t.Errorf("after switching the tab shows %q", got)
	}
	if n := e.s.Count(`SELECT count(*) FROM browser_sessions WHERE customer_id = $1 AND revoked_at IS NULL`, bob); n != 0 {
		t.Errorf("Bob's session still live after switching (%d)", n)
	}
	tb.clean("switch accounts")
}

// TestSignOutAndBack: signing out revokes the session; the back button must
// not bring the overview's content back (no-store, no htmx history cache),
// and the old overview URL asks to sign in.
func TestSignOutAndBack(t *testing.T) {
	e := newEnv(t)
	tb := e.tab()
	tb.signInCookie(e.customer("acme", "alice@example.com"), uuid.Nil)
	tb.open("/acme/portal/overview")
	title := tb.text(tid("session-link"))
	if title == "" {
		t.Fatal("no session on alice's overview")
	}
	if cc := tb.get("/acme/portal/overview").Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("the overview is served with Cache-Control %q, want no-store", cc)
	}
	// An htmx navigation (sort, pushed to history) is what would fill
	// htmx's history cache with the page's content.
	tb.run(chromedp.Click(chromedp.CSS(tid("sort-downloads") + " a")))
	tb.waitFor(`location.search.includes('sorting=')`)
	tb.waitFor(`document.querySelector('[data-testid="sort-downloads"]').getAttribute('aria-sort') === 'descending'`)

	tb.clickNav(tid("sign-out"))
	if p := tb.path(); p != "/acme/portal/request" {
		t.Fatalf("after sign-out: at %s", p)
	}
	if got := tb.text(tid("flash")); !strings.Contains(got, "signed out") {
		t.Errorf("no signed-out notice: %q", got)
	}
	tb.check("sign in: signed out")
	if n := e.s.Count(`SELECT count(*) FROM browser_sessions WHERE revoked_at IS NULL`); n != 0 {
		t.Errorf("%d browser sessions still live after sign-out", n)
	}
	if cache := eval[string](tb, `localStorage.getItem('htmx-history-cache') || ''`); strings.Contains(cache, title) || strings.Contains(cache, "alice") {
		t.Errorf("htmx's history cache in localStorage keeps the overview's content after sign-out (%d bytes)", len(cache))
	}

	for i := 0; i < 2; i++ { // back over the sorted entry and the overview itself
		tb.run(chromedp.NavigateBack())
		tb.waitFor(`document.readyState === 'complete'`)
		body := eval[string](tb, `document.body.innerText`)
		if strings.Contains(body, title) || strings.Contains(body, "alice@example.com") {
			t.Fatalf("back button #%d shows the overview's content at %s", i+1, tb.path())
		}
	}
	tb.open("/acme/portal/overview")
	if p := tb.path(); p != "/acme/portal/request" {
		t.Errorf("the old overview URL after sign-out: at %s, want sign-in", p)
	}
	tb.clean("after sign-out")
}

// portalLink is what POST /api/customer-sessions/ answers (the parts used).
type portalLink struct {
	Token string `json:"token"`
	URL   string `json:"customer_portal_url"`
}

// mintCustomerSession calls the workspace API, as a workspace's own server
// would, with a fresh workspace access token.
func (e *env) mintCustomerSession(slug string, body map[string]any) portalLink {
	e.t.Helper()
	iss, err := e.svc.Workspaces.IssueToken(context.Background(), slug)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, e.url("/api/customer-sessions/"), bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+iss.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out portalLink
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusCreated {
		e.t.Fatalf("POST /api/customer-sessions/: %d %v", res.StatusCode, err)
	}
	return out
}

// noTokenInHistory fails when the address bar or any entry of the tab's
// history still holds the token.
func (tb *tab) noTokenInHistory(token string) {
	tb.t.Helper()
	if loc := tb.location(); strings.Contains(loc, token) || strings.Contains(loc, "session_token") {
		tb.t.Errorf("the address bar keeps the token: %s", loc)
	}
	h, err := chromedp.Call(tb.ctx, page.GetNavigationHistory, cdp.Empty{})
	if err != nil {
		tb.t.Fatal(err)
	}
	for _, en := range h.Entries {
		if strings.Contains(en.URL, token) || strings.Contains(en.URL, "session_token") {
			tb.t.Errorf("history entry %d keeps the token: %s", en.ID, en.URL)
		}
	}
	if loc := eval[string](tb, `location.href + ' ' + document.URL`); strings.Contains(loc, token) {
		tb.t.Errorf("the page sees the token in its URL: %s", loc)
	}
}

// axExpanded is the "expanded" state Chromium's accessibility tree gives
// the first element matching sel ("" when the element has none).
func (tb *tab) axExpanded(sel string) string {
	tb.t.Helper()
	obj, err := chromedp.Call(tb.ctx, cdpruntime.Evaluate, cdpruntime.EvaluateParams{Expression: fmt.Sprintf(`document.querySelector(%q)`, sel)})
	if err != nil || obj.Result == nil || obj.Result.ObjectID == "" {
		tb.t.Fatalf("no element %s: %v", sel, err)
	}
	no := false
	tree, err := chromedp.Call(tb.ctx, accessibility.GetPartialAXTree, accessibility.GetPartialAXTreeParams{ObjectID: obj.Result.ObjectID, FetchRelatives: &no})
	if err != nil {
		tb.t.Fatal(err)
	}
	for _, n := range tree.Nodes {
		for _, p := range n.Properties {
			if p.Name == accessibility.PropertyNameExpanded && p.Value != nil {
				return string(p.Value.Value)
			}
		}
	}
	return ""
}

// TestResendAfterWrongCode (issue 16.1): after a wrong code htmx replaces
// the card; the countdown on the new card runs to the end and "Resend code"
// becomes usable, then sends a new code. (The cooldown is shortened to 3 s
// for the test; the countdown is the same code at 30 s.)
func TestResendAfterWrongCode(t *testing.T) {
	e := newEnvWith(t, func(cfg *config.Config, _ string) { cfg.ResendCooldown = 4 * time.Second })
	tb := e.tab()
	tb.open("/acme/portal/request")
	tb.run(chromedp.SendKeys(chromedp.CSS(tid("email")), "alice@example.com"))
	tb.clickNav(tid("request-submit"))
	tb.run(chromedp.WaitVisible(chromedp.CSS(tid("code-form"))))
	first := e.code("alice@example.com")
	wrong := "ZZZZ-ZZZZ"
	if first == wrong {
		wrong = "YYYY-YYYY"
	}
	tb.allow("status of 422")
	tb.run(chromedp.SendKeys(chromedp.CSS(tid("code")), wrong), chromedp.Click(chromedp.CSS(tid("code-submit"))))
	tb.waitFor(`!!document.querySelector('[data-testid="code-error"]')`)
	if got := eval[string](tb, `document.querySelector('[data-testid="code"]').value`); got != wrong {
		t.Errorf("the wrong code is not kept in the field: %q", got)
	}
	if !eval[bool](tb, `document.querySelector('[data-testid="resend"]').disabled`) {
		t.Fatal("resend enabled right after the request")
	}
	// The live (swapped-in) button counts down and is enabled at the end.
	tb.waitFor(`(() => { const b = document.querySelector('[data-testid="resend"]'); return !b.disabled && b.textContent.trim() === 'Resend code' })()`)
	tb.clickNav(tid("resend"))
	tb.waitFor(`!!document.querySelector('[data-testid="flash"]')`)
	if got := tb.text(tid("flash")); got != "We sent you a new code." {
		t.Errorf("after resend: flash %q", got)
	}
	if second := e.code("alice@example.com"); second == first {
		t.Error("resend mailed the same code")
	}
	tb.clean("resend after a wrong code")
}
