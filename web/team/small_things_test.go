package team_test

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"portal/internal/testkit"
)

// Issue 16.14: every page of a workspace ends with its support address and
// website.
func TestFooterShowsWorkspaceSupportEmailAndWebsite(t *testing.T) {
	e := newEnv(t)
	c := e.page(e.ind, uuid.Nil)
	e.s.Exec(`UPDATE workspaces SET email = NULL, website = NULL WHERE id = $1`, e.ws)
	if n := doc(t, c.Get(settings)).Find(`footer .footer-contact`).Length(); n != 0 {
		t.Fatal("a contact line without anything to say")
	}
	e.s.Exec(`UPDATE workspaces SET email = 'help@acme.example', website = 'https://www.acme.example/' WHERE id = $1`, e.ws)
	anon := testkit.NewClient(t, e.handler)
	for _, path := range []string{settings, "/acme/portal/overview", "/acme/portal/request"} {
		cl := c
		if path == "/acme/portal/request" {
			cl = anon
		}
		d := doc(t, cl.Get(path))
		mail := d.Find(`footer a[href="mailto:help@acme.example"]`)
		site := d.Find(`footer a[href="https://www.acme.example/"]`)
		if mail.Length() != 1 || site.Length() != 1 || !strings.Contains(mail.Text(), "help@acme.example") {
			t.Fatalf("%s footer: %q", path, d.Find(`footer`).Text())
		}
	}
}

// Issue 16.14: the page of an unknown workspace leads somewhere: the
// workspace the address most likely meant, and back where the visitor
// came from.
func TestUnknownWorkspace404LinksOn(t *testing.T) {
	e := newEnv(t)
	c := testkit.NewClient(t, e.handler)
	r := c.Get("/acme./portal/request", "Referer", "https://shop.example/account")
	wantStatus(t, r, http.StatusNotFound)
	d := doc(t, r)
	var links []string
	d.Find(`[data-testid=error-links] a`).Each(func(_ int, s *goquery.Selection) {
		href, _ := s.Attr("href")
		links = append(links, s.Text()+" -> "+href)
	})
	got := strings.Join(links, " | ")
	if !strings.Contains(got, "Go to the ") || !strings.Contains(got, "-> /acme/portal") || !strings.Contains(got, "-> https://shop.example/account") {
		t.Fatalf("links %q", got)
	}
	if !strings.Contains(d.Find(`[data-testid=error-page]`).Text(), "/your-workspace/portal") {
		t.Fatalf("page %q", d.Find(`[data-testid=error-page]`).Text())
	}
	// Nothing to suggest: still says how a portal address looks.
	r = c.Get("/nosuch/portal/request")
	wantStatus(t, r, http.StatusNotFound)
	if d := doc(t, r); d.Find(`[data-testid=error-links]`).Length() != 0 || !strings.Contains(d.Text(), "your-workspace/portal") {
		t.Fatalf("page %s", r.Text())
	}
}

// Issue 16.14: the confirmation dialog gets a title and a verb from the
// form ("Delete card", "Remove from team"), never a bare "Confirm".
func TestConfirmFormsNameTitleAndVerb(t *testing.T) {
	e := newEnv(t)
	c := e.page(e.team, e.owner)
	d := doc(t, c.Get(teamPage))
	remove := d.Find(`form[data-confirm]:not([data-confirm-if])`).First()
	if title, _ := remove.Attr("data-confirm-title"); title != "Remove member?" {
		t.Fatalf("title %q", title)
	}
	if verb, _ := remove.Attr("data-confirm-verb"); verb != "Remove from team" {
		t.Fatalf("verb %q", verb)
	}
	js, err := os.ReadFile("../../static/js/portal.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`data-confirm-title`, `data-confirm-verb`, `id="confirm-title"`, `aria-labelledby", "confirm-title"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("portal.js lacks %s", want)
		}
	}
}

// Issue 16.14: the focus ring is for keyboard focus (no outline on plain
// :focus, none on script-focused messages), and a read-only field looks
// read-only.
func TestStylesheetFocusRingAndReadOnly(t *testing.T) {
	css, err := os.ReadFile("../../static/css/portal.css")
	if err != nil {
		t.Fatal(err)
	}
	rule := regexp.MustCompile(`([^{}]+)\{([^}]*)\}`)
	var readonly, quietMessages bool
	for _, m := range rule.FindAllStringSubmatch(string(css), -1) {
		sel, body := m[1], m[2]
		for _, s := range strings.Split(sel, ",") {
			s = strings.TrimSpace(s)
			if strings.Contains(s, ":focus") && !strings.Contains(s, ":focus-visible") && strings.Contains(body, "outline") && !strings.Contains(body, "outline: none") {
				t.Errorf("%s draws a ring on mouse focus", s)
			}
			if s == `[tabindex="-1"]:focus` && strings.Contains(body, "outline: none") {
				quietMessages = true
			}
			if strings.Contains(s, "[readonly]") && strings.Contains(body, "border-style: dashed") {
				readonly = true
			}
		}
	}
	if !readonly || !quietMessages {
		t.Fatalf("read-only style %v, script-focused messages without ring %v", readonly, quietMessages)
	}
}
