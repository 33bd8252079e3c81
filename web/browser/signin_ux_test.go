package browser_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"portal/web/webtest"
)

// TestCodePageShowsTypedAddressAndKeepsCode (issue 16.5): the code page
// shows the address exactly as typed (not masked) with "Use a different
// email" leading back to the email form with it filled in; a wrong code
// comes back in the field beside its error, so the person sees what they
// typed.
func TestCodePageShowsTypedAddressAndKeepsCode(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()
	e.post(c, "/acme/portal/request", url.Values{"email": {"Ind@Example.com"}}).ExpectStatus(t, 303)
	d := doc(t, c.Get("/acme/portal/authenticate").ExpectStatus(t, 200))
	if got := text(d, `[data-testid="sent-to"] strong`); got != "Ind@example.com" {
		t.Errorf("sent-to shows %q, want the typed address", got)
	}
	if strings.Contains(d.Text(), "***") {
		t.Error("the code page still masks the address")
	}
	link := d.Find(`[data-testid="use-other-email"]`)
	if strings.TrimSpace(link.Text()) != "Use a different email" {
		t.Errorf("link text %q", link.Text())
	}
	href, _ := link.Attr("href")
	if href != "/acme/portal/request?email=Ind%40example.com" {
		t.Errorf("use-other-email href %q", href)
	}
	d = doc(t, c.Get(href).ExpectStatus(t, 200))
	if v, _ := d.Find(`input[name="email"]`).Attr("value"); v != "Ind@example.com" {
		t.Errorf("email form not filled with the typed address: %q", v)
	}

	d = doc(t, e.post(c, "/acme/portal/authenticate", url.Values{"code": {"abcd-efgh"}}).ExpectStatus(t, 422))
	if got := text(d, `[data-testid="code-error"]`); got != "This code is invalid or has expired." {
		t.Fatalf("error %q", got)
	}
	if v, _ := d.Find(`input[name="code"]`).Attr("value"); v != "abcd-efgh" {
		t.Errorf("wrong code not kept in the field: %q", v)
	}
	// The card swapped in after a wrong code renders the resend countdown
	// itself (issue 16.1): seconds left on the live button.
	b := d.Find(`[data-testid="resend"]`)
	if _, off := b.Attr("disabled"); !off {
		t.Error("resend enabled inside the cooldown")
	}
	if v, _ := b.Attr("data-cooldown"); v == "" || v == "0" || text(d, `[data-testid="resend"] .cooldown-left`) != v {
		t.Errorf("resend button without its seconds left: data-cooldown=%q text=%q", v, b.Text())
	}
}

// TestNextThroughSignIn (issue 16.4): a signed-out visit to /billing goes
// to sign-in with next, the email form carries it, and the code lands on
// /billing, not the overview.
func TestNextThroughSignIn(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	c := e.client()
	r := c.Get("/acme/portal/settings?tab=profile").ExpectStatus(t, 303)
	if r.Location() != "/acme/portal/request?next=%2Facme%2Fportal%2Fsettings%3Ftab%3Dprofile" {
		t.Fatalf("signed out: %q", r.Location())
	}
	d := doc(t, c.Get(r.Location()).ExpectStatus(t, 200))
	if v, _ := d.Find(`[data-testid="request-form"] input[name="next"]`).Attr("value"); v != "/acme/portal/settings?tab=profile" {
		t.Fatalf("email form next %q", v)
	}
	e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}, "next": {"/acme/portal/settings?tab=profile"}}).ExpectStatus(t, 303)
	r = e.post(c, "/acme/portal/authenticate", url.Values{"code": {e.code("ind@example.com")}}).ExpectStatus(t, 303)
	if r.Location() != "/acme/portal/settings?tab=profile" {
		t.Fatalf("after the code: %q, want the page the visit started on", r.Location())
	}
	// Signed in, a sign-in link with next goes straight there.
	if r := c.Get("/acme/portal/request?next=%2Facme%2Fportal%2Fsettings"); r.Status != 303 || r.Location() != "/acme/portal/settings" {
		t.Errorf("signed in with next: %d %q", r.Status, r.Location())
	}
}

// TestNextRefusesOpenRedirects (issue 16.4): whatever arrives as next, in
// the query or the form, sign-in never leaves the workspace's portal.
func TestNextRefusesOpenRedirects(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	for _, evil := range []string{"//evil.example/x", "/\\evil.example/x", "https://evil.example/", "http:evil.example",
		"/teams/portal/overview", "/acme/portal/../../evil", "javascript:alert(1)", "/acme/portal/%2F%2Fevil.example"} {
		c := e.client()
		d := doc(t, c.Get("/acme/portal/request?next="+url.QueryEscape(evil)).ExpectStatus(t, 200))
		if d.Find(`input[name="next"]`).Length() != 0 {
			t.Errorf("next %q kept on the form", evil)
		}
		e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}, "next": {evil}}).ExpectStatus(t, 303)
		r := e.post(c, "/acme/portal/authenticate", url.Values{"code": {e.code("ind@example.com")}}).ExpectStatus(t, 303)
		if r.Location() != "/acme/portal/overview" {
			t.Errorf("next %q: after sign-in at %q", evil, r.Location())
		}
		e.s.Exec(`DELETE FROM rate_limit_buckets`)
	}
}

// TestSessionEndedSaysSoAndReturns (issue 16.4): a session that ended while
// a page was open sends the browser to sign in with "Your session ended —
// sign in to continue" and the page to come back to; for htmx the
// HX-Redirect carries the page htmx reports.
func TestSessionEndedSaysSoAndReturns(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()
	sid := webtest.SignIn(t, c, e.svc, e.cust, uuid.Nil)
	c.Get("/acme/portal/settings").ExpectStatus(t, 200)
	e.s.Exec(`UPDATE browser_sessions SET idle_expires_at = now() - interval '1 second' WHERE id = $1`, sid)
	r := c.Get("/acme/portal/settings").ExpectStatus(t, 303)
	if r.Location() != "/acme/portal/request?next=%2Facme%2Fportal%2Fsettings" {
		t.Fatalf("ended session: %q", r.Location())
	}
	d := doc(t, c.Get(r.Location()).ExpectStatus(t, 200))
	if got := text(d, `[data-testid="flash"]`); got != "Your session ended — sign in to continue." {
		t.Errorf("flash %q", got)
	}
	if v, _ := d.Find(`input[name="next"]`).Attr("value"); v != "/acme/portal/settings" {
		t.Errorf("next on the form %q", v)
	}
	// Signing out is not a session that ended: no such message.
	c2 := e.client()
	webtest.SignIn(t, c2, e.svc, e.cust, uuid.Nil)
	e.post(c2, "/acme/portal/sign-out", nil).ExpectStatus(t, 303)
	c2.Get("/acme/portal/request")
	r = c2.Get("/acme/portal/billing").ExpectStatus(t, 303)
	if d := doc(t, c2.Get(r.Location()).ExpectStatus(t, 200)); strings.Contains(d.Text(), "session ended") {
		t.Error("a signed-out browser is told its session ended")
	}

	// htmx: the page it was on, from HX-Current-URL.
	c3 := e.client()
	sid = webtest.SignIn(t, c3, e.svc, e.cust, uuid.Nil)
	e.s.Exec(`UPDATE browser_sessions SET idle_expires_at = now() - interval '1 second' WHERE id = $1`, sid)
	r = c3.Get("/acme/portal/billing", "HX-Request", "true", "HX-Current-URL", e.base+"/acme/portal/billing")
	if got := r.Header.Get("HX-Redirect"); got != "/acme/portal/request?next=%2Facme%2Fportal%2Fbilling" {
		t.Fatalf("htmx HX-Redirect %q (status %d)", got, r.Status)
	}
	// …and never a page of another origin that a header names.
	c4 := e.client()
	sid = webtest.SignIn(t, c4, e.svc, e.cust, uuid.Nil)
	e.s.Exec(`UPDATE browser_sessions SET idle_expires_at = now() - interval '1 second' WHERE id = $1`, sid)
	r = c4.Get("/acme/portal/billing", "HX-Request", "true", "HX-Current-URL", "https://evil.example//evil.example/x")
	if got := r.Header.Get("HX-Redirect"); got != "/acme/portal/request" {
		t.Fatalf("htmx with a foreign current URL: HX-Redirect %q", got)
	}
}

// TestRateLimitSaysWhen (issue 16.3): the refused form says when the next
// attempt is accepted, as a <time datetime> matching Retry-After, and the
// refusals do not move that time.
func TestRateLimitSaysWhen(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()
	for i := 0; i < 10; i++ {
		e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, 303)
	}
	var first time.Time
	for i := 0; i < 3; i++ {
		r := e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, 429)
		d := doc(t, r)
		got := text(d, `[data-testid="form-message"]`)
		if !strings.HasPrefix(got, "Too many attempts. Try again at ") || !strings.HasSuffix(got, " (in 15 minutes).") {
			t.Fatalf("429 message %q", got)
		}
		dt, _ := d.Find(`[data-testid="form-message"] time[data-testid="retry-at"]`).Attr("datetime")
		at, err := time.Parse(time.RFC3339, dt)
		if err != nil {
			t.Fatalf("no <time datetime> in the message: %q", dt)
		}
		ra, _ := strconv.Atoi(r.Header.Get("Retry-After"))
		if d := time.Until(at) - time.Duration(ra)*time.Second; d < -2*time.Second || d > 2*time.Second {
			t.Errorf("the page says %s, Retry-After %ds", dt, ra)
		}
		if i == 0 {
			first = at
		} else if at.After(first.Add(time.Second)) {
			t.Errorf("refusal %d moved the time from %s to %s", i+1, first, at)
		}
	}
}

// TestHeldCodeSameWordsKnownOrUnknown (issue 16.3): the sixth code for an
// address within 15 minutes is not mailed, and the code page says so with
// the same words (and the same time) whether or not the address has an
// account, instead of claiming a code was sent.
func TestHeldCodeSameWordsKnownOrUnknown(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	page := func(email string) (string, *goquery.Document) {
		for i := 0; i < 5; i++ { // this address's budget, spent elsewhere
			if _, err := e.svc.Limiter.AllowAddress(t.Context(), e.legacy.String(), email); err != nil {
				t.Fatal(err)
			}
		}
		e.s.Exec(`UPDATE rate_limit_buckets SET expires_at = date_trunc('minute', now()) + interval '10 minutes 30 seconds' WHERE bucket = 'portal_address'`)
		c := e.client()
		e.post(c, "/acme/portal/request", url.Values{"email": {email}}).ExpectStatus(t, 303)
		d := doc(t, c.Get("/acme/portal/authenticate").ExpectStatus(t, 200))
		return strings.ReplaceAll(text(d, `[data-testid="sent-to"]`), email, "<email>"), d
	}
	known, dk := page("ind@example.com")
	unknown, du := page("nobody@example.com")
	want := "If this address (<email>) has an account, a code is on its way. If nothing arrives, wait until "
	if !strings.HasPrefix(known, want) || !strings.HasSuffix(known, " and try again.") {
		t.Fatalf("held page says %q", known)
	}
	if known != unknown {
		t.Errorf("known and unknown addresses differ:\n%q\n%q", known, unknown)
	}
	tk, _ := dk.Find(`[data-testid="sent-to"] time`).Attr("datetime")
	tu, _ := du.Find(`[data-testid="sent-to"] time`).Attr("datetime")
	ak, err1 := time.Parse(time.RFC3339, tk)
	au, err2 := time.Parse(time.RFC3339, tu)
	if err1 != nil || err2 != nil || ak.Sub(au).Abs() > 2*time.Second {
		t.Errorf("held until %q (known) and %q (unknown)", tk, tu)
	}
	if _, off := dk.Find(`[data-testid="resend"]`).Attr("disabled"); !off {
		t.Error("resend offered while the address is held")
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(e.sink.Messages()); n != 0 {
		t.Errorf("%d mails sent over the address cap", n)
	}
}

var linkRE = regexp.MustCompile(`https://portal\.example\.test/acme/portal/authenticate\?email=\S+`)

// TestMailLinkWorksInAnyBrowser (issue 16.2): the email's link carries the
// address (never the code); opened in a browser that never asked for the
// code (no cookies: a phone, a mail app) it shows the code form for that
// address, and the mailed code signs in there. The code is bound to the
// address: another address's code is refused. The browser that asked keeps
// today's flow.
func TestMailLinkWorksInAnyBrowser(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	asker := e.client()
	e.post(asker, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, 303)
	m := e.sink.WaitFor(t, "ind@example.com", 15*time.Second)
	code := codeRE.FindString(m.Text)
	link := linkRE.FindString(m.Text)
	if link != "https://portal.example.test/acme/portal/authenticate?email=ind%40example.com" {
		t.Fatalf("link in the mail %q", link)
	}
	if strings.Contains(link, code) || strings.Contains(link, strings.ReplaceAll(code, "-", "")) {
		t.Fatal("the link carries the code")
	}
	path := strings.TrimPrefix(link, "https://portal.example.test")

	// The asking browser: the same page as before.
	d := doc(t, asker.Get(path).ExpectStatus(t, 200))
	if d.Find(`[data-testid="bound-email"]`).Length() != 0 || d.Find(`[data-testid="resend-form"]`).Length() != 1 {
		t.Error("the browser that asked does not get its usual code page")
	}

	// Another browser, no cookies at all.
	phone := e.client()
	d = doc(t, phone.Get(path).ExpectStatus(t, 200))
	if v, _ := d.Find(`[data-testid="code-form"] input[name="email"]`).Attr("value"); v != "ind@example.com" {
		t.Fatalf("code form not bound to the address: %q\n%s", v, d.Find("main").Text())
	}
	if got := text(d, `[data-testid="sent-to"] strong`); got != "ind@example.com" {
		t.Errorf("sent-to %q", got)
	}
	if href, _ := d.Find(`[data-testid="request-new"]`).Attr("href"); href != "/acme/portal/request?email=ind%40example.com" {
		t.Errorf("send a new code link %q", href)
	}
	// Another address's code is refused, and the typed code stays.
	e.customerIn(e.legacy, "other@example.com", "individual", "")
	e.post(e.client(), "/acme/portal/request", url.Values{"email": {"other@example.com"}}).ExpectStatus(t, 303)
	otherCode := e.code("other@example.com")
	d = doc(t, e.post(phone, "/acme/portal/authenticate", url.Values{"email": {"ind@example.com"}, "code": {otherCode}}).ExpectStatus(t, 422))
	if got := text(d, `[data-testid="code-error"]`); got != "This code is invalid or has expired." {
		t.Errorf("another address's code: %q", got)
	}
	if v, _ := d.Find(`input[name="code"]`).Attr("value"); v != otherCode {
		t.Errorf("typed code not kept: %q", v)
	}
	r := e.post(phone, "/acme/portal/authenticate", url.Values{"email": {"ind@example.com"}, "code": {code}}).ExpectStatus(t, 303)
	if r.Location() != "/acme/portal/overview" {
		t.Fatalf("after the code: %q", r.Location())
	}
	d = doc(t, phone.Get("/acme/portal/overview").ExpectStatus(t, 200))
	if !strings.Contains(d.Find(`.who`).Text(), "ind@example.com") {
		t.Fatal("the phone is not signed in")
	}
	// The code was single use: the asking browser cannot use it again.
	e.post(asker, "/acme/portal/authenticate", url.Values{"code": {code}}).ExpectStatus(t, 422)
	// A code of another workspace is not accepted here either.
	e.customerIn(e.teams, "ind@example.com", "individual", "")
	e.post(e.client(), "/teams/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, 303)
	teamsCode := e.code("ind@example.com")
	e.post(e.client(), "/acme/portal/authenticate", url.Values{"email": {"ind@example.com"}, "code": {teamsCode}}).ExpectStatus(t, 422)
}

// TestLayoutNamesAccountAndOffersSwitch (issue 16.6): after the account
// picker the layout names the account and the person ("Second Team · Pat
// Owner") and offers "Switch account", which leads back to the picker and
// on to the other account; an address with one account gets no switch.
func TestLayoutNamesAccountAndOffersSwitch(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	e.s.Exec(`UPDATE customers SET name = 'Design Studio' WHERE id = $1`, e.team)
	e.s.Exec(`UPDATE members SET name = 'Pat Shared' WHERE id = $1`, e.owner)
	other := e.customerIn(e.teams, "second@example.com", "team", "Second Team")
	e.memberOf(other, "owner@example.com", "member")
	e.s.Exec(`UPDATE members SET name = 'Pat Shared' WHERE customer_id = $1`, other)
	c := e.client()

	e.post(c, "/teams/portal/request", url.Values{"email": {"owner@example.com"}}).ExpectStatus(t, 200)
	e.post(c, "/teams/portal/request", url.Values{"email": {"owner@example.com"}, "customer_id": {e.team.String()}}).ExpectStatus(t, 303)
	e.post(c, "/teams/portal/authenticate", url.Values{"code": {e.code("owner@example.com")}}).ExpectStatus(t, 303)
	d := doc(t, c.Get("/teams/portal/overview").ExpectStatus(t, 200))
	if got := text(d, `[data-testid="who"]`); got != "Design Studio · Pat Shared" {
		t.Errorf("layout names %q", got)
	}
	sw := d.Find(`[data-testid="switch-account"]`)
	if strings.TrimSpace(sw.Text()) != "Switch account" {
		t.Fatalf("no Switch account: %s", d.Find("nav").Text())
	}
	form := sw.Closest("form")
	if a, _ := form.Attr("action"); a != "/teams/portal/request" {
		t.Errorf("switch form action %q", a)
	}
	if v, _ := form.Find(`input[name="email"]`).Attr("value"); v != "owner@example.com" {
		t.Errorf("switch form email %q", v)
	}
	// Switching: the picker, the other account, its code, its layout.
	d = doc(t, e.post(c, "/teams/portal/request", url.Values{"email": {"owner@example.com"}}).ExpectStatus(t, 200))
	if d.Find(`[data-testid="account-choice"]`).Length() != 2 {
		t.Fatalf("switch did not show the picker: %s", d.Find("main").Text())
	}
	e.post(c, "/teams/portal/request", url.Values{"email": {"owner@example.com"}, "customer_id": {other.String()}}).ExpectStatus(t, 303)
	c.Get("/teams/portal/authenticate").ExpectStatus(t, 200)
	e.post(c, "/teams/portal/authenticate", url.Values{"code": {e.code("owner@example.com")}}).ExpectStatus(t, 303)
	d = doc(t, c.Get("/teams/portal/overview").ExpectStatus(t, 200))
	if got := text(d, `[data-testid="who"]`); got != "Second Team · Pat Shared" {
		t.Errorf("after the switch the layout names %q", got)
	}

	// One account: named, no switch.
	c2 := e.client()
	e.post(c2, "/teams/portal/request", url.Values{"email": {"plain@example.com"}}).ExpectStatus(t, 303)
	e.post(c2, "/teams/portal/authenticate", url.Values{"code": {e.code("plain@example.com")}}).ExpectStatus(t, 303)
	d = doc(t, c2.Get("/teams/portal/overview").ExpectStatus(t, 200))
	if d.Find(`[data-testid="switch-account"]`).Length() != 0 {
		t.Error("Switch account offered to an address with one account")
	}
	if got := text(d, `[data-testid="who"]`); !strings.HasPrefix(got, "Design Studio") {
		t.Errorf("member of one account: layout names %q", got)
	}
}

// TestResendLabelSpacing: the resend countdown reads "Resend code (in 60 s)"
// with single spaces in every language: the sentence is one flex item of
// the button (one wrapping span), so the button's gap never adds a second
// space around the seconds.
func TestResendLabelSpacing(t *testing.T) {
	e := newEnv(t, opt{})
	c := e.client()
	e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, 303)
	for lang, want := range map[string]*regexp.Regexp{
		"en": regexp.MustCompile(`^Resend code \(in \d+ s\)$`),
		"de": regexp.MustCompile(`^Code erneut senden \(in \d+ s\)$`),
		"ja": regexp.MustCompile(`^コードを再送信（\d+ 秒後）$`),
	} {
		d := doc(t, c.Get("/acme/portal/authenticate?lang="+lang).ExpectStatus(t, 200))
		b := d.Find(`[data-testid="resend"]`)
		if got := b.Text(); !want.MatchString(got) || strings.Contains(got, "  ") {
			t.Errorf("%s: resend label %q", lang, got)
		}
		if b.Children().Length() != 1 || strings.TrimSpace(b.Children().First().Text()) != b.Text() {
			t.Errorf("%s: the label is not one flex item of the button: %d children", lang, b.Children().Length())
		}
	}
}
