package lang_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"
	"golang.org/x/net/html"

	"portal/internal/i18n"
	"portal/internal/testkit"
	"portal/web/webtest"
)

var placeholderRE = regexp.MustCompile(`{{\s*\.\w+\s*}}`)

// englishFragments are the English catalog's texts cut at their
// placeholders, keeping the pieces that are words a reader would notice
// (a space inside, or six letters or more) and that lang's own catalog
// does not also use (German says "Team" and "Support" too).
func englishFragments(lang string) []string {
	own := strings.Builder{}
	for _, texts := range i18n.Texts(lang) {
		for _, s := range texts {
			own.WriteString(placeholderRE.ReplaceAllString(s, "\x00"))
			own.WriteByte('\x00')
		}
	}
	var out []string
	for _, texts := range i18n.Texts(i18n.Default) {
		for _, s := range texts {
			for _, frag := range placeholderRE.Split(s, -1) {
				frag = strings.Trim(frag, " .,:;·←?!()")
				if len([]rune(frag)) < 6 && !strings.Contains(frag, " ") {
					continue
				}
				if strings.Contains(own.String(), frag) || slices.Contains(out, frag) {
					continue
				}
				out = append(out, frag)
			}
		}
	}
	return out
}

// visibleText is what a reader meets on the page: text nodes outside
// scripts and styles, plus the attributes people read (labels, titles,
// placeholders, alt text, button values).
func visibleText(d *goquery.Document) string {
	var b strings.Builder
	d.Find("script, style, noscript").Remove()
	b.WriteString(d.Find("title").Text())
	b.WriteByte('\n')
	// Each text node on its own line: run together ("springenSent mail")
	// an English sentence would not stand as a word and go unnoticed.
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte('\n')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range d.Find("body").Nodes {
		walk(n)
	}
	d.Find("[aria-label], [title], [placeholder], [alt], input[type=submit][value], [data-confirm]").Each(func(_ int, s *goquery.Selection) {
		for _, a := range []string{"aria-label", "title", "placeholder", "alt", "value", "data-confirm"} {
			if v, ok := s.Attr(a); ok {
				b.WriteString("\n" + v)
			}
		}
	})
	return b.String()
}

// assertNoEnglish fails when a page in lang shows an English catalog
// sentence.
func assertNoEnglish(t *testing.T, lang, page string, r *testkit.Response) {
	t.Helper()
	d := doc(t, r)
	if got, _ := d.Find("html").Attr("lang"); got != lang {
		t.Errorf("%s in %s: <html lang=%q>", page, lang, got)
	}
	text := visibleText(d)
	for _, frag := range englishFragments(lang) {
		if i := strings.Index(text, frag); i >= 0 && wordAt(text, i, len(frag)) {
			t.Errorf("%s in %s shows English %q", page, lang, frag)
		}
	}
}

func wordAt(s string, i, n int) bool {
	isLetter := func(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
	return (i == 0 || !isLetter(s[i-1])) && (i+n >= len(s) || !isLetter(s[i+n]))
}

// TestSignInPagesTranslated: the sign-in pages (email form, account
// picker, code form, continue page, an error page) in every non-English
// locale contain none of the English catalog's sentences.
func TestSignInPagesTranslated(t *testing.T) {
	e := newEnv(t)
	for _, lang := range i18n.Locales[1:] {
		t.Run(lang, func(t *testing.T) {
			c := testkit.NewClient(t, e.handler)
			c.Get("/acme/portal/request?lang="+lang).ExpectStatus(t, http.StatusOK)
			for _, p := range []struct {
				path   string
				status int
			}{
				{"/acme/portal/request", http.StatusOK},
				{"/acme/portal/nope", http.StatusNotFound},
			} {
				assertNoEnglish(t, lang, p.path, c.Get(p.path).ExpectStatus(t, p.status))
			}
			// The code form, after asking for a code (unknown addresses get
			// the same page, D-enumeration).
			r := webtest.PostForm(t, c, e.svc, "/acme/portal/request", url.Values{"email": {"nobody@example.com"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("request: %d", r.Status)
			}
			assertNoEnglish(t, lang, "/acme/portal/authenticate", c.Get("/acme/portal/authenticate").ExpectStatus(t, http.StatusOK))
			// A wrong code re-renders the form with its error.
			r = webtest.PostForm(t, c, e.svc, "/acme/portal/authenticate", url.Values{"code": {"AAAA-AAAA"}})
			assertNoEnglish(t, lang, "/acme/portal/authenticate (wrong code)", r)
		})
	}
}

// signedInPages are the signed-in pages (and the overview's expanded
// row) that TestSignedInPagesTranslated renders in every locale.
func signedInPages(share uuid.UUID) []string {
	return []string{
		"/acme/portal/overview",
		"/acme/portal/overview?sorting=nope",
		"/acme/portal/overview?page=99",
		"/acme/portal/sessions/" + share.String(),
		"/acme/portal/sessions/" + share.String() + "/activity",
		"/acme/portal/billing",
		"/acme/portal/settings",
	}
}

// TestSignedInPagesTranslated: every signed-in page, rendered in every
// non-English locale, contains none of the English catalog's sentences
// (the demo data, file names and people's names aside), and its dates,
// amounts and sizes are in the locale's form.
func TestSignedInPagesTranslated(t *testing.T) {
	e := newEnv(t)
	var ws uuid.UUID
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM workspaces WHERE slug = 'acme'`).Scan(&ws); err != nil {
		t.Fatal(err)
	}
	cust := testkit.Customer(t, e.pool, ws, "kunde@example.com", "individual")
	title, file, size, price := "Q4 report", "q4.pdf", int64(1572864), int32(123450)
	at := time.Date(2026, 12, 3, 7, 36, 0, 0, time.UTC)
	share := testkit.FileShare(t, e.pool, ws, cust, testkit.FileShareRow{Title: &title, FileName: &file, FileSizeBytes: &size,
		PriceCents: &price, Currency: "eur", CreatedAt: at, MaxDownloads: 5, Downloads: 1})
	testkit.FileShare(t, e.pool, ws, cust, testkit.FileShareRow{Status: "expired", CreatedAt: at.Add(-time.Hour)})
	testkit.Download(t, e.pool, share, 1, at.Add(time.Hour), false)
	buyer := "Ada Buyer"
	testkit.Payment(t, e.pool, share, testkit.PaymentRow{Amount: 123450, Fee: 500, Currency: "eur", BuyerName: &buyer, CreatedAt: at.Add(2 * time.Hour)})
	want := map[string][]string{ // the locale's own forms, on the session page
		"de":    {"1.234,50\u00a0€", "1,5 MB", "3. Dez. 2026"},
		"fr":    {"1\u202f234,50\u00a0€", "1,5 Mo", "3 déc. 2026"},
		"es":    {"1234,50\u00a0€", "1,5 MB", "3 dic 2026"},
		"pt-BR": {"€\u00a01.234,50", "1,5 MB", "3 de dez. de 2026"},
		"ja":    {"€1,234.50", "1.5 MB", "2026年12月3日"},
	}
	for _, lang := range i18n.Locales[1:] {
		t.Run(lang, func(t *testing.T) {
			c := testkit.NewClient(t, e.handler)
			c.Get("/acme/portal/request?lang="+lang).ExpectStatus(t, http.StatusOK)
			webtest.SignIn(t, c, e.svc, cust, uuid.Nil)
			for _, p := range signedInPages(share) {
				var h []string
				if strings.HasSuffix(p, "/activity") {
					h = []string{"HX-Request", "true"}
				}
				r := c.Get(p, h...)
				if r.Status != http.StatusOK {
					t.Fatalf("%s: %d", p, r.Status)
				}
				if strings.HasSuffix(p, "/activity") {
					// A fragment: no <html>, only its words.
					d := doc(t, r)
					text := visibleText(d)
					for _, frag := range englishFragments(lang) {
						if i := strings.Index(text, frag); i >= 0 && wordAt(text, i, len(frag)) {
							t.Errorf("%s in %s shows English %q", p, lang, frag)
						}
					}
					continue
				}
				assertNoEnglish(t, lang, p, r)
			}
			// A refused card: field errors in the page's language.
			r := webtest.PostForm(t, c, e.svc, "/acme/portal/billing/cards", url.Values{"number": {"1234"}, "expiry": {"13/99"}, "cvc": {"1"}})
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("bad card: %d", r.Status)
			}
			assertNoEnglish(t, lang, "/acme/portal/billing (bad card)", r)
			// Billing details with field errors, and the country names.
			r = webtest.PostForm(t, c, e.svc, "/acme/portal/settings", url.Values{"billing_name": {strings.Repeat("n", 300)}, "billing_address[country]": {"US"}, "billing_address[state]": {"ZZ"}})
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("bad settings: %d", r.Status)
			}
			assertNoEnglish(t, lang, "/acme/portal/settings (errors)", r)
			if lang == "de" && !strings.Contains(r.Text(), ">Deutschland</option>") {
				t.Error("settings in de: country names are not German")
			}
			text := c.Get("/acme/portal/sessions/" + share.String()).Text()
			for _, w := range want[lang] {
				if !strings.Contains(text, w) {
					t.Errorf("session page in %s lacks %q", lang, w)
				}
			}
			if !strings.Contains(text, `datetime="2026-12-03T07:36:00Z"`) {
				t.Errorf("session page in %s: no <time datetime> in RFC 3339", lang)
			}
		})
	}
}

// TestTeamPagesTranslated: the team page (members, roles, the add form and
// its errors, the remove confirmation, the outcome flash) and the team
// page's refusal for a personal account, in every non-English locale,
// contain none of the English catalog's sentences.
func TestTeamPagesTranslated(t *testing.T) {
	e := newEnv(t)
	ws := testkit.Workspace(t, e.pool, "teamco")
	if _, err := e.pool.Exec(t.Context(), `UPDATE workspaces SET member_model_enabled = true, seat_based_pricing_enabled = true WHERE id = $1`, ws); err != nil {
		t.Fatal(err)
	}
	team := testkit.Customer(t, e.pool, ws, "team@example.com", "team")
	owner := testkit.Member(t, e.pool, team, "owner@example.com", "owner")
	other := testkit.Member(t, e.pool, team, "mia@example.com", "member")
	// People's names are demo data: ones that are no English words.
	if _, err := e.pool.Exec(t.Context(), `UPDATE members SET name = CASE WHEN id = $1 THEN 'Olivia Ortega' ELSE 'Mia Mata' END WHERE customer_id = $2`, owner, team); err != nil {
		t.Fatal(err)
	}
	var acme uuid.UUID
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM workspaces WHERE slug = 'acme'`).Scan(&acme); err != nil {
		t.Fatal(err)
	}
	personal := testkit.Customer(t, e.pool, acme, "solo@example.com", "individual")
	for _, lang := range i18n.Locales[1:] {
		t.Run(lang, func(t *testing.T) {
			c := testkit.NewClient(t, e.handler)
			c.Get("/teamco/portal/request?lang="+lang).ExpectStatus(t, http.StatusOK)
			webtest.SignIn(t, c, e.svc, team, owner)
			assertNoEnglish(t, lang, "team", c.Get("/teamco/portal/team").ExpectStatus(t, http.StatusOK))
			r := webtest.PostForm(t, c, e.svc, "/teamco/portal/team/members", url.Values{"email": {"nope"}, "role": {"member"}})
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("bad add: %d", r.Status)
			}
			assertNoEnglish(t, lang, "team (bad email)", r)
			r = webtest.PostForm(t, c, e.svc, "/teamco/portal/team/members/"+other.String()+"/remove", url.Values{})
			assertNoEnglish(t, lang, "remove confirmation", r.ExpectStatus(t, http.StatusOK))
			r = webtest.PostForm(t, c, e.svc, "/teamco/portal/team/members", url.Values{"email": {"new-" + lang + "@example.com"}, "role": {"billing_manager"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("add: %d", r.Status)
			}
			assertNoEnglish(t, lang, "team (added)", c.Get("/teamco/portal/team").ExpectStatus(t, http.StatusOK))

			solo := testkit.NewClient(t, e.handler)
			solo.Get("/acme/portal/request?lang="+lang).ExpectStatus(t, http.StatusOK)
			webtest.SignIn(t, solo, e.svc, personal, uuid.Nil)
			assertNoEnglish(t, lang, "team (personal account)", solo.Get("/acme/portal/team").ExpectStatus(t, http.StatusForbidden))
		})
	}
}
