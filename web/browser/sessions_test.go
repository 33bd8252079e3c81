package browser_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"portal/internal/testkit"
	"portal/web/session"
	"portal/web/webtest"
)

func (e *env) customerIn(ws uuid.UUID, email, typ, name string) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	var n *string
	if name != "" {
		n = &name
	}
	if err := e.pool.QueryRow(context.Background(), `INSERT INTO customers (workspace_id, email, type, name) VALUES ($1,$2,$3,$4) RETURNING id`,
		ws, email, typ, n).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) memberOf(customer uuid.UUID, email, role string) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	if err := e.pool.QueryRow(context.Background(), `INSERT INTO members (workspace_id, customer_id, email, role)
		SELECT workspace_id, id, $2, $3 FROM customers WHERE id = $1 RETURNING id`, customer, email, role).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// ageCookieSentAt rewrites the cookie as if the last code was asked for a
// minute ago (the resend cooldown lives in the cookie).
func (e *env) ageCookieSentAt(c *testkit.Client) {
	e.t.Helper()
	store := webtest.Store(e.svc)
	r := &http.Request{Header: http.Header{}}
	for _, ck := range c.Cookies() {
		r.AddCookie(ck)
	}
	st := store.Read(r)
	if st.RequestID == uuid.Nil {
		e.t.Fatal("no pending request in the cookie")
	}
	st.SentAt = time.Now().Add(-time.Minute)
	webtest.SetSessionCookie(e.t, c, e.svc, st)
}

// TestSignOut revokes the row, clears the cookie, flashes, and the back
// button (a fresh GET: nothing is cached) shows nothing signed in.
func TestSignOut(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()
	sid := webtest.SignIn(t, c, e.svc, e.cust, uuid.Nil)
	c.Get("/acme/portal/overview").ExpectStatus(t, 200)

	r := e.post(c, "/acme/portal/sign-out", nil).ExpectStatus(t, 303)
	if r.Location() != "/acme/portal/request" {
		t.Fatalf("sign-out → %q", r.Location())
	}
	if e.s.Count(`SELECT count(*) FROM browser_sessions WHERE id = $1 AND revoked_at IS NOT NULL`, sid) != 1 {
		t.Fatal("session not revoked server-side")
	}
	d := doc(t, c.Get("/acme/portal/request").ExpectStatus(t, 200))
	if text(d, `[data-testid="flash"]`) != "You have signed out." {
		t.Errorf("flash %q", text(d, `[data-testid="flash"]`))
	}
	if d.Find(`[data-testid="sign-out"]`).Length() != 0 {
		t.Error("sign-out button after sign-out")
	}
	if r := c.Get("/acme/portal/overview"); r.Status != 303 || r.Location() != "/acme/portal/request" {
		t.Fatalf("overview after sign-out: %d %q", r.Status, r.Location())
	}
	// The flash is shown once.
	if d := doc(t, c.Get("/acme/portal/request")); d.Find(`[data-testid="flash"]`).Length() != 0 {
		t.Error("flash shown twice")
	}
	// An old copy of the cookie no longer works either.
	c2 := e.client()
	webtest.SetSessionCookie(t, c2, e.svc, session.SignedIn(e.legacy, sid))
	if r := c2.Get("/acme/portal/overview"); r.Status != 303 {
		t.Fatalf("revoked session cookie: %d", r.Status)
	}
}

// TestCSRF: a form post without the token, with a wrong one, or from
// another site is refused with the friendly 403 page; with it, it works.
func TestCSRF(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()
	c.Get("/acme/portal/request").ExpectStatus(t, 200)
	for name, r := range map[string]*testkit.Response{
		"missing":    c.PostForm("/acme/portal/request", url.Values{"email": {"ind@example.com"}}),
		"wrong":      c.PostForm("/acme/portal/request", url.Values{"email": {"ind@example.com"}, "_csrf": {"nope"}}),
		"cross-site": e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}, "Sec-Fetch-Site", "cross-site"),
		"origin":     e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}, "Origin", "https://evil.example"),
	} {
		if r.Status != http.StatusForbidden || !strings.Contains(r.Text(), "Your form expired") {
			t.Errorf("%s: %d %.200s", name, r.Status, r.Text())
		}
	}
	// htmx gets the message alone, swapped into <main>.
	r := c.PostForm("/acme/portal/request", url.Values{"email": {"ind@example.com"}}, "HX-Request", "true")
	if r.Status != 403 || r.Header.Get("HX-Retarget") != "#main" || strings.Contains(r.Text(), "<html") || !strings.Contains(r.Text(), "Your form expired") {
		t.Errorf("htmx CSRF failure: %d %v %.200s", r.Status, r.Header, r.Text())
	}
	if e.s.Count(`SELECT count(*) FROM sign_in_requests`) != 0 {
		t.Fatal("a refused post wrote something")
	}
	e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, 303)
	// Sign-out is protected too.
	webtest.SignIn(t, c, e.svc, e.cust, uuid.Nil)
	c.PostForm("/acme/portal/sign-out", nil).ExpectStatus(t, 403)
	c.Get("/acme/portal/overview").ExpectStatus(t, 200)
	// A same-origin browser (Sec-Fetch-Site) passes without a token.
	c.PostForm("/acme/portal/sign-out", nil, "Sec-Fetch-Site", "same-origin").ExpectStatus(t, 303)
}

// TestCookieAttributes: __Host-portal over https (Secure, Path=/, HttpOnly,
// SameSite=Lax) and the CSRF cookie SameSite=Strict; plain names on http.
func TestCookieAttributes(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()
	r := c.Get("/acme/portal/request")
	csrf := r.Cookie("__Host-csrf")
	if csrf == nil || !csrf.HttpOnly || !csrf.Secure || csrf.SameSite != http.SameSiteStrictMode || csrf.Path != "/" || csrf.Domain != "" {
		t.Fatalf("csrf cookie %+v", csrf)
	}
	r = e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, 303)
	ck := r.Cookie("__Host-portal")
	if ck == nil || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
		t.Fatalf("session cookie %+v", ck)
	}
	if strings.Contains(ck.Value, "ind@example.com") || strings.Contains(ck.Value, "ind%40") {
		t.Fatal("cookie is not encrypted")
	}

	t.Run("http", func(t *testing.T) { plainHTTPCookies(t) })
}

func plainHTTPCookies(t *testing.T) {
	h := newEnv(t, opt{http: true})
	hc := h.client()
	r := hc.Get("/acme/portal/request")
	if ck := r.Cookie("csrf"); ck == nil || ck.Secure || !ck.HttpOnly {
		t.Fatalf("http csrf cookie %+v", ck)
	}
	r = h.post(hc, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, 303)
	if ck := r.Cookie("portal"); ck == nil || ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("http session cookie %+v", ck)
	}
	// A forged cookie is simply no session.
	hc.SetCookie(&http.Cookie{Name: "portal", Value: "forged"})
	if r := hc.Get("/acme/portal/overview"); r.Status != 303 {
		t.Fatalf("forged cookie: %d", r.Status)
	}
}

// TestIdleAndAbsoluteExpiry: past either expiry the session is gone; a use
// within the idle window slides it.
func TestIdleAndAbsoluteExpiry(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()
	sid := webtest.SignIn(t, c, e.svc, e.cust, uuid.Nil)
	e.s.Exec(`UPDATE browser_sessions SET last_seen_at = now() - interval '10 minutes', idle_expires_at = now() + interval '20 minutes' WHERE id = $1`, sid)
	c.Get("/acme/portal/overview").ExpectStatus(t, 200)
	if e.s.Count(`SELECT count(*) FROM browser_sessions WHERE id = $1 AND idle_expires_at > now() + interval '29 minutes'`, sid) != 1 {
		t.Fatal("idle expiry did not slide")
	}
	e.s.Exec(`UPDATE browser_sessions SET idle_expires_at = now() - interval '1 second' WHERE id = $1`, sid)
	if r := c.Get("/acme/portal/overview"); r.Status != 303 || r.Location() != "/acme/portal/request" {
		t.Fatalf("idle-expired: %d %q", r.Status, r.Location())
	}

	sid = webtest.SignIn(t, c, e.svc, e.cust, uuid.Nil)
	e.s.Exec(`UPDATE browser_sessions SET expires_at = now() - interval '1 second', created_at = now() - interval '12 hours' WHERE id = $1`, sid)
	if r := c.Get("/acme/portal/overview"); r.Status != 303 {
		t.Fatalf("absolute-expired: %d", r.Status)
	}
	// Sliding never passes the absolute expiry.
	sid = webtest.SignIn(t, c, e.svc, e.cust, uuid.Nil)
	e.s.Exec(`UPDATE browser_sessions SET last_seen_at = now() - interval '5 minutes', expires_at = now() + interval '5 minutes' WHERE id = $1`, sid)
	c.Get("/acme/portal/overview").ExpectStatus(t, 200)
	if e.s.Count(`SELECT count(*) FROM browser_sessions WHERE id = $1 AND idle_expires_at <= expires_at`, sid) != 1 {
		t.Fatal("idle expiry slid past the absolute one")
	}
	// A session of another workspace does not sign in here.
	c3 := e.client()
	webtest.SignIn(t, c3, e.svc, e.team, e.owner)
	if r := c3.Get("/acme/portal/overview"); r.Status != 303 {
		t.Fatalf("other workspace's session: %d", r.Status)
	}
	// Nor does one whose workspace is blocked.
	e.s.Exec(`UPDATE workspaces SET blocked_at = now() WHERE id = $1`, e.teams)
	if r := c3.Get("/teams/portal/overview"); r.Status == 200 {
		t.Fatal("blocked workspace's session still works")
	}
}

// TestHTMXExpiredSession answers htmx with HX-Redirect to sign-in.
func TestHTMXExpiredSession(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()
	sid := webtest.SignIn(t, c, e.svc, e.cust, uuid.Nil)
	e.s.Exec(`UPDATE browser_sessions SET idle_expires_at = now() - interval '1 second' WHERE id = $1`, sid)
	r := c.Get("/acme/portal/overview", "HX-Request", "true")
	if r.Header.Get("HX-Redirect") != "/acme/portal/request" {
		t.Fatalf("HX-Redirect %q (status %d)", r.Header.Get("HX-Redirect"), r.Status)
	}
}

// TestPagesIgnoreBearer: a valid API token in Authorization does not sign
// a page in (D21).
func TestPagesIgnoreBearer(t *testing.T) {
	e := newEnv(t, opt{})
	tok := testkit.CustomerToken(t, e.pool, e.svc.Hasher, e.cust)
	r := e.client().Get("/acme/portal/overview", "Authorization", "Bearer "+tok)
	if r.Status != 303 || r.Location() != "/acme/portal/request" {
		t.Fatalf("bearer on a page: %d %q", r.Status, r.Location())
	}
}

// TestNewSessionAtEverySignIn: signing in again revokes the browser's
// previous session.
func TestNewSessionAtEverySignIn(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()
	old := webtest.SignIn(t, c, e.svc, e.cust, uuid.Nil)
	other := e.customerIn(e.legacy, "other@example.com", "individual", "")
	tok := testkit.CustomerToken(t, e.pool, e.svc.Hasher, other)
	e.openLink(c, "/acme/portal/overview?customer_session_token="+url.QueryEscape(tok))
	e.post(c, "/acme/portal/continue", nil).ExpectStatus(t, 303)
	if e.s.Count(`SELECT count(*) FROM browser_sessions WHERE id = $1 AND revoked_at IS NOT NULL`, old) != 1 {
		t.Fatal("old session not revoked")
	}
}
