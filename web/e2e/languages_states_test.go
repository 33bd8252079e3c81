package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"portal/internal/config"
)

// TestMoreStatesInLanguages (issue 17) runs the page check (console, CSP,
// axe, no sideways scroll at the sweep's widths in light and dark) in German
// and Japanese on the states TestEveryPageInLanguages does not reach: the
// account picker, the code page (as sent, after a wrong code, with the
// address's codes held back), the development mail page, a link's continue
// page (alone and switching accounts), the settings page with a passkey and
// two devices, the 3-D Secure sandbox page, and the sign-in form refusing
// with "Try again at …". What the page says is checked by the Go page test
// (web/lang TestMoreStatesTranslated); this checks that it fits and reads.
func TestMoreStatesInLanguages(t *testing.T) {
	// Development mode for /_dev/mail; localhost so that passkeys are on.
	var base string
	e := newEnvWith(t, func(cfg *config.Config, b string) {
		base = strings.Replace(b, "127.0.0.1", "localhost", 1)
		cfg.BaseURL, cfg.Env = base, "development"
	})
	e.base = base
	var teamco uuid.UUID
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM workspaces WHERE slug = 'teamco'`).Scan(&teamco); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"de", "ja"} {
		langIs := func(tb *tab, where string) {
			t.Helper()
			if got := eval[string](tb, `document.documentElement.lang`); got != lang {
				t.Errorf("%s: <html lang=%q>, want %s", where, got, lang)
			}
		}
		// The account picker, the code page and a wrong code.
		out := e.tab()
		out.open("/teamco/portal/request?lang=" + lang)
		out.run(chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), "pat@example.com"))
		out.run(chromedp.Click(chromedp.CSS(tid("request-submit"))), chromedp.WaitVisible(chromedp.CSS(tid("picker-form"))))
		langIs(out, "account picker")
		out.check("account picker " + lang)
		out.choose("Design Studio")
		out.run(chromedp.Click(chromedp.CSS(tid("picker-continue"))), chromedp.WaitVisible(chromedp.CSS(tid("code-form"))))
		out.check("enter code " + lang)
		// The resend countdown reads with single spaces as laid out (one
		// flex item in the button, not three with the gap between them).
		if label := eval[string](out, `document.querySelector('[data-testid="resend"]').innerText`); strings.Contains(label, "  ") ||
			!regexp.MustCompile(map[string]string{"de": `^Code erneut senden \(in \d+ s\)$`, "ja": `^コードを再送信（\d+ 秒後）$`}[lang]).MatchString(label) {
			t.Errorf("%s: resend label %q", lang, label)
		}
		if w := eval[int](out, `(() => { const b = document.querySelector('[data-testid="resend"]'); return [...b.children].length })()`); w != 1 {
			t.Errorf("%s: the resend button has %d flex items, want 1", lang, w)
		}
		out.allow("status of 422")
		out.run(chromedp.SendKeys(chromedp.CSS(tid("code")), "ZZZZ-ZZZZ"), chromedp.Click(chromedp.CSS(tid("code-submit"))))
		out.waitFor(`!!document.querySelector('[data-testid="code-error"]')`)
		out.check("wrong code " + lang)
		e.code("pat@example.com")
		out.open("/_dev/mail")
		if out.count(tid("dev-mail-row")) == 0 {
			t.Errorf("%s: the dev mail page lists no mail", lang)
		}
		langIs(out, "dev mail")
		out.check("dev mail " + lang)

		// Held: this address's codes for the quarter-hour are spent.
		held := "held-" + lang + "@example.com"
		for i := 0; i < 5; i++ {
			if _, err := e.svc.Limiter.AllowAddress(context.Background(), teamco.String(), held); err != nil {
				t.Fatal(err)
			}
		}
		h := e.tab()
		h.open("/teamco/portal/request?lang=" + lang)
		h.run(chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), held))
		h.run(chromedp.Click(chromedp.CSS(tid("request-submit"))), chromedp.WaitVisible(chromedp.CSS(tid("held-until"))))
		h.check("code held " + lang)

		// A link's continue page, alone and over another account.
		bob := e.customer("acme", "bob@example.com")
		link := strings.TrimPrefix(e.mintCustomerSession("acme", map[string]any{"customer_id": bob}).URL, e.base)
		linked := e.tab()
		linked.open("/acme/portal/request?lang=" + lang)
		linked.open(link)
		if p := linked.path(); p != "/acme/portal/continue" {
			t.Errorf("%s: a link went to %s, want the continue page", lang, p)
		}
		langIs(linked, "continue")
		linked.check("continue " + lang)
		alice := e.tab()
		alice.open("/acme/portal/request?lang=" + lang)
		alice.signInCookie(e.customer("acme", "alice@example.com"), uuid.Nil)
		alice.open(strings.TrimPrefix(e.mintCustomerSession("acme", map[string]any{"customer_id": bob}).URL, e.base))
		if alice.count(tid("continue-switch")) != 1 {
			t.Errorf("%s: another person's link does not say it switches accounts", lang)
		}
		alice.check("continue (switch accounts) " + lang)

		// Settings with a passkey (named in the language) and two devices.
		ivyC, ivyM := e.member("teamco", "ivy@example.com", "ivy@example.com")
		ivy := e.tab()
		ivy.authenticator()
		ivy.open("/teamco/portal/request?lang=" + lang)
		ivy.signInCookie(ivyC, ivyM)
		e.tab().signInCookie(ivyC, ivyM) // a second device
		ivy.open("/teamco/portal/settings")
		before := ivy.count(tid("passkey-row"))
		if !ivy.visibleWithin(tid("passkey-add"), 30*time.Second) {
			t.Fatalf("%s: no passkey button on the settings page (at %s; reverify form: %d, passkeys section: %d)", lang,
				ivy.location(), ivy.count(`[data-reverify="true"], form[data-passkey-add]`), ivy.count(tid("passkey-row"))+ivy.count(tid("passkey-add")))
		}
		ivy.clickNav(tid("passkey-add"))
		if n := ivy.count(tid("passkey-row")); n != before+1 {
			t.Fatalf("%s: passkeys after adding: %d, want %d (error: %q)", lang, n, before+1, ivy.textOf(tid("passkey-add-error")))
		}
		if ivy.count(tid("device-row")) < 2 {
			t.Errorf("%s: settings list %d devices, want 2", lang, ivy.count(tid("device-row")))
		}
		langIs(ivy, "settings")
		ivy.check("settings with a passkey and devices " + lang)

		// The 3-D Secure sandbox page.
		ivy.open("/teamco/portal/billing")
		ivy.run(chromedp.SendKeys(chromedp.CSS(tid("card-number")), "4000 0027 6000 3184"),
			chromedp.SendKeys(chromedp.CSS(tid("card-expiry-input")), "12/34"),
			chromedp.SendKeys(chromedp.CSS(tid("card-cvc")), "123"))
		ivy.clickNav(tid("add-card"))
		if p := ivy.path(); !strings.HasPrefix(p, "/sandbox/3ds/") {
			t.Fatalf("%s: a 3-D Secure card went to %s, want the sandbox challenge", lang, p)
		}
		langIs(ivy, "3-D Secure")
		ivy.check("3-D Secure " + lang)

		// Too many sign-in requests from this address: "Try again at …".
		// Every per-IP bucket is spent (development allows 10× as many),
		// then emptied for what follows.
		e.s.Exec(`UPDATE rate_limit_buckets SET count = 10000 WHERE bucket <> 'portal_address'`)
		lim := e.tab()
		lim.open("/acme/portal/request?lang=" + lang)
		lim.allow("status of 429")
		lim.run(chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), "alice@example.com"),
			chromedp.Click(chromedp.CSS(tid("request-submit"))), chromedp.WaitVisible(chromedp.CSS(tid("retry-at"))))
		lim.check("sign in (try again at) " + lang)
		e.s.Exec(`DELETE FROM rate_limit_buckets`)
	}
}

// visibleWithin reports whether sel becomes visible within d (instead of
// waiting for the tab's own deadline, so a failure says where it was).
func (tb *tab) visibleWithin(sel string, d time.Duration) bool {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, d)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.WaitVisible(chromedp.CSS(sel)))
	return err == nil
}
