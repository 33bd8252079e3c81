package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Error journeys (issue 8): friendly 404, 429 and 503 pages in the portal's
// look, and an expired session met by an htmx request.

// errorPage asserts the current page is the friendly error page for status.
func (tb *tab) errorPage(status, heading string) {
	tb.t.Helper()
	if tb.count(tid("error-page")) != 1 {
		tb.t.Fatalf("no error page at %s: %q", tb.path(), eval[string](tb, `document.body.innerText.slice(0, 300)`))
	}
	if got := tb.text(".error-code"); got != status {
		tb.t.Errorf("error page at %s shows status %q, want %s", tb.path(), got, status)
	}
	if got := tb.text(tid("error-page") + " h1"); got != heading {
		tb.t.Errorf("error page at %s: heading %q, want %q", tb.path(), got, heading)
	}
	// The portal's look: its stylesheet (inlined in the head) is applied.
	if !eval[bool](tb, `[...document.styleSheets].some(s => s.ownerNode && s.ownerNode.dataset.asset === 'css/portal.css' && s.cssRules.length > 50)`) {
		tb.t.Errorf("error page at %s is not styled by portal.css", tb.path())
	}
}

// TestNotFoundPages: an unknown workspace, another customer's session (in
// the same and in another workspace), and malformed ids are all the 404
// page, never a 500.
func TestNotFoundPages(t *testing.T) {
	e := newEnv(t)
	anon := e.tab()
	anon.allow("status of 404 (Not Found) " + e.url("/nope/portal/request"))
	anon.open("/nope/portal/request")
	anon.errorPage("404", "Page not found")
	anon.check("404 page")

	alice := e.customer("acme", "alice@example.com")
	tb := e.tab()
	tb.signInCookie(alice, uuid.Nil)
	var bobSession, teamcoSession uuid.UUID
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM file_share_sessions WHERE customer_id = $1 LIMIT 1`,
		e.customer("acme", "bob@example.com")).Scan(&bobSession); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM file_share_sessions WHERE customer_id = $1 LIMIT 1`,
		e.customer("teamco", "design@teamco.example.com")).Scan(&teamcoSession); err != nil {
		t.Fatal(err)
	}
	first := "/acme/portal/sessions/" + bobSession.String()
	tb.allow("status of 404 (Not Found) " + e.url(first))
	tb.open(first)
	tb.errorPage("404", "Page not found")
	// Signed in, the 404 keeps the navigation and links back to the portal.
	if tb.count(tid("nav-overview")) != 1 || tb.count(tid("error-page")+` a[href="/acme/portal"]`) != 1 {
		t.Errorf("the signed-in 404 page lacks the navigation or the way back")
	}
	if body := eval[string](tb, `document.body.innerText`); strings.Contains(body, "Bob") {
		t.Errorf("the 404 page leaks the other customer's data")
	}
	tb.check("404 page (signed in)")

	for _, p := range []string{
		"/acme/portal/sessions/" + teamcoSession.String(),                    // another workspace's session
		"/acme/portal/sessions/not-a-uuid",                                   // malformed
		"/acme/portal/sessions/" + strings.ToUpper(bobSession.String())[:35], // truncated
		"/acme/portal/sessions/%27%20OR%201=1--",                             // injection-shaped
		"/acme/portal/sessions/" + bobSession.String() + "/export.csv",       // another customer's CSV
		"/acme/portal/sessions/" + bobSession.String() + "/activity",         // and its fragment
	} {
		if res := tb.get(p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
	malformed := "/acme/portal/sessions/not-a-uuid"
	tb.allow("status of 404 (Not Found) " + e.url(malformed))
	tb.open(malformed)
	tb.errorPage("404", "Page not found")
	tb.clean("404 page (malformed id)")
}

// TestRateLimitedSignIn: the eleventh code request from one address within
// 15 minutes (D12) is refused with a message that says when to try again.
func TestRateLimitedSignIn(t *testing.T) {
	e := newEnv(t)
	tb := e.tab()
	for i := 0; i < 10; i++ { // the IP budget, through the real form
		tb.open("/acme/portal/request")
		tb.run(chromedp.SendKeys(chromedp.CSS(tid("email")), "bob@example.com"))
		tb.clickNav(tid("request-submit"))
		if p := tb.path(); p != "/acme/portal/authenticate" {
			t.Fatalf("request %d: at %s", i+1, p)
		}
	}
	tb.open("/acme/portal/request")
	tb.allow("status of 429 (Too Many Requests)")
	tb.run(chromedp.SendKeys(chromedp.CSS(tid("email")), "bob@example.com"), chromedp.Click(chromedp.CSS(tid("request-submit"))))
	tb.waitFor(`!!document.querySelector('[data-testid="form-message"]')`)
	msg := eval[struct {
		Role string `json:"role"`
		Text string `json:"text"`
	}](tb, `(() => { const m = document.querySelector('[data-testid="form-message"]'); return {role: m.getAttribute('role'), text: m.textContent.trim()} })()`)
	// "Try again at 14:32 (in 15 minutes)." in the viewer's clock (issue 16.3).
	if msg.Role != "alert" || !strings.Contains(msg.Text, "Try again at ") || !strings.Contains(msg.Text, "(in 15 minutes)") {
		t.Errorf("rate-limited message %+v, want an alert saying when to retry", msg)
	}
	if p := tb.path(); p != "/acme/portal/request" {
		t.Errorf("the refused request moved to %s", p)
	}
	// The email stays in the field, ready for the retry.
	if v := eval[string](tb, `document.querySelector('[data-testid="email"]').value`); v != "bob@example.com" {
		t.Errorf("the email field was cleared: %q", v)
	}
	tb.check("sign in: too many attempts")
}

// TestUnavailablePage: with the database refusing every new connection
// (its connection limit set to 0, the others ended: what an exhausted or
// restarting server looks like to the pool), a page is the friendly 503
// with Retry-After, not a 500, and the portal recovers when it is back.
func TestUnavailablePage(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	// Keep one connection to switch the database back on; the server's
	// pool cannot use it while it is held.
	hold, err := e.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Release()
	dbname := hold.Conn().Config().Database
	// The limit is changed from another database of the cluster.
	admin := hold.Conn().Config().Copy()
	admin.Database = "postgres"
	ac, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer ac.Close(context.Background())
	off := func(on bool) {
		t.Helper()
		v := "0"
		if on {
			v = "-1"
		}
		if _, err := ac.Exec(context.Background(), `ALTER DATABASE "`+dbname+`" CONNECTION LIMIT `+v); err != nil {
			t.Fatal(err)
		}
	}
	off(false)
	defer off(true)
	if _, err := hold.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}

	tb := e.tab()
	tb.allow("status of 503 (Service Unavailable) " + e.url("/acme/portal/request"))
	tb.open("/acme/portal/request")
	tb.errorPage("503", "Temporarily unavailable")
	if !strings.Contains(tb.text(tid("error-page")), "try again") {
		t.Errorf("the 503 page does not say to try again")
	}
	res := tb.get("/acme/portal/request")
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Errorf("while the database is away: %d with Retry-After %q, want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	tb.check("503 page")

	off(true)
	tb.waitFor(`fetch('/acme/portal/request').then(r => r.status === 200)`)
	tb.open("/acme/portal/request")
	if tb.count(tid("request-form")) != 1 {
		t.Errorf("the sign-in page did not come back with the database")
	}
	tb.clean("after the outage")
}

// TestExpiredSessionHTMX: the browser session ends while the overview is
// open; the next htmx request (expanding a row) sends the browser to sign
// in (HX-Redirect) instead of swapping a broken fragment into the table.
func TestExpiredSessionHTMX(t *testing.T) {
	e := newEnv(t)
	alice := e.customer("acme", "alice@example.com")
	tb := e.tab()
	tb.signInCookie(alice, uuid.Nil)
	tb.open("/acme/portal/overview")
	e.s.Exec(`DELETE FROM browser_sessions WHERE customer_id = $1`, alice)

	tb.allow("status of 401 (Unauthorized)")
	tb.clickNav(tid("activity-toggle"))
	if p := tb.path(); p != "/acme/portal/request" {
		t.Fatalf("an htmx request with an ended session: at %s, want sign-in", p)
	}
	if tb.count(tid("request-form")) != 1 || tb.count(tid("sessions-table")) != 0 || tb.count(tid("error-page")) != 0 {
		t.Errorf("after the redirect the page is not a clean sign-in page")
	}
	tb.clean("expired session")
}
