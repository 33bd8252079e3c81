package filesharing_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"portal/internal/testkit"
)

// signedIn returns a browser signed in as the individual customer
// ("customer") or the team's owner ("member") the way a workspace links its
// customers in: a pre-authenticated link (D11) exchanged for the session
// cookie, then the clean URL.
func (e *env) signedIn(t *testing.T, kind string) *browser {
	t.Helper()
	tok, param := e.custTok, "customer_session_token"
	if kind == "member" {
		tok, param = e.ownerTok, "member_session_token"
	}
	// https, because the session cookie is Secure with an https base URL.
	c := testkit.NewClient(t, e.handler, testkit.WithBaseURL("https://portal.example.test"))
	r := c.Get("/acme/portal/overview?" + param + "=" + tok)
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location(), "/acme/portal/overview") || len(c.Cookies()) == 0 {
		t.Fatalf("sign-in by link: %d → %q, %d cookies", r.Status, r.Location(), len(c.Cookies()))
	}
	return &browser{e: e, client: c}
}

// viaClient sends a GET through the signed-in client and returns it as a
// recorder, so the page tests read it like any handler answer.
func (b *browser) viaClient(path string, htmx bool) *httptest.ResponseRecorder {
	var r *testkit.Response
	if htmx {
		r = b.client.Get(path, "HX-Request", "true")
	} else {
		r = b.client.Get(path)
	}
	rec := httptest.NewRecorder()
	for k, v := range r.Header {
		rec.Header()[k] = v
	}
	rec.WriteHeader(r.Status)
	_, _ = rec.Write(r.Body)
	return rec
}
