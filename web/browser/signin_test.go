package browser_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestSignInThroughFormsCustomerMode: email form → code from the SMTP sink
// → overview, in a workspace with customer sessions; the page shows where
// the code went and a new browser session row exists.
func TestSignInThroughFormsCustomerMode(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	c := e.client()

	d := doc(t, c.Get("/acme/portal/request?email=ind%40example.com").ExpectStatus(t, 200))
	if d.Find(`label[for="email"]`).Length() != 1 || d.Find(`h1`).Text() != "Sign in" {
		t.Fatalf("request page: %s", d.Text())
	}
	in := d.Find(`input[name="email"]`)
	if v, _ := in.Attr("value"); v != "ind@example.com" {
		t.Errorf("email not prefilled: %q", v)
	}
	// Passkey autofill on the email field (issue 18): this portal's base
	// URL has a host name, so passkeys are on.
	if v, _ := in.Attr("autocomplete"); v != "username webauthn" {
		t.Errorf("autocomplete %q", v)
	}
	if strings.TrimSpace(d.Find(`[data-testid="request-submit"]`).Text()) != "Email me a code" {
		t.Error("button label")
	}
	tok, _ := d.Find(`input[name="_csrf"]`).Attr("value")
	if tok == "" {
		t.Fatal("no CSRF field in the form")
	}

	r := c.PostForm("/acme/portal/request", url.Values{"email": {"IND@example.com"}, "_csrf": {tok}}).ExpectStatus(t, 303)
	if r.Location() != "/acme/portal/authenticate" {
		t.Fatalf("after request: %q", r.Location())
	}
	d = doc(t, c.Get("/acme/portal/authenticate").ExpectStatus(t, 200))
	// The address as typed, unmasked (issue 16.5; it was "I***@example.com").
	if got := text(d, `[data-testid="sent-to"]`); !strings.Contains(got, "IND@example.com") {
		t.Errorf("sent-to %q", got)
	}
	code := d.Find(`input[name="code"]`)
	for attr, want := range map[string]string{"autocomplete": "one-time-code", "inputmode": "text", "maxlength": "9", "placeholder": "XXXX-XXXX"} {
		if v, _ := code.Attr(attr); v != want {
			t.Errorf("code input %s=%q, want %q", attr, v, want)
		}
	}
	if d.Find(`label[for="code"]`).Length() != 1 {
		t.Error("code input has no label")
	}

	r = e.post(c, "/acme/portal/authenticate", url.Values{"code": {strings.ToLower(e.code("ind@example.com"))}}).ExpectStatus(t, 303)
	if r.Location() != "/acme/portal/overview" {
		t.Fatalf("after authenticate: %q", r.Location())
	}
	r = c.Get("/acme/portal/overview").ExpectStatus(t, 200)
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("signed-in page Cache-Control %q", r.Header.Get("Cache-Control"))
	}
	d = doc(t, r)
	if d.Find(`[data-testid="sign-out"]`).Length() != 1 || !strings.Contains(d.Find(`.who`).Text(), "ind@example.com") {
		t.Fatalf("not signed in: %s", d.Find("body").Text())
	}
	if d.Find(`[data-testid="nav-billing"]`).Length() != 1 || d.Find(`[data-testid="nav-team"]`).Length() != 0 {
		t.Error("customer nav: billing shown, team hidden")
	}
	if cur, _ := d.Find(`[data-testid="nav-overview"]`).Attr("aria-current"); cur != "page" {
		t.Error("overview nav lacks aria-current")
	}
	if n := e.s.Count(`SELECT count(*) FROM browser_sessions WHERE customer_id = $1 AND member_id IS NULL AND revoked_at IS NULL`, e.cust); n != 1 {
		t.Fatalf("%d live browser sessions", n)
	}
	// The request is over: the code page sends the browser back to sign in... as
	// it is signed in now, to the overview.
	if r := c.Get("/acme/portal/authenticate"); r.Status != 303 || r.Location() != "/acme/portal/overview" {
		t.Errorf("authenticate after sign-in: %d %q", r.Status, r.Location())
	}
}

// TestSignInThroughFormsMemberModeWithPicker: an address that is a member
// of two customers gets the account picker; the chosen one signs in as a
// member session with its current role.
func TestSignInThroughFormsMemberModeWithPicker(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	other := e.customerIn(e.teams, "second@example.com", "team", "")
	e.memberOf(other, "owner@example.com", "member")
	c := e.client()

	d := doc(t, e.post(c, "/teams/portal/request", url.Values{"email": {"owner@example.com"}}).ExpectStatus(t, 200))
	choices := d.Find(`[data-testid="account-choice"]`)
	if choices.Length() != 2 || d.Find("h1").Text() != "Select an account" {
		t.Fatalf("picker: %s", d.Text())
	}
	if !strings.Contains(choices.Text(), "Unnamed account") {
		t.Errorf("nameless customer not labelled: %q", choices.Text())
	}
	if href, _ := d.Find(`[data-testid="picker-back"]`).Attr("href"); href != "/teams/portal/request?email=owner%40example.com" {
		t.Errorf("back link %q", href)
	}
	r := e.post(c, "/teams/portal/request", url.Values{"email": {"owner@example.com"}, "customer_id": {e.team.String()}}).ExpectStatus(t, 303)
	if r.Location() != "/teams/portal/authenticate" {
		t.Fatalf("after picker: %q", r.Location())
	}
	e.post(c, "/teams/portal/authenticate", url.Values{"code": {e.code("owner@example.com")}}).ExpectStatus(t, 303)
	d = doc(t, c.Get("/teams/portal/overview").ExpectStatus(t, 200))
	if d.Find(`[data-testid="nav-team"]`).Length() != 1 {
		t.Fatalf("owner of a team should see Team: %s", d.Find("nav").Text())
	}
	if n := e.s.Count(`SELECT count(*) FROM browser_sessions WHERE member_id = $1 AND revoked_at IS NULL`, e.owner); n != 1 {
		t.Fatalf("%d member browser sessions", n)
	}
	// The role is read fresh on every request.
	e.s.Exec(`UPDATE members SET role = 'member' WHERE id = $1`, e.owner)
	e.s.Exec(`UPDATE members SET role = 'owner' WHERE id = $1`, e.plain)
	d = doc(t, c.Get("/teams/portal/overview").ExpectStatus(t, 200))
	if d.Find(`[data-testid="nav-team"]`).Length() != 0 || d.Find(`[data-testid="nav-billing"]`).Length() != 0 {
		t.Fatal("demoted member still sees Team/Billing")
	}
	// Removing the member ends the session (D10).
	e.s.Exec(`UPDATE members SET deleted_at = now() WHERE id = $1`, e.owner)
	if r := c.Get("/teams/portal/overview"); r.Status != 303 || r.Location() != "/teams/portal/request" {
		t.Fatalf("removed member: %d %q", r.Status, r.Location())
	}
}

// TestSignInErrors: a malformed address is 422 with an inline alert; a
// wrong code is inline; five wrong codes end the request; no request in the
// cookie sends the code page back to the email form.
func TestSignInErrors(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()

	if r := c.Get("/acme/portal/authenticate"); r.Status != 303 || r.Location() != "/acme/portal/request" {
		t.Fatalf("authenticate without a request: %d %q", r.Status, r.Location())
	}
	d := doc(t, e.post(c, "/acme/portal/request", url.Values{"email": {"not-an-email"}}).ExpectStatus(t, 422))
	if d.Find(`[data-testid="email-error"][role="alert"]`).Length() != 1 {
		t.Fatalf("no inline error: %s", d.Text())
	}
	if v, _ := d.Find(`input[name="email"]`).Attr("aria-invalid"); v != "true" {
		t.Error("field not marked invalid")
	}

	// An unknown address goes on to the code page like a known one (G1).
	e.post(c, "/acme/portal/request", url.Values{"email": {"nobody@example.com"}}).ExpectStatus(t, 303)
	d = doc(t, c.Get("/acme/portal/authenticate").ExpectStatus(t, 200))
	if !strings.Contains(text(d, `[data-testid="sent-to"]`), "nobody@example.com") {
		t.Fatal("unknown address page differs")
	}
	if _, disabled := d.Find(`[data-testid="resend"]`).Attr("disabled"); !disabled {
		t.Error("resend offered before the cooldown")
	}
	for i := 0; i < 4; i++ {
		d = doc(t, e.post(c, "/acme/portal/authenticate", url.Values{"code": {"AAAA-AAAA"}}).ExpectStatus(t, 422))
		if got := text(d, `[data-testid="code-error"]`); got != "This code is invalid or has expired." {
			t.Fatalf("wrong code %d: %q", i, got)
		}
	}
	d = doc(t, e.post(c, "/acme/portal/authenticate", url.Values{"code": {"AAAA-AAAA"}}).ExpectStatus(t, 422))
	if got := text(d, `[data-testid="code-error"]`); !strings.HasPrefix(got, "Too many wrong codes. Request a new code.") {
		t.Fatalf("after 5 wrong codes: %q", got)
	}
	if href, _ := d.Find(`[data-testid="request-new"]`).Attr("href"); !strings.HasPrefix(href, "/acme/portal/request") {
		t.Errorf("request-new link %q", href)
	}
}

// TestResendCooldown: a resend within 30 seconds is refused on the page; an
// older request may resend, and gets a new code for the same request.
func TestResendCooldown(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	c := e.client()
	e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, 303)
	first := e.code("ind@example.com")
	d := doc(t, e.post(c, "/acme/portal/authenticate/resend", nil).ExpectStatus(t, 429))
	if !strings.Contains(text(d, `[data-testid="form-message"]`), "Please wait") {
		t.Fatalf("cooldown message: %s", d.Text())
	}
	e.ageCookieSentAt(c)
	r := e.post(c, "/acme/portal/authenticate/resend", nil).ExpectStatus(t, 303)
	if r.Location() != "/acme/portal/authenticate" {
		t.Fatalf("resend → %q", r.Location())
	}
	second := e.code("ind@example.com")
	if first == second {
		t.Fatal("resend mailed the same code")
	}
	d = doc(t, c.Get("/acme/portal/authenticate").ExpectStatus(t, 200))
	if text(d, `[data-testid="flash"]`) != "We sent you a new code." {
		t.Errorf("flash %q", text(d, `[data-testid="flash"]`))
	}
	// The earlier code still works (D18).
	e.post(c, "/acme/portal/authenticate", url.Values{"code": {first}}).ExpectStatus(t, 303)
}

// TestHTMXForms: htmx posts get the card fragment on 422 and HX-Redirect
// on success.
func TestHTMXForms(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()
	c.Get("/acme/portal/request")
	tok := c.Cookie("__Host-csrf").Value
	r := c.PostForm("/acme/portal/request", url.Values{"email": {"bad"}}, "HX-Request", "true", "X-CSRF-Token", tok).ExpectStatus(t, 422)
	if strings.Contains(r.Text(), "<html") || !strings.Contains(r.Text(), `id="signin-card"`) {
		t.Fatalf("htmx 422 should be the card fragment: %.300s", r.Text())
	}
	r = c.PostForm("/acme/portal/request", url.Values{"email": {"ind@example.com"}}, "HX-Request", "true", "X-CSRF-Token", tok).ExpectStatus(t, 200)
	if r.Header.Get("HX-Redirect") != "/acme/portal/authenticate" {
		t.Fatalf("HX-Redirect %q", r.Header.Get("HX-Redirect"))
	}
}

// TestUnknownWorkspaceIsFriendly404.
func TestUnknownWorkspaceIsFriendly404(t *testing.T) {
	e := newEnv(t, opt{})
	d := doc(t, e.client().Get("/nope/portal/request").ExpectStatus(t, 404))
	if d.Find(`[data-testid="error-page"]`).Length() != 1 || d.Find(`meta[name="robots"]`).Length() != 1 {
		t.Fatalf("404 page: %s", d.Text())
	}
}

// TestRequestRateLimitMessage: the 11th request from one address within
// 15 minutes shows the wait on the form (Rapidly showed nothing).
func TestRequestRateLimitMessage(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()
	for i := 0; i < 10; i++ {
		e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, 303)
	}
	r := e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, 429)
	d := doc(t, r)
	got := text(d, `[data-testid="form-message"]`)
	// Says when, as a time (issue 16.3; it was "Please try again in 15 minutes.").
	if !strings.HasPrefix(got, "Too many attempts. Try again at ") || !strings.HasSuffix(got, " minutes).") || r.Header.Get("Retry-After") == "" {
		t.Fatalf("429 message %q, Retry-After %q", got, r.Header.Get("Retry-After"))
	}
	if v, _ := d.Find(`input[name="email"]`).Attr("value"); v != "ind@example.com" {
		t.Error("email not kept on the form")
	}
}
