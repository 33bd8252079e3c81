// Package browser_test drives the browser sessions, CSRF and the sign-in
// pages through the real router on real PostgreSQL, reading codes from the
// SMTP sink the mail queue delivers to.
package browser_test

import (
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/testkit"
	"portal/web/webtest"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

type env struct {
	t    *testing.T
	s    *webtest.Server
	pool *pgxpool.Pool
	svc  *app.Services
	sink *testkit.SMTPSink
	base string

	legacy, teams uuid.UUID // workspaces "acme" (customer sessions) and "teams" (member sessions)
	cust          uuid.UUID // individual customer of acme
	team          uuid.UUID // team customer of teams
	owner, plain  uuid.UUID // its members
}

type opt struct {
	http bool // PORTAL_BASE_URL over plain http
	mail bool // run the mail queue into an SMTP sink
}

func newEnv(t *testing.T, o opt) *env {
	t.Helper()
	o2 := webtest.Options{Mail: o.mail, Start: o.mail, Services: func(svc *app.Services) { svc.SignIn.Floor = 0 }}
	if o.http {
		o2.BaseURL = "http://portal.example.test"
	}
	s := webtest.NewServer(t, o2)
	e := &env{t: t, s: s, pool: s.Pool, svc: s.Services, sink: s.Mail, base: s.BaseURL}
	e.legacy = testkit.Workspace(t, e.pool, "acme")
	e.teams = testkit.Workspace(t, e.pool, "teams")
	e.s.Exec(`UPDATE workspaces SET member_model_enabled = true WHERE id = $1`, e.teams)
	e.cust = testkit.Customer(t, e.pool, e.legacy, "ind@example.com", "individual")
	e.team = testkit.Customer(t, e.pool, e.teams, "team@example.com", "team")
	e.owner = testkit.Member(t, e.pool, e.team, "owner@example.com", "owner")
	e.plain = testkit.Member(t, e.pool, e.team, "plain@example.com", "member")
	return e
}

func (e *env) client(opts ...testkit.ClientOption) *testkit.Client { return e.s.Client(opts...) }

func (e *env) post(c *testkit.Client, path string, form url.Values, headers ...string) *testkit.Response {
	e.t.Helper()
	return webtest.PostForm(e.t, c, e.svc, path, form, headers...)
}

var codeRE = regexp.MustCompile(`\b[0-9A-Z]{4}-[0-9A-Z]{4}\b`)

// code waits for the next sign-in mail to `to` and returns its code.
func (e *env) code(to string) string {
	e.t.Helper()
	m := e.sink.WaitFor(e.t, to, 15*time.Second)
	c := codeRE.FindString(m.Text)
	if c == "" {
		e.t.Fatalf("no code in mail to %s: %q", to, m.Text)
	}
	return c
}

func doc(t *testing.T, r *testkit.Response) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.Text()))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func text(d *goquery.Document, sel string) string { return strings.TrimSpace(d.Find(sel).Text()) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
