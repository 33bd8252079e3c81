package browser_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"portal/internal/testkit"
	"portal/web/webtest"
)

// openLink follows a pre-authenticated link as a browser does (D23): the
// GET takes the token off the URL (303 to the same page without it), and
// the clean page sends the browser to the continue page, which asks before
// anything changes. It returns the clean URL and the continue page.
func (e *env) openLink(c *testkit.Client, link string) (string, *goquery.Document) {
	e.t.Helper()
	r := c.Get(link).ExpectStatus(e.t, http.StatusSeeOther)
	clean := r.Location()
	if strings.Contains(clean, "session_token") || strings.Contains(clean, "rapidly_") {
		e.t.Fatalf("token kept in %q", clean)
	}
	for _, ck := range r.Header.Values("Set-Cookie") {
		if strings.Contains(ck, "rapidly_") {
			e.t.Fatal("token in a cookie")
		}
	}
	slug := strings.SplitN(strings.TrimPrefix(clean, "/"), "/", 2)[0]
	r = c.Get(clean).ExpectStatus(e.t, http.StatusSeeOther)
	if r.Location() != "/"+slug+"/portal/continue" {
		e.t.Fatalf("clean page %q → %q, want the continue page", clean, r.Location())
	}
	return clean, doc(e.t, c.Get(r.Location()).ExpectStatus(e.t, http.StatusOK))
}

func (e *env) liveBrowserSessions(customer uuid.UUID) int {
	e.t.Helper()
	return e.s.Count(`SELECT count(*) FROM browser_sessions WHERE customer_id = $1 AND revoked_at IS NULL`, customer)
}

// TestD23_LinkAsksBeforeSigningIn: a GET with a link token signs nobody in;
// it strips the token and the continue page names the account and the
// workspace, with one form that POSTs (CSRF-protected) and a way out. Only
// the POST creates the browser session, then the browser lands on the page
// the link named. The token still works as an API bearer.
func TestD23_LinkAsksBeforeSigningIn(t *testing.T) {
	e := newEnv(t, opt{})
	tok := testkit.CustomerToken(t, e.pool, e.svc.Hasher, e.cust)
	c := e.client()
	clean, d := e.openLink(c, "/acme/portal/overview?customer_session_token="+url.QueryEscape(tok)+"&email=ind%40example.com&theme=dark")
	if clean != "/acme/portal/overview?theme=dark" {
		t.Fatalf("clean URL %q", clean)
	}
	if n := e.liveBrowserSessions(e.cust); n != 0 {
		t.Fatalf("a GET created %d browser sessions", n)
	}
	if h := text(d, "h1"); h != "Continue as ind@example.com · Workspace acme" {
		t.Errorf("heading %q", h)
	}
	if w := text(d, `[data-testid="continue-workspace"]`); w != "Workspace acme" {
		t.Errorf("workspace %q", w)
	}
	form := d.Find(`form[data-testid="continue-form"]`)
	if m, _ := form.Attr("method"); m != "post" {
		t.Errorf("form method %q", m)
	}
	if a, _ := form.Attr("action"); a != "/acme/portal/continue" {
		t.Errorf("form action %q", a)
	}
	if v, _ := form.Find(`input[name="_csrf"]`).Attr("value"); v == "" {
		t.Error("no CSRF field")
	}
	if form.Find(`button[type="submit"]`).Length() != 1 || d.Find(`.btn-primary`).Length() != 1 {
		t.Error("want exactly one primary submit button")
	}
	if href, _ := d.Find(`[data-testid="continue-not-you"]`).Attr("href"); href != "/acme/portal/request" {
		t.Errorf("not-you link %q", href)
	}
	if d.Find(`[data-testid="continue-switch"]`).Length() != 0 {
		t.Error("switch warning with nobody signed in")
	}
	if strings.Contains(d.Text(), tok) {
		t.Fatal("token on the page")
	}
	// The continue page is shown once: other pages are as before.
	if r := c.Get("/acme/portal/overview"); r.Status != 303 || r.Location() != "/acme/portal/request" {
		t.Fatalf("overview before continuing: %d %q", r.Status, r.Location())
	}
	// Without the CSRF token the POST is refused and changes nothing.
	c.PostForm("/acme/portal/continue", nil).ExpectStatus(t, http.StatusForbidden)
	if n := e.liveBrowserSessions(e.cust); n != 0 {
		t.Fatal("a refused POST signed in")
	}
	r := e.post(c, "/acme/portal/continue", nil).ExpectStatus(t, http.StatusSeeOther)
	if r.Location() != "/acme/portal/overview?theme=dark" {
		t.Fatalf("after continuing → %q", r.Location())
	}
	if n := e.liveBrowserSessions(e.cust); n != 1 {
		t.Fatalf("%d browser sessions after continuing", n)
	}
	d = doc(t, c.Get("/acme/portal/overview").ExpectStatus(t, http.StatusOK))
	if !strings.Contains(d.Find(`.who`).Text(), "ind@example.com") {
		t.Fatalf("not signed in: %q", d.Find(`.who`).Text())
	}
	// The signed-in person following the same link again: the GET just
	// strips the token, no continue page, nothing new.
	if r := c.Get("/acme/portal/settings?customer_session_token=" + url.QueryEscape(tok)); r.Status != 303 || r.Location() != "/acme/portal/settings" {
		t.Fatalf("same person, same link: %d %q", r.Status, r.Location())
	}
	c.Get("/acme/portal/settings").ExpectStatus(t, http.StatusOK)
	if c.Get("/acme/portal/continue").Status != 303 {
		t.Error("continue page without a pending link")
	}
	if n := e.liveBrowserSessions(e.cust); n != 1 {
		t.Fatalf("%d browser sessions", n)
	}
	// Using the token as an API bearer is unaffected.
	e.client().Get("/api/customer-portal/customers/me", "Authorization", "Bearer "+tok).ExpectStatus(t, http.StatusOK)
}

// TestD23_LinkCreatesAtMostOneSession: a second exchange of the same token
// (another browser, or after signing out) is refused with the sign-in page
// saying the link was already used; two concurrent POSTs give one session.
func TestD23_LinkCreatesAtMostOneSession(t *testing.T) {
	e := newEnv(t, opt{})
	tok := testkit.CustomerToken(t, e.pool, e.svc.Hasher, e.cust)
	link := "/acme/portal/overview?customer_session_token=" + url.QueryEscape(tok) + "&email=ind%40example.com"
	c := e.client()
	e.openLink(c, link)
	e.post(c, "/acme/portal/continue", nil).ExpectStatus(t, http.StatusSeeOther)
	usedPage := func(c *testkit.Client, r *testkit.Response) {
		t.Helper()
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/acme/portal/request") {
			t.Fatalf("used link → %d %q", r.Status, r.Location())
		}
		d := doc(t, c.Get(r.Location()).ExpectStatus(t, http.StatusOK))
		if f := text(d, `[data-testid="flash"]`); !strings.HasPrefix(f, "This link was already used") {
			t.Fatalf("flash %q", f)
		}
	}
	// Another browser.
	c2 := e.client()
	usedPage(c2, c2.Get(link))
	// The same browser after signing out: the link does not work again.
	e.post(c, "/acme/portal/sign-out", nil).ExpectStatus(t, http.StatusSeeOther)
	c.Get("/acme/portal/request")
	usedPage(c, c.Get(link))
	if n := e.liveBrowserSessions(e.cust); n != 0 {
		t.Fatalf("%d live sessions", n)
	}
	// A continue page opened before the link was used elsewhere: its POST
	// is refused.
	tok2 := testkit.CustomerToken(t, e.pool, e.svc.Hasher, e.cust)
	link2 := "/acme/portal/overview?customer_session_token=" + url.QueryEscape(tok2)
	a, b := e.client(), e.client()
	e.openLink(a, link2)
	e.openLink(b, link2)
	e.post(a, "/acme/portal/continue", nil).ExpectStatus(t, http.StatusSeeOther)
	usedPage(b, e.post(b, "/acme/portal/continue", nil))
	if n := e.liveBrowserSessions(e.cust); n != 1 {
		t.Fatalf("%d live sessions after one link", n)
	}
	// Concurrent POSTs of one link: one session.
	tok3 := testkit.CustomerToken(t, e.pool, e.svc.Hasher, e.cust)
	link3 := "/acme/portal/overview?customer_session_token=" + url.QueryEscape(tok3)
	clients := make([]*testkit.Client, 6)
	for i := range clients {
		clients[i] = e.client()
		e.openLink(clients[i], link3)
		webtest.CSRF(t, clients[i], e.svc, "/acme/portal/continue")
	}
	before := e.liveBrowserSessions(e.cust)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for _, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := cl.PostForm("/acme/portal/continue", url.Values{"_csrf": {cl.Cookie(webtest.CSRFCookieName(e.svc)).Value}})
			if r.Status == http.StatusSeeOther && r.Location() == "/acme/portal/overview" {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 || e.liveBrowserSessions(e.cust) != before+1 {
		t.Fatalf("concurrent continues: %d signed in, sessions %d → %d", ok, before, e.liveBrowserSessions(e.cust))
	}
}

// TestD23_LinkOfAnotherAccountOffersToSwitch: signed in as A, opening B's
// link says plainly that continuing switches accounts and names A; nothing
// changes until the POST, which signs B in and ends A's session here.
func TestD23_LinkOfAnotherAccountOffersToSwitch(t *testing.T) {
	e := newEnv(t, opt{})
	other := e.customerIn(e.legacy, "bea@example.com", "individual", "Bea")
	c := e.client()
	old := webtest.SignIn(t, c, e.svc, e.cust, uuid.Nil)
	tok := testkit.CustomerToken(t, e.pool, e.svc.Hasher, other)
	_, d := e.openLink(c, "/acme/portal/settings?customer_session_token="+url.QueryEscape(tok))
	if h := text(d, "h1"); h != "Continue as bea@example.com · Workspace acme" {
		t.Errorf("heading %q", h)
	}
	sw := text(d, `[data-testid="continue-switch"]`)
	if !strings.Contains(sw, "ind@example.com") || !strings.Contains(sw, "switch") {
		t.Errorf("switch warning %q", sw)
	}
	// Nothing changed yet.
	d = doc(t, c.Get("/acme/portal/overview").ExpectStatus(t, http.StatusOK))
	if !strings.Contains(d.Find(`.who`).Text(), "ind@example.com") {
		t.Fatalf("switched before the POST: %q", d.Find(`.who`).Text())
	}
	if e.liveBrowserSessions(other) != 0 {
		t.Fatal("B signed in by a GET")
	}
	r := e.post(c, "/acme/portal/continue", nil).ExpectStatus(t, http.StatusSeeOther)
	if r.Location() != "/acme/portal/settings" {
		t.Fatalf("→ %q", r.Location())
	}
	d = doc(t, c.Get("/acme/portal/settings").ExpectStatus(t, http.StatusOK))
	if !strings.Contains(d.Find(`.who`).Text(), "bea@example.com") {
		t.Fatalf("now %q", d.Find(`.who`).Text())
	}
	if e.s.Count(`SELECT count(*) FROM browser_sessions WHERE id = $1 AND revoked_at IS NOT NULL`, old) != 1 {
		t.Fatal("A's session not ended")
	}
}

// TestPreAuthenticatedLink: member links work on any page of the member
// workspace; the session's https return_url becomes the "Back to" link; a
// bad token, or another workspace's, goes to sign-in with the email kept.
func TestPreAuthenticatedLink(t *testing.T) {
	e := newEnv(t, opt{})
	mtok := testkit.MemberToken(t, e.pool, e.svc.Hasher, e.owner)
	c2 := e.client()
	clean, d := e.openLink(c2, "/teams/portal/settings?member_session_token="+url.QueryEscape(mtok))
	if clean != "/teams/portal/settings" || text(d, "h1") != "Continue as owner@example.com · Workspace teams" {
		t.Fatalf("member link %q %q", clean, text(d, "h1"))
	}
	if r := e.post(c2, "/teams/portal/continue", nil).ExpectStatus(t, 303); r.Location() != "/teams/portal/settings" {
		t.Fatalf("member link → %q", r.Location())
	}
	if e.s.Count(`SELECT count(*) FROM browser_sessions WHERE member_id = $1`, e.owner) != 1 {
		t.Fatal("no member browser session")
	}

	rtok := testkit.CustomerToken(t, e.pool, e.svc.Hasher, e.cust)
	e.s.Exec(`UPDATE customer_sessions SET return_url = 'https://shop.example/account' WHERE token_hash = $1`, e.svc.Hasher.Hash(rtok))
	c4 := e.client()
	e.openLink(c4, "/acme/portal/overview?customer_session_token="+url.QueryEscape(rtok))
	r := e.post(c4, "/acme/portal/continue", nil).ExpectStatus(t, 303)
	d = doc(t, c4.Get(r.Location()).ExpectStatus(t, 200))
	if href, _ := d.Find(".back-link").Attr("href"); href != "https://shop.example/account" {
		t.Errorf("back link %q", href)
	}

	tok := testkit.CustomerToken(t, e.pool, e.svc.Hasher, e.cust)
	r = e.client().Get("/acme/portal/overview?customer_session_token=rapidly_cst_nope&email=ind%40example.com").ExpectStatus(t, 303)
	if r.Location() != "/acme/portal/request?email=ind%40example.com" {
		t.Fatalf("bad token → %q", r.Location())
	}
	r = e.client().Get("/teams/portal/overview?customer_session_token="+url.QueryEscape(tok)).ExpectStatus(t, 303)
	if r.Location() != "/teams/portal/request" {
		t.Fatalf("other workspace's token → %q", r.Location())
	}
	// A link that expires while its continue page is open.
	c5 := e.client()
	e.openLink(c5, "/acme/portal/overview?customer_session_token="+url.QueryEscape(tok))
	e.s.Exec(`UPDATE customer_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, e.svc.Hasher.Hash(tok))
	r = e.post(c5, "/acme/portal/continue", nil).ExpectStatus(t, 303)
	if !strings.HasPrefix(r.Location(), "/acme/portal/request") || e.liveBrowserSessions(e.cust) != 1 {
		t.Fatalf("expired link → %q", r.Location())
	}
}
