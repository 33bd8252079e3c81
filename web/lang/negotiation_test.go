// Package lang_test drives language and time-zone choice through the real
// router (issue 17): ?lang= and its cookie, Accept-Language, the
// workspace default, <html lang>, the footer switcher, and the browser's
// zone posted into the session.
package lang_test

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/config"
	"portal/internal/testkit"
	"portal/web/html"
	"portal/web/session"
	"portal/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

type env struct {
	pool    *pgxpool.Pool
	svc     *app.Services
	handler http.Handler
}

func newEnv(t *testing.T) *env {
	t.Helper()
	s := webtest.NewServer(t, webtest.Options{BaseURL: "http://portal.test", Config: func(c *config.Config) { c.Payments = "sandbox" }})
	testkit.Workspace(t, s.Pool, "acme")
	return &env{pool: s.Pool, svc: s.Services, handler: s.Handler}
}

func doc(t *testing.T, r *testkit.Response) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.Text()))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func htmlLang(t *testing.T, r *testkit.Response) string {
	t.Helper()
	lang, _ := doc(t, r).Find("html").Attr("lang")
	return lang
}

const page = "/acme/portal/request"

func TestLanguageNegotiation(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, query, accept, want, skip string
	}{
		{"no preference is English", "", "", "en", "Skip to content"},
		{"Accept-Language de-AT is German", "", "de-AT,de;q=0.9,en;q=0.5", "de", "Zum Inhalt springen"},
		{"weights decide", "", "en;q=0.2, ja;q=0.8, fr;q=0.5", "ja", "本文へスキップ"},
		{"pt is Brazilian Portuguese", "", "pt", "pt-BR", "Pular para o conteúdo"},
		{"es-MX is Spanish", "", "es-MX", "es", "Ir al contenido"},
		{"unsupported → workspace default (en)", "", "zh-CN,ko;q=0.9", "en", "Skip to content"},
		{"?lang beats the header", "?lang=fr", "de", "fr", "Aller au contenu"},
		{"unknown ?lang is ignored", "?lang=tlh", "es", "es", "Ir al contenido"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := testkit.NewClient(t, e.handler)
			var h []string
			if tc.accept != "" {
				h = []string{"Accept-Language", tc.accept}
			}
			r := c.Get(page+tc.query, h...).ExpectStatus(t, http.StatusOK)
			if got := htmlLang(t, r); got != tc.want {
				t.Errorf("<html lang> = %q, want %q", got, tc.want)
			}
			if got := doc(t, r).Find("a.skip-link").Text(); got != tc.skip {
				t.Errorf("skip link = %q, want %q", got, tc.skip)
			}
		})
	}
}

func TestLangCookieSticks(t *testing.T) {
	e := newEnv(t)
	c := testkit.NewClient(t, e.handler)
	r := c.Get(page+"?lang=ja", "Accept-Language", "de").ExpectStatus(t, http.StatusOK)
	if ck := r.Cookie(html.LangCookie); ck == nil || ck.Value != "ja" || !ck.HttpOnly {
		t.Fatalf("?lang=ja set cookie %+v", ck)
	}
	// Later pages, without ?lang, keep Japanese whatever the header says.
	r = c.Get("/acme/portal/request", "Accept-Language", "de").ExpectStatus(t, http.StatusOK)
	if got := htmlLang(t, r); got != "ja" {
		t.Errorf("after ?lang=ja: lang %q", got)
	}
	// Switching again replaces it.
	c.Get(page+"?lang=pt-br").ExpectStatus(t, http.StatusOK)
	if got := htmlLang(t, c.Get(page)); got != "pt-BR" {
		t.Errorf("after ?lang=pt-br: lang %q", got)
	}
}

// TestLanguageSwitcher: the footer lists every language in its own name as
// plain links to this page with ?lang=, the current one marked.
func TestLanguageSwitcher(t *testing.T) {
	e := newEnv(t)
	c := testkit.NewClient(t, e.handler)
	d := doc(t, c.Get(page, "Accept-Language", "de").ExpectStatus(t, http.StatusOK))
	links := d.Find(`footer [data-testid="lang-switch"] a`)
	want := map[string]string{"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "pt-BR": "Português (Brasil)", "ja": "日本語"}
	if links.Length() != len(want) {
		t.Fatalf("%d switcher links", links.Length())
	}
	links.Each(func(_ int, s *goquery.Selection) {
		lang, _ := s.Attr("lang")
		href, _ := s.Attr("href")
		if s.Text() != want[lang] {
			t.Errorf("%s link says %q", lang, s.Text())
		}
		if href != page+"?lang="+url.QueryEscape(lang) {
			t.Errorf("%s link goes to %q", lang, href)
		}
		_, cur := s.Attr("aria-current")
		if cur != (lang == "de") {
			t.Errorf("%s aria-current = %v", lang, cur)
		}
	})
}

// TestTimeZonePost: until the browser posts its zone the page asks for it
// (data-tz-url); the post needs the CSRF token, refuses unknown zones, and
// afterwards the page no longer asks.
func TestTimeZonePost(t *testing.T) {
	e := newEnv(t)
	c := testkit.NewClient(t, e.handler)
	d := doc(t, c.Get(page).ExpectStatus(t, http.StatusOK))
	tzURL, ok := d.Find("html").Attr("data-tz-url")
	if !ok || tzURL != "/acme/portal/timezone" {
		t.Fatalf("data-tz-url = %q, %v", tzURL, ok)
	}
	c.PostForm(tzURL, url.Values{"tz": {"Europe/Berlin"}}).ExpectStatus(t, http.StatusForbidden)
	webtest.PostForm(t, c, e.svc, tzURL, url.Values{"tz": {"Mars/Olympus_Mons"}}).ExpectStatus(t, http.StatusUnprocessableEntity)
	webtest.PostForm(t, c, e.svc, tzURL, url.Values{"tz": {"../../etc/passwd"}}).ExpectStatus(t, http.StatusUnprocessableEntity)
	webtest.PostForm(t, c, e.svc, tzURL, url.Values{"tz": {"Europe/Berlin"}}).ExpectStatus(t, http.StatusNoContent)
	if got := webtest.ReadCookie(c, e.svc).TimeZone; got != "Europe/Berlin" {
		t.Fatalf("session zone %q", got)
	}
	d = doc(t, c.Get(page).ExpectStatus(t, http.StatusOK))
	if _, ok := d.Find("html").Attr("data-tz-url"); ok {
		t.Error("page still asks for the zone")
	}
}

// The zone post must never rewrite the page cookie that holds the browser's
// sessions: its answer can arrive after a sign-in in another tab, and a
// cookie rebuilt from the state the post was sent with would undo that
// sign-in. The zone travels in a cookie of its own.
func TestTimeZonePostLeavesTheSessionCookieAlone(t *testing.T) {
	e := newEnv(t)
	c := testkit.NewClient(t, e.handler)
	c.Get(page).ExpectStatus(t, http.StatusOK)
	r := webtest.PostForm(t, c, e.svc, "/acme/portal/timezone", url.Values{"tz": {"Asia/Tokyo"}}).ExpectStatus(t, http.StatusNoContent)
	if ck := r.Cookie(webtest.Store(e.svc).Name()); ck != nil {
		t.Fatalf("the zone post rewrote the session cookie: %v", ck)
	}
	if ck := r.Cookie(session.ZoneCookie); ck == nil || ck.Value != "Asia/Tokyo" || !ck.HttpOnly {
		t.Fatalf("zone cookie %v", ck)
	}
	if got := webtest.ReadCookie(c, e.svc).TimeZone; got != "Asia/Tokyo" {
		t.Fatalf("zone read back %q", got)
	}
}
