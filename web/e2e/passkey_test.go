package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"portal/internal/config"
)

// newPasskeyEnv is newEnv on http://localhost:port: WebAuthn refuses IP
// addresses as relying party IDs, so passkeys are off on 127.0.0.1 and on
// for localhost (a secure context for the browser even over http).
func newPasskeyEnv(t *testing.T) *env {
	var base string
	e := newEnvWith(t, func(cfg *config.Config, b string) {
		base = strings.Replace(b, "127.0.0.1", "localhost", 1)
		cfg.BaseURL = base
	})
	e.base = base
	return e
}

// authenticator gives the tab Chromium's virtual authenticator: a CTAP2
// platform (internal) authenticator with resident keys and user
// verification that always succeeds, as a phone or laptop would.
func (tb *tab) authenticator() {
	tb.t.Helper()
	tb.noAutofill()
	tb.virtualAuthenticator()
}

// noAutofill makes the tab report no passkey autofill support. The virtual
// authenticator answers a conditional (autofill) request by itself, which
// would sign in before the button is clicked: the button journeys use
// this. The returned identifier lifts it for pages loaded afterwards.
func (tb *tab) noAutofill() page.ScriptIdentifier {
	tb.t.Helper()
	id, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `if (window.PublicKeyCredential) PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);`})
	if err != nil {
		tb.t.Fatal(err)
	}
	return id.Identifier
}

func (tb *tab) virtualAuthenticator() {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		tb.t.Fatal(err)
	}
	if _, err := chromedp.Call(tb.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true},
	}); err != nil {
		tb.t.Fatal(err)
	}
}

// addPasskey adds a passkey on the settings page and waits for it.
func (tb *tab) addPasskey(slug string) {
	tb.t.Helper()
	tb.open("/" + slug + "/portal/settings")
	before := tb.count(tid("passkey-row"))
	tb.run(chromedp.WaitVisible(chromedp.CSS(tid("passkey-add"))))
	tb.clickNav(tid("passkey-add"))
	if n := tb.count(tid("passkey-row")); n != before+1 {
		tb.t.Fatalf("passkeys after adding: %d, want %d (error: %q)", n, before+1, tb.textOf(tid("passkey-add-error")))
	}
	if !strings.Contains(tb.text("#flash"), "Passkey added") {
		tb.t.Errorf("no 'Passkey added' flash: %q", tb.text("#flash"))
	}
	tb.check("settings with a passkey")
}

// textOf is an element's text, visible or not ("" when absent).
func (tb *tab) textOf(sel string) string {
	return eval[string](tb, `(() => { const el = document.querySelector(`+jsString(sel)+`); return el ? el.textContent.trim() : "" })()`)
}

func jsString(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

// passkeySignIn clicks "Sign in with a passkey" on the sign-in page; it
// returns "" after landing on the overview, else the error shown.
func (tb *tab) passkeySignIn(slug string, wantOK bool) string {
	tb.t.Helper()
	tb.open("/" + slug + "/portal/request")
	tb.run(chromedp.WaitVisible(chromedp.CSS(tid("passkey-sign-in"))))
	if got := eval[string](tb, `document.querySelector('input[name="email"]').getAttribute('autocomplete')`); got != "username webauthn" {
		tb.t.Errorf("email autocomplete %q, want passkey autofill", got)
	}
	if wantOK {
		tb.clickNav(tid("passkey-sign-in"))
		if p := tb.path(); !strings.HasSuffix(p, "/portal/overview") {
			tb.t.Fatalf("after the passkey: at %s (error %q)", p, tb.textOf(tid("passkey-error")))
		}
		return ""
	}
	tb.run(chromedp.Click(chromedp.CSS(tid("passkey-sign-in"))))
	value(tb, chromedp.Poll[bool](`(() => { const el = document.querySelector('[data-testid="passkey-error"]'); return !!el && !el.hidden && el.textContent.trim() !== "" })()`,
		chromedp.WithPollingTimeout(15*time.Second)))
	return tb.textOf(tid("passkey-error"))
}

func (tb *tab) signOut() {
	tb.t.Helper()
	tb.clickNav(tid("sign-out"))
	if p := tb.path(); !strings.HasSuffix(p, "/portal/request") {
		tb.t.Fatalf("after sign-out: at %s", p)
	}
}

// TestPasskeyJourney: sign in with a code → add a passkey → sign out →
// sign in with the passkey → the overview; the passkey removed, it no
// longer signs in.
func TestPasskeyJourney(t *testing.T) {
	e := newPasskeyEnv(t)
	tb := e.tab()
	tb.authenticator()
	tb.signIn("acme", "bob@example.com", "")
	tb.addPasskey("acme")
	tb.signOut()
	tb.passkeySignIn("acme", true)
	tb.check("overview after a passkey sign-in")
	if n := e.s.Count(`SELECT count(*) FROM browser_sessions WHERE method = 'passkey' AND revoked_at IS NULL`); n != 1 {
		t.Fatalf("live passkey sessions: %d", n)
	}

	// Remove it (confirmed), sign out: it no longer signs in.
	tb.open("/acme/portal/settings")
	tb.run(chromedp.Click(chromedp.CSS(tid("passkey-remove-open"))))
	tb.run(chromedp.WaitVisible(chromedp.CSS("dialog[open]")))
	tb.clickNav(`dialog[open] [data-act="ok"]`)
	if n := tb.count(tid("passkey-row")); n != 0 {
		t.Fatalf("passkeys after removing: %d", n)
	}
	tb.signOut()
	msg := tb.passkeySignIn("acme", false)
	if !strings.Contains(msg, "not registered") {
		t.Fatalf("removed passkey: %q", msg)
	}
	tb.allow("401")
	tb.allow("Unauthorized")
	tb.clean("sign-in after the passkey was removed")
}

// TestPasskeyRemovedMember: a member removed from the team cannot sign in
// with their passkey.
func TestPasskeyRemovedMember(t *testing.T) {
	e := newPasskeyEnv(t)
	tb := e.tab()
	tb.authenticator()
	tb.signIn("teamco", "mia@example.com", "")
	tb.addPasskey("teamco")
	tb.signOut()
	_, mia := e.member("teamco", "design@teamco.example.com", "mia@example.com")
	e.s.Exec(`UPDATE members SET deleted_at = now() WHERE id = $1`, mia)
	msg := tb.passkeySignIn("teamco", false)
	if !strings.Contains(msg, "not registered") {
		t.Fatalf("removed member's passkey: %q", msg)
	}
	tb.allow("401")
	tb.allow("Unauthorized")
	tb.clean("removed member")
}

// TestPasskeyAutofillJourney: passkey autofill (conditional mediation) on
// the sign-in page's email field, driven by Chromium's virtual
// authenticator, which answers a conditional request as a person picking
// the passkey from the autofill list would. Code → add a passkey → sign
// out; then the sign-in page is loaded with autofill available and nothing
// is clicked: the browser lands on the overview, signed in by passkey
// (method "passkey" on the devices list).
func TestPasskeyAutofillJourney(t *testing.T) {
	e := newPasskeyEnv(t)
	tb := e.tab()
	// Autofill off while the passkey is added and the browser signs out
	// (sign-out lands on the sign-in page), on for the journey itself.
	off := tb.noAutofill()
	tb.virtualAuthenticator()
	tb.signIn("acme", "bob@example.com", "")
	tb.addPasskey("acme")
	tb.signOut()
	if _, err := chromedp.Call(tb.ctx, page.RemoveScriptToEvaluateOnNewDocument, page.RemoveScriptToEvaluateOnNewDocumentParams{Identifier: off}); err != nil {
		t.Fatal(err)
	}
	if n := e.s.Count(`SELECT count(*) FROM browser_sessions WHERE method = 'passkey'`); n != 0 {
		t.Fatalf("passkey sessions before the autofill: %d", n)
	}
	tb.run(chromedp.Navigate(e.url("/acme/portal/request")))
	// The autofill navigates by itself: watch the location from outside
	// the page (a script polling inside it ends with the navigation).
	for deadline := time.Now().Add(20 * time.Second); !strings.HasSuffix(tb.path(), "/portal/overview"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no sign-in by autofill: still at %s (error %q)", tb.path(), tb.textOf(tid("passkey-error")))
		}
	}
	tb.waitLoaded()
	tb.check("overview after a passkey autofill sign-in")
	if n := e.s.Count(`SELECT count(*) FROM browser_sessions WHERE method = 'passkey' AND revoked_at IS NULL`); n != 1 {
		t.Fatalf("live passkey sessions after the autofill: %d", n)
	}
	tb.open("/acme/portal/settings")
	cur := tb.textOf(`[data-testid="device-row"][data-current="true"]`)
	if !strings.Contains(cur, "passkey") {
		t.Fatalf("this device's row %q: not signed in with a passkey", cur)
	}
}
