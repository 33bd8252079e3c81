package browser_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"

	"portal/internal/auth"
	"portal/internal/testkit"
	"portal/web/webtest"
)

// replay is a second client carrying exactly the cookies c has now: the
// "first cookie", kept by whoever copied it before the next sign-in.
func replay(e *env, c *testkit.Client) *testkit.Client {
	r := e.client()
	for _, ck := range c.Cookies() {
		r.SetCookie(ck)
	}
	return r
}

// Signing in again in one browser kills the first cookie: a copy of it
// taken before the second sign-in is sent to the sign-in page afterwards,
// not only marked revoked in the database.
func TestSignInAgainKillsTheFirstCookie(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()
	webtest.SignIn(t, c, e.svc, e.cust, uuid.Nil)
	first := replay(e, c)
	first.Get("/acme/portal/overview").ExpectStatus(t, http.StatusOK)

	other := e.customerIn(e.legacy, "second@example.com", "individual", "")
	tok := testkit.CustomerToken(t, e.pool, e.svc.Hasher, other)
	e.openLink(c, "/acme/portal/overview?customer_session_token="+url.QueryEscape(tok))
	e.post(c, "/acme/portal/continue", nil).ExpectStatus(t, http.StatusSeeOther)
	c.Get("/acme/portal/overview").ExpectStatus(t, http.StatusOK)

	r := first.Get("/acme/portal/overview")
	if r.Status != http.StatusSeeOther || r.Location() != "/acme/portal/request" {
		t.Fatalf("the first cookie still works after signing in again: %d %q", r.Status, r.Location())
	}
}

// The same after the session limit (D25) evicts one: the 11th sign-in of
// one customer kills the oldest browser's cookie, and only that one.
func TestSessionLimitKillsTheOldestCookie(t *testing.T) {
	e := newEnv(t, opt{})
	browsers := make([]*testkit.Client, auth.MaxBrowserSessions+1)
	for i := range browsers {
		browsers[i] = e.client()
		webtest.SignIn(t, browsers[i], e.svc, e.cust, uuid.Nil)
		if i == 0 {
			browsers[0].Get("/acme/portal/overview").ExpectStatus(t, http.StatusOK)
		}
	}
	r := browsers[0].Get("/acme/portal/overview")
	if r.Status != http.StatusSeeOther || r.Location() != "/acme/portal/request" {
		t.Fatalf("the oldest cookie still works after the 11th sign-in: %d %q", r.Status, r.Location())
	}
	for _, b := range browsers[1:] {
		b.Get("/acme/portal/overview").ExpectStatus(t, http.StatusOK)
	}
}
