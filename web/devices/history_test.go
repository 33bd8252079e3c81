package devices_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"portal/internal/auth"
	"portal/internal/mail"
	"portal/internal/testkit"
	"portal/views/paths"
	"portal/web/webtest"
)

func (e *env) headsUps() []mail.NewSignInArgs {
	e.t.Helper()
	rows, err := e.pool.Query(context.Background(), `SELECT args FROM river_job WHERE kind = $1 ORDER BY id`, mail.NewSignInArgs{}.Kind())
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []mail.NewSignInArgs
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			e.t.Fatal(err)
		}
		var a mail.NewSignInArgs
		if err := json.Unmarshal(raw, &a); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// TestSignInHeadsUp: the first sign-in ever sends nothing; a browser that
// never signed in to the account (no device cookie, D26) gets one "New
// sign-in" mail through the queue; a known browser gets none.
func TestSignInHeadsUp(t *testing.T) {
	e := newEnv(t)
	tok := testkit.CustomerToken(t, e.pool, e.svc.Hasher, e.cust)
	a := e.browserAnon()
	webtest.SignInByLink(t, a, e.svc, tok, paths.Page("acme", "overview"))
	if n := len(e.headsUps()); n != 0 {
		t.Fatalf("first sign-in ever: %d mails", n)
	}
	b := e.browserAnon()
	webtest.SignInByLink(t, b, e.svc, tok, paths.Page("acme", "overview"))
	mails := e.headsUps()
	if len(mails) != 1 {
		t.Fatalf("new browser: %d mails, want 1", len(mails))
	}
	m := mails[0]
	if m.To != "ind@example.com" || m.WorkspaceSlug != "acme" || m.Method != "a link" || m.Device == "" {
		t.Fatalf("heads-up %+v", m)
	}
	msg, err := mail.RenderNewSignIn(mail.NewSignInData{NewSignInArgs: m, When: "now", DevicesURL: "http://portal.test/acme/portal/settings#devices"}, "portal@example.test")
	if err != nil || !strings.HasPrefix(msg.Subject, "New sign-in to your ") || !strings.Contains(msg.Text, "/acme/portal/settings#devices") {
		t.Fatalf("rendered %q %v", msg.Subject, err)
	}
	// The same browser again, and the first one again: both known now.
	for _, c := range []*testkit.Client{b, a} {
		webtest.PostForm(t, c, e.svc, paths.Page("acme", "sign-out"), nil)
		webtest.SignInByLink(t, c, e.svc, tok, paths.Page("acme", "overview"))
	}
	if n := len(e.headsUps()); n != 1 {
		t.Fatalf("known browsers: %d mails, want still 1", n)
	}
	// Every sign-in is in the history, newest first.
	d := e.settings(b)
	rows := d.Find(`[data-testid="signin-event"]`)
	if rows.Length() != 4 || !strings.Contains(rows.First().Text(), "Signed in with a link") {
		t.Fatalf("history rows %d: %q", rows.Length(), rows.First().Text())
	}
}

// TestSignInHistoryFailures: wrong codes on the sign-in pages are written
// to the account's history and a run of them from one address on one day
// is one line; events older than 90 days go in the periodic cleanup.
func TestSignInHistoryFailures(t *testing.T) {
	e := newEnv(t)
	c := e.browserAnon()
	r := webtest.PostForm(t, c, e.svc, paths.SignIn("acme"), url.Values{"email": {"ind@example.com"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("request: %d", r.Status)
	}
	for i := 0; i < 3; i++ {
		webtest.PostForm(t, c, e.svc, paths.Page("acme", "authenticate"), url.Values{"code": {"AAAA-AAAA"}})
	}
	if n := e.count(`SELECT count(*) FROM signin_events WHERE customer_id = $1 AND NOT success`, e.cust); n != 3 {
		t.Fatalf("failed events %d, want 3", n)
	}
	a, _ := e.browser(e.cust, uuid.Nil)
	e.exec(`INSERT INTO signin_events (workspace_id, customer_id, success, method, ip_masked) VALUES ($1, $2, true, 'passkey', '198.51.100.x')`, e.ws, e.cust)
	d := e.settings(a)
	rows := d.Find(`[data-testid="signin-event"]`)
	if rows.Length() != 2 {
		t.Fatalf("history rows %d, want 2 (a sign-in, then one summary)", rows.Length())
	}
	if got := rows.Eq(1).Text(); !strings.Contains(got, "3 wrong codes") {
		t.Fatalf("summary row %q", got)
	}
	if got := rows.Eq(0).Text(); !strings.Contains(got, "Signed in with a passkey") || !strings.Contains(got, "198.51.100.x") {
		t.Fatalf("sign-in row %q", got)
	}

	e.exec(`UPDATE signin_events SET created_at = now() - interval '91 days' WHERE NOT success`)
	if _, err := mail.Cleanup(context.Background(), e.pool); err != nil {
		t.Fatal(err)
	}
	if n := e.count(`SELECT count(*) FROM signin_events`); n != 1 {
		t.Fatalf("after cleanup %d events, want 1", n)
	}
}

// TestSignInHistoryKinds: wrong codes through the API and the pages from
// one address on one day are one "wrong codes" line; refused passkey
// sign-ins are their own line, never merged with wrong codes; a sign-in
// through the API says so.
func TestSignInHistoryKinds(t *testing.T) {
	e := newEnv(t)
	add := func(ago string, success bool, method, channel, ip string) {
		t.Helper()
		e.exec(`INSERT INTO signin_events (workspace_id, customer_id, success, method, channel, ip_masked, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, date_trunc('day', now()) + interval '12 hours' - $7::interval)`, e.ws, e.cust, success, method, channel, ip, ago)
	}
	// Oldest first.
	add("6 minutes", false, "code", "api", "203.0.113.x")
	add("5 minutes", false, "code", "page", "203.0.113.x")
	add("4 minutes", false, "code", "api", "203.0.113.x")
	add("3 minutes", false, "passkey", "page", "203.0.113.x")
	add("2 minutes", false, "passkey", "page", "203.0.113.x")
	add("1 minute", true, "code", "api", "198.51.100.x")
	a, _ := e.browser(e.cust, uuid.Nil)
	rows := e.settings(a).Find(`[data-testid="signin-event"]`)
	var got []string
	rows.Each(func(_ int, s *goquery.Selection) { got = append(got, strings.Join(strings.Fields(s.Text()), " ")) })
	if len(got) != 3 {
		t.Fatalf("history rows %q, want 3", got)
	}
	for i, want := range []string{"Signed in with a code (API)", "2 refused passkey sign-ins", "3 wrong codes"} {
		if !strings.Contains(got[i], want) {
			t.Errorf("row %d %q, want %q", i, got[i], want)
		}
	}
}

// TestSignInHeadsUpWorkspaceLanguage: a sign-in whose request names no
// language sends the heads-up in the workspace's default_locale (as the
// sign-in code mail does), its device named in that language; a page in
// another language wins.
func TestSignInHeadsUpWorkspaceLanguage(t *testing.T) {
	e := newEnv(t)
	e.exec(`UPDATE workspaces SET default_locale = 'de' WHERE id = $1`, e.ws)
	tok := testkit.CustomerToken(t, e.pool, e.svc.Hasher, e.cust)
	webtest.SignInByLink(t, e.browserAnon(), e.svc, tok, paths.Page("acme", "overview")) // the first sign-in sends nothing
	webtest.SignInByLink(t, e.browserAnon(), e.svc, tok, paths.Page("acme", "overview"))
	mails := e.headsUps()
	if len(mails) != 1 {
		t.Fatalf("%d mails, want 1", len(mails))
	}
	if m := mails[0]; m.Lang != "de" || m.MethodID != "link" {
		t.Fatalf("heads-up lang %q method %q, want de/link: %+v", m.Lang, m.MethodID, m)
	}
	msg, err := mail.RenderNewSignIn(mail.NewSignInData{NewSignInArgs: mails[0], DevicesURL: "http://portal.test/acme/portal/settings#devices"}, "portal@example.test")
	if err != nil || !strings.HasPrefix(msg.Subject, "Neue Anmeldung") {
		t.Fatalf("rendered %q %v", msg.Subject, err)
	}

	// The service with no language in its context at all (not through a
	// page): still the workspace's language, not English.
	_, id := e.browser(e.cust, uuid.Nil)
	bs, err := e.svc.Browser.Load(context.Background(), id, e.ws)
	if err != nil {
		t.Fatal(err)
	}
	mac := "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	if err := e.svc.Browser.RecordSignIn(context.Background(), bs, auth.SignInMeta{UserAgent: mac, ClientIP: "203.0.113.9", Method: auth.MethodCode}, false); err != nil {
		t.Fatal(err)
	}
	mails = e.headsUps()
	if m := mails[len(mails)-1]; m.Lang != "de" || m.Device != "Chrome unter macOS" {
		t.Fatalf("no language in ctx: lang %q device %q, want de, Chrome unter macOS", m.Lang, m.Device)
	}
}

// TestSignInHeadsUpZone: the heads-up mail's time is in the zone the
// signing-in browser reported (posted by portal.js before it signed in),
// and signing in keeps that zone for the browser's next pages.
func TestSignInHeadsUpZone(t *testing.T) {
	e := newEnv(t)
	tok := testkit.CustomerToken(t, e.pool, e.svc.Hasher, e.cust)
	webtest.SignInByLink(t, e.browserAnon(), e.svc, tok, paths.Page("acme", "overview"))
	b := e.browserAnon()
	webtest.PostForm(t, b, e.svc, paths.TimeZonePage("acme"), url.Values{"tz": {"Europe/Berlin"}}).ExpectStatus(t, http.StatusNoContent)
	webtest.SignInByLink(t, b, e.svc, tok, paths.Page("acme", "overview"))
	mails := e.headsUps()
	if len(mails) != 1 || mails[0].Zone != "Europe/Berlin" {
		t.Fatalf("heads-ups %+v, want one in Europe/Berlin", mails)
	}
	if st := webtest.ReadCookie(b, e.svc); st.TimeZone != "Europe/Berlin" {
		t.Fatalf("the browser's zone after signing in: %q", st.TimeZone)
	}
	// A browser that reported none: UTC (no zone in the job).
	webtest.SignInByLink(t, e.browserAnon(), e.svc, tok, paths.Page("acme", "overview"))
	if mails = e.headsUps(); len(mails) != 2 || mails[1].Zone != "" {
		t.Fatalf("heads-ups %+v", mails)
	}
}

// TestSignInHistoryBoundCodeForm: a wrong code typed into the form the
// sign-in email's link opens (bound to the address and this workspace, no
// sign-in request of this browser) goes in the history of whom the
// address's codes are for, as a wrong code on the pages; an address with
// no codes records nothing.
func TestSignInHistoryBoundCodeForm(t *testing.T) {
	e := newEnv(t)
	asker := e.browserAnon()
	if r := webtest.PostForm(t, asker, e.svc, paths.SignIn("acme"), url.Values{"email": {"ind@example.com"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("request: %d", r.Status)
	}
	other := e.browserAnon()
	for _, email := range []string{"ind@example.com", "nobody@example.com"} {
		r := webtest.PostForm(t, other, e.svc, paths.Page("acme", "authenticate"), url.Values{"email": {email}, "code": {"ZZZZ-ZZZZ"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: wrong code answered %d", email, r.Status)
		}
	}
	if n := e.count(`SELECT count(*) FROM signin_events WHERE customer_id = $1 AND NOT success AND method = 'code' AND channel = 'page'`, e.cust); n != 1 {
		t.Fatalf("wrong codes recorded for the customer: %d, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM signin_events`); n != 1 {
		t.Fatalf("%d events in all, want 1", n)
	}
}
