package e2e

import (
	"strings"
	"testing"
)

// TestEveryPageInLanguages (issue 17) runs the page check of TestEveryPage
// (console, CSP, axe and no sideways scroll at 1280 and 375 px in light and
// dark) on the main pages in German, whose words are long, and Japanese,
// which needs the CJK font stack; `make screenshots` writes them as
// "<page>-de-…" and "<page>-ja-…". The language is chosen as a person would:
// with the footer's ?lang= link, kept in the cookie.
func TestEveryPageInLanguages(t *testing.T) {
	e := newDevEnv(t)
	for _, lang := range []string{"de", "ja"} {
		out := e.tab()
		out.open("/teamco/portal/request?lang=" + lang)
		if got := eval[string](out, `document.documentElement.lang`); got != lang {
			t.Fatalf("?lang=%s: <html lang=%q>", lang, got)
		}
		out.check("sign in " + lang)

		owner := e.tab()
		owner.open("/teamco/portal/request?lang=" + lang)
		owner.signInCookie(e.member("teamco", designTeam, "olivia@example.com"))
		for _, page := range []string{"overview", "billing", "team", "settings"} {
			owner.open("/teamco/portal/" + page)
			if got := owner.path(); got != "/teamco/portal/"+page {
				t.Fatalf("%s in %s: landed on %s, not the signed-in page", page, lang, got)
			}
			if got := eval[string](owner, `document.documentElement.lang`); got != lang {
				t.Errorf("%s in %s: <html lang=%q>", page, lang, got)
			}
			owner.check(page + " " + lang)
		}
		// The first session's page: amounts, dates and sizes in the language.
		owner.open("/teamco/portal/overview")
		if href := eval[string](owner, `(document.querySelector('[data-testid="session-link"]') || {}).getAttribute ? document.querySelector('[data-testid="session-link"]').getAttribute('href') : ''`); strings.HasPrefix(href, "/teamco/portal/sessions/") {
			owner.open(href)
			owner.check("session detail " + lang)
		}
	}
}
