package filesharing_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"portal/internal/testkit"
	"portal/web/webtest"
)

// signedIn returns a browser signed in as the individual customer
// ("customer") or the team's owner ("member") the way a workspace links its
// customers in: a pre-authenticated link (D11), continued on the page that
// asks (D23), then the page the link named.
func (e *env) signedIn(t *testing.T, kind string) *browser {
	t.Helper()
	tok := e.custTok
	if kind == "member" {
		tok = e.ownerTok
	}
	// https, because the session cookie is Secure with an https base URL.
	c := testkit.NewClient(t, e.handler, testkit.WithBaseURL("https://portal.example.test"))
	if loc := webtest.SignInByLink(t, c, e.svc, tok, "/acme/portal/overview"); !strings.HasSuffix(loc, "/acme/portal/overview") || len(c.Cookies()) == 0 {
		t.Fatalf("sign-in by link: → %q, %d cookies", loc, len(c.Cookies()))
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
