package devices_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"portal/views/paths"
)

// TestPasskeyButtonsHiddenWithoutJS: the passkey buttons are rendered
// hidden (static/js/passkey.js shows them when WebAuthn is there), so
// without JavaScript nobody sees a button that cannot work; the email field
// offers passkey autofill.
func TestPasskeyButtonsHiddenWithoutJS(t *testing.T) {
	e := newEnv(t)
	anon := e.browserAnon()
	d := e.doc(anon.Get(paths.SignIn("acme")).ExpectStatus(t, http.StatusOK).Body)
	btn := d.Find(`[data-testid="passkey-sign-in"]`)
	if btn.Length() != 1 {
		t.Fatalf("passkey sign-in buttons: %d", btn.Length())
	}
	if _, hidden := btn.Attr("hidden"); !hidden {
		t.Error("passkey sign-in button visible without JavaScript")
	}
	if _, hidden := d.Find(`[data-passkey-signin]`).Attr("hidden"); !hidden {
		t.Error("passkey sign-in block visible without JavaScript")
	}
	if ac, _ := d.Find(`input[name="email"]`).Attr("autocomplete"); ac != "username webauthn" {
		t.Errorf("email autocomplete %q", ac)
	}
	a, _ := e.browser(e.cust, uuid.Nil)
	d = e.settings(a)
	add := d.Find(`[data-testid="passkey-add"]`)
	if _, hidden := add.Attr("hidden"); add.Length() != 1 || !hidden {
		t.Errorf("add-a-passkey button: %d, hidden %v", add.Length(), hidden)
	}
	if d.Find(`[data-testid="passkeys-empty"]`).Length() != 1 {
		t.Error("no empty state in the passkeys section")
	}
}

// TestPasskeyEndpointsNeedCSRF: the JSON ceremony endpoints are page
// routes: a cross-site post without the token is refused.
func TestPasskeyEndpointsNeedCSRF(t *testing.T) {
	e := newEnv(t)
	anon := e.browserAnon()
	for _, p := range []string{paths.PasskeySignInBegin("acme"), paths.PasskeySignInFinish("acme")} {
		r := anon.Request(http.MethodPost, p, strings.NewReader(`{}`), "Content-Type", "application/json", "Sec-Fetch-Site", "cross-site")
		if r.Status != http.StatusForbidden {
			t.Errorf("%s cross-site: %d", p, r.Status)
		}
	}
}

func (e *env) doc(body []byte) *goquery.Document {
	e.t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}
