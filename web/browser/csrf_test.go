package browser_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"portal/web/webtest"
)

// TestD27_CSRFTokenNotFromQueryString: the token counts only in the form
// body (_csrf) or the X-CSRF-Token header. The right token in the query
// string of a form post is refused, and nothing is written.
func TestD27_CSRFTokenNotFromQueryString(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()
	tok := webtest.CSRF(t, c, e.svc, "/acme/portal/request")
	r := c.PostForm("/acme/portal/request?_csrf="+url.QueryEscape(tok), url.Values{"email": {"ind@example.com"}})
	if r.Status != http.StatusForbidden && r.Status != http.StatusBadRequest {
		t.Fatalf("token in the query string: %d %.200s", r.Status, r.Text())
	}
	if e.s.Count(`SELECT count(*) FROM sign_in_requests`) != 0 {
		t.Fatal("a post with the token only in the query string wrote something")
	}
	// The same token in the body, or in the header, works.
	c.PostForm("/acme/portal/request", url.Values{"email": {"ind@example.com"}, "_csrf": {tok}}).ExpectStatus(t, 303)
	c.PostForm("/acme/portal/request", url.Values{"email": {"ind@example.com"}}, "X-CSRF-Token", tok).ExpectStatus(t, 303)
	// Body and query both present: the body's token is the one that counts.
	c.PostForm("/acme/portal/request?_csrf=nope", url.Values{"email": {"ind@example.com"}, "_csrf": {tok}}).ExpectStatus(t, 303)
	r = c.PostForm("/acme/portal/request?_csrf="+url.QueryEscape(tok), url.Values{"email": {"ind@example.com"}, "_csrf": {"nope"}})
	if r.Status != http.StatusForbidden {
		t.Fatalf("wrong body token with the right one in the query: %d", r.Status)
	}
}

// TestD27_NewCSRFTokenAtSignInAndSignOut: signing in (code form) and
// signing out each answer with a new CSRF cookie; the old token no longer
// passes, the new one does.
func TestD27_NewCSRFTokenAtSignInAndSignOut(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	c := e.client()
	name := webtest.CSRFCookieName(e.svc)
	e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, 303)
	before := c.Cookie(name).Value
	r := e.post(c, "/acme/portal/authenticate", url.Values{"code": {e.code("ind@example.com")}}).ExpectStatus(t, 303)
	ck := r.Cookie(name)
	if ck == nil || ck.Value == "" || ck.Value == before {
		t.Fatalf("sign-in kept the CSRF token (%v)", ck)
	}
	if n := strings.Count(strings.Join(r.Header.Values("Set-Cookie"), "\n"), name+"="); n != 1 {
		t.Fatalf("%d CSRF Set-Cookie lines", n)
	}
	// The old token is refused now, the new one passes.
	c.PostForm("/acme/portal/sign-out", url.Values{"_csrf": {before}}).ExpectStatus(t, 403)
	c.Get("/acme/portal/overview").ExpectStatus(t, 200)
	signedIn := c.Cookie(name).Value
	if signedIn != ck.Value {
		t.Fatal("jar does not hold the new token")
	}
	r = c.PostForm("/acme/portal/sign-out", url.Values{"_csrf": {signedIn}}).ExpectStatus(t, 303)
	ck = r.Cookie(name)
	if ck == nil || ck.Value == "" || ck.Value == signedIn {
		t.Fatalf("sign-out kept the CSRF token (%v)", ck)
	}
	c.PostForm("/acme/portal/request", url.Values{"email": {"ind@example.com"}, "_csrf": {signedIn}}).ExpectStatus(t, 403)
	c.PostForm("/acme/portal/request", url.Values{"email": {"ind@example.com"}, "_csrf": {ck.Value}}).ExpectStatus(t, 303)

	// A direct session too (webtest), then sign-out rotates.
	webtest.SignIn(t, c, e.svc, e.cust, uuid.Nil)
	old := c.Cookie(name).Value
	r = e.post(c, "/acme/portal/sign-out", nil).ExpectStatus(t, 303)
	if ck := r.Cookie(name); ck == nil || ck.Value == old {
		t.Fatal("sign-out kept the CSRF token")
	}
}
