package filesharing_test

import (
	"strings"
	"testing"

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
	c := e.s.Client()
	if loc := webtest.SignInByLink(t, c, e.svc, tok, "/acme/portal/overview"); !strings.HasSuffix(loc, "/acme/portal/overview") || len(c.Cookies()) == 0 {
		t.Fatalf("sign-in by link: → %q, %d cookies", loc, len(c.Cookies()))
	}
	return &browser{e: e, client: c}
}
