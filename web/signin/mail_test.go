package signin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"portal/internal/auth"
	"portal/internal/mail"
	"portal/internal/testkit"
	"portal/web/webtest"
)

var codeRE = regexp.MustCompile(`\b[0-9A-Z]{4}-[0-9A-Z]{4}\b`)

func TestD20_SignInMailContent(t *testing.T) {
	e := newEnv(t, envOpt{smtp: true, start: true})
	e.s.Exec(`UPDATE workspaces SET avatar_url = 'https://cdn.example/logo.png' WHERE id = $1`, e.legacy)
	e.customer(e.legacy, "Buyer@Example.com", nil, "individual")
	e.request(nil, reqBody("buyer@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	m := e.sink.WaitFor(t, "Buyer@Example.com", 15*time.Second)
	if m.Subject != "Sign in to your Shop legacy file shares" {
		t.Errorf("subject %q", m.Subject)
	}
	if from := m.Header.Get("From"); !strings.Contains(from, "Shop legacy (via Portal)") || !strings.Contains(from, "<portal@example.test>") {
		t.Errorf("From %q", from)
	}
	if rt := m.Header.Get("Reply-To"); !strings.Contains(rt, "help@legacy.example") {
		t.Errorf("Reply-To %q", rt)
	}
	code := codeRE.FindString(m.Text)
	if code == "" || !strings.Contains(m.HTML, code) {
		t.Fatalf("code XXXX-XXXX not in both parts:\n%s", m.Text)
	}
	for _, want := range []string{"This code expires in 10 minutes.",
		"This email was sent to Buyer@Example.com because someone asked to sign in to Shop legacy customer portal",
		"https://portal.example.test/legacy/portal/authenticate"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("missing %q", want)
		}
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(m.HTML))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Find(`img[src="https://cdn.example/logo.png"]`).Length() != 1 || strings.TrimSpace(doc.Find(`[data-testid=code]`).Text()) != code {
		t.Error("HTML lacks the logo or the large code")
	}
	// The mailed code signs in.
	e.authenticate(nil, map[string]any{"code": code}).ExpectStatus(t, http.StatusOK)
}

func TestD9_CodeMailedToMembersOwnAddress(t *testing.T) {
	e := newEnv(t, envOpt{smtp: true, start: true})
	team := e.customer(e.members, "team@example.com", nil, "team")
	e.member(e.members, team, "owner@example.com", "owner")
	e.member(e.members, team, "Worker@Example.com", "member")
	e.request(nil, reqBody("worker@example.com", e.members, nil)).ExpectStatus(t, http.StatusAccepted)
	m := e.sink.WaitFor(t, "Worker@Example.com", 15*time.Second)
	code := codeRE.FindString(m.Text)
	r := e.authenticate(nil, map[string]any{"code": code}).ExpectStatus(t, http.StatusOK)
	u := e.c.GetJSON(pUser, bearer(tokenOf(t, r))...).ExpectStatus(t, http.StatusOK)
	if !strings.Contains(u.Text(), `"email":"Worker@Example.com"`) {
		t.Errorf("signed in as %s", u.Body)
	}
	for _, msg := range e.sink.Messages() {
		for _, to := range msg.To {
			if strings.EqualFold(to, "team@example.com") {
				t.Error("member's code mailed to the team's address (G14 not carried over)")
			}
		}
	}
}

func TestD20_SMTPDownThenBackDelivers(t *testing.T) {
	e := newEnv(t, envOpt{smtp: true, start: true})
	e.customer(e.legacy, "patient@example.com", nil, "individual")
	e.sink.SetDown(true)
	start := time.Now()
	e.request(nil, reqBody("patient@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	if time.Since(start) > 5*time.Second {
		t.Error("request waited for the SMTP server")
	}
	deadline := time.Now().Add(15 * time.Second)
	for e.sink.Refused() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if e.sink.Refused() < 2 {
		t.Fatalf("sender did not retry while SMTP was down (refused %d)", e.sink.Refused())
	}
	if len(e.sink.Messages()) != 0 {
		t.Fatal("delivered while down")
	}
	e.sink.SetDown(false)
	m := e.sink.WaitFor(t, "patient@example.com", 20*time.Second)
	if code := codeRE.FindString(m.Text); code == "" {
		t.Fatal("no code")
	} else {
		e.authenticate(nil, map[string]any{"code": code}).ExpectStatus(t, http.StatusOK)
	}
}

// TestD20_SMTPOutageLosesNoCode: several codes asked for while the mail
// server is down, one of which expires before it comes back. Once it is
// back, every code still valid arrives exactly once and signs in; the
// expired one is never sent; no job is left waiting.
func TestD20_SMTPOutageLosesNoCode(t *testing.T) {
	e := newEnv(t, envOpt{smtp: true, start: true})
	addrs := []string{"one@example.com", "two@example.com", "three@example.com", "late2@example.com"}
	for _, a := range addrs {
		e.customer(e.legacy, a, nil, "individual")
	}
	e.sink.SetDown(true)
	for _, a := range addrs {
		e.request(nil, reqBody(a, e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	}
	// "one" asks twice during the outage: both codes are live, both go out.
	e.request(nil, reqBody("one@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	deadline := time.Now().Add(15 * time.Second)
	for e.sink.Refused() < 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if e.sink.Refused() < 1 {
		t.Fatal("nothing was attempted while SMTP was down")
	}
	e.s.Exec(`UPDATE customer_session_codes SET expires_at = now() - interval '1 second' WHERE email = 'late2@example.com'`)
	e.sink.SetDown(false)

	const open = `SELECT count(*) FROM river_job WHERE kind = 'portal_sign_in_mail' AND state NOT IN ('completed', 'cancelled', 'discarded')`
	deadline = time.Now().Add(30 * time.Second)
	for e.s.Count(open) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := e.s.Count(open); n != 0 {
		t.Fatalf("%d sign-in mails still queued 30 s after SMTP came back", n)
	}
	if n := e.s.Count(`SELECT count(*) FROM river_job WHERE kind = 'portal_sign_in_mail' AND state = 'discarded'`); n != 0 {
		t.Errorf("%d sign-in mails given up on", n)
	}
	codes := map[string][]string{}
	for _, m := range e.sink.Messages() {
		for _, to := range m.To {
			codes[strings.ToLower(to)] = append(codes[strings.ToLower(to)], codeRE.FindString(m.Text))
		}
	}
	want := map[string]int{"one@example.com": 2, "two@example.com": 1, "three@example.com": 1, "late2@example.com": 0}
	for a, n := range want {
		if len(codes[a]) != n {
			t.Errorf("%s got %d mails %v, want %d", a, len(codes[a]), codes[a], n)
		}
	}
	if len(codes["one@example.com"]) == 2 && codes["one@example.com"][0] == codes["one@example.com"][1] {
		t.Error("the same code was mailed twice")
	}
	// Nothing stale: each delivered code still signs in (the last one for
	// an address that has two).
	for i, a := range []string{"one@example.com", "two@example.com", "three@example.com"} {
		if cs := codes[a]; len(cs) > 0 {
			e.authenticate(e.clientAt(10+i), map[string]any{"code": cs[len(cs)-1], "email": a}).ExpectStatus(t, http.StatusOK)
		}
	}
}

func TestD20_ExpiredCodeIsNeverDelivered(t *testing.T) {
	e := newEnv(t, envOpt{smtp: true, start: true})
	e.customer(e.legacy, "late@example.com", nil, "individual")
	e.sink.SetDown(true)
	e.request(nil, reqBody("late@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	deadline := time.Now().Add(15 * time.Second)
	for e.sink.Refused() < 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// The code expires during the outage.
	e.s.Exec(`UPDATE customer_session_codes SET expires_at = now() - interval '1 second'`)
	e.sink.SetDown(false)
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if e.s.Count(`SELECT count(*) FROM river_job WHERE kind = 'portal_sign_in_mail' AND state = 'cancelled'`) == 1 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := e.s.Count(`SELECT count(*) FROM river_job WHERE kind = 'portal_sign_in_mail' AND state = 'cancelled'`); n != 1 {
		t.Fatalf("job not cancelled for an expired code")
	}
	if len(e.sink.Messages()) != 0 {
		t.Error("an expired code was delivered")
	}
	// A used code is not delivered either.
	e.sink.SetDown(true)
	e.request(nil, reqBody("late@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	e.authenticate(nil, map[string]any{"code": e.lastCode("late@example.com")}).ExpectStatus(t, http.StatusOK)
	e.sink.SetDown(false)
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && e.s.Count(`SELECT count(*) FROM river_job WHERE kind = 'portal_sign_in_mail' AND state = 'cancelled'`) < 2 {
		time.Sleep(50 * time.Millisecond)
	}
	if len(e.sink.Messages()) != 0 {
		t.Error("a used code was delivered")
	}
}

func TestD20_MailJobInsertedWithTheCode(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "tx@example.com", nil, "individual")
	e.request(nil, reqBody("tx@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	var codeID, jobCodeID string
	if err := e.pool.QueryRow(t.Context(), `SELECT id::text FROM customer_session_codes`).Scan(&codeID); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(t.Context(), `SELECT args->>'code_id' FROM river_job WHERE kind = 'portal_sign_in_mail'`).Scan(&jobCodeID); err != nil {
		t.Fatal(err)
	}
	if codeID != jobCodeID {
		t.Errorf("job for %s, code %s", jobCodeID, codeID)
	}
	// A 409 writes neither.
	a := e.customer(e.members, "a@example.com", nil, "team")
	b := e.customer(e.members, "b@example.com", nil, "team")
	e.member(e.members, a, "dup@example.com", "owner")
	e.member(e.members, b, "dup@example.com", "owner")
	e.request(nil, reqBody("dup@example.com", e.members, nil)).ExpectStatus(t, http.StatusConflict)
	if n := e.s.Count(`SELECT count(*) FROM river_job WHERE kind = 'portal_sign_in_mail'`); n != 1 {
		t.Errorf("%d jobs", n)
	}
}

func TestD20_UnknownAndKnownAddressSameAnswer(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "known@example.com", nil, "individual")
	e.svc.SignIn.Floor = 50 * time.Millisecond // the production floor, shortened
	known := e.request(e.clientAt(1), reqBody("known@example.com", e.legacy, nil))
	unknown := e.request(e.clientAt(2), reqBody("unknown@example.com", e.legacy, nil))
	if known.Status != unknown.Status || string(known.Body) != string(unknown.Body) {
		t.Errorf("known %d %s, unknown %d %s", known.Status, known.Body, unknown.Status, unknown.Body)
	}
	for _, h := range []string{"Content-Type", "Cache-Control"} {
		if known.Header.Get(h) != unknown.Header.Get(h) {
			t.Errorf("header %s differs", h)
		}
	}
}

func TestDevMailPageListsCodesNewestFirst(t *testing.T) {
	e := newEnv(t, envOpt{env: "development", start: true})
	e.customer(e.legacy, "dev1@example.com", nil, "individual")
	e.customer(e.legacy, "dev2@example.com", nil, "individual")
	e.request(nil, reqBody("dev1@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	waitOutbox(t, e.svc.Mail, 1)
	e.request(nil, reqBody("dev2@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	waitOutbox(t, e.svc.Mail, 2)
	r := e.c.Get("/_dev/mail").ExpectStatus(t, http.StatusOK)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Text()))
	if err != nil {
		t.Fatal(err)
	}
	rows := doc.Find(`[data-testid=dev-mail-row]`)
	if rows.Length() != 2 || strings.TrimSpace(rows.First().Find(`[data-testid=dev-mail-to]`).Text()) != "dev2@example.com" {
		t.Fatalf("rows %d: %s", rows.Length(), r.Text())
	}
	code := strings.TrimSpace(rows.First().Find(`[data-testid=dev-mail-code]`).Text())
	if !codeRE.MatchString(code) {
		t.Fatalf("code %q", code)
	}
	e.authenticate(nil, map[string]any{"code": code}).ExpectStatus(t, http.StatusOK)

	// Not in production.
	p := newEnv(t, envOpt{noSeed: true})
	if r := p.c.Get("/_dev/mail"); r.Status != http.StatusNotFound {
		t.Errorf("/_dev/mail outside development -> %d", r.Status)
	}
}

func waitOutbox(t *testing.T, q *mail.Queue, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for len(q.Outbox().Recent()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("outbox has %d messages, want %d", len(q.Outbox().Recent()), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestG22_CleanupDeletesOnlyStrictlyExpired(t *testing.T) {
	e := newEnv(t, envOpt{})
	c := e.customer(e.legacy, "g22@example.com", nil, "individual")
	e.request(nil, reqBody("g22@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	e.request(e.clientAt(1), reqBody("g22@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	tok := e.signIn(e.legacy, "g22@example.com", nil, "g22@example.com")
	_ = tok
	e.s.Exec(`INSERT INTO customer_session_codes (code_hash, expires_at, email, customer_id, workspace_id) VALUES ('expired', now() - interval '1 second', 'g22@example.com', $1, $2)`, c, e.legacy)
	e.s.Exec(`INSERT INTO customer_sessions (token_hash, expires_at, customer_id) VALUES ('old', now() - interval '1 second', $1)`, c)
	e.s.Exec(`INSERT INTO sign_in_requests (workspace_id, email, expires_at) VALUES ($1, 'x@example.com', now() - interval '1 second')`, e.legacy)
	e.s.Exec(`INSERT INTO browser_sessions (workspace_id, customer_id, idle_expires_at, expires_at) VALUES ($1, $2, now(), now() - interval '1 second')`, e.legacy, c)
	e.s.Exec(`INSERT INTO rate_limit_buckets (bucket, key, count, expires_at) VALUES ('portal', 'stale', 3, now() - interval '1 second')`)
	// Lookups treat expires_at = now() as expired (G22: > now()).
	e.s.Exec(`INSERT INTO customer_sessions (token_hash, expires_at, customer_id) VALUES ($1, now(), $2)`, e.svc.Hasher.Hash("rapidly_cst_boundary"), c)
	e.c.GetJSON(pUser, bearer("rapidly_cst_boundary")...).ExpectStatus(t, http.StatusUnauthorized)

	n, err := mail.Cleanup(context.Background(), e.pool)
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Errorf("cleanup deleted %d rows, want at least 5", n)
	}
	for table, want := range map[string]int{"customer_session_codes": 2, "sign_in_requests": 0, "browser_sessions": 0} {
		if got := e.s.Count(`SELECT count(*) FROM ` + table); got != want {
			t.Errorf("%s: %d rows left, want %d", table, got, want)
		}
	}
	if e.s.Count(`SELECT count(*) FROM customer_sessions WHERE token_hash = 'old'`) != 0 || e.s.Count(`SELECT count(*) FROM rate_limit_buckets WHERE key = 'stale'`) != 0 {
		t.Error("expired session or stale counter left")
	}
	if e.s.Count(`SELECT count(*) FROM customer_sessions WHERE expires_at > now()`) != 1 {
		t.Error("live session deleted")
	}
}

func TestG28_CodeExpiryAssignedAtInsertTenMinutes(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.customer(e.legacy, "g28@example.com", nil, "individual")
	e.request(nil, reqBody("g28@example.com", e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
	if n := e.s.Count(`SELECT count(*) FROM customer_session_codes WHERE expires_at BETWEEN created_at + interval '599 seconds' AND created_at + interval '601 seconds'`); n != 1 {
		t.Error("code expiry is not ten minutes from insert")
	}
	m, err := mail.RenderSignIn(mail.SignInData{To: "a@example.com", WorkspaceName: "W", Code: auth.DisplayCode("ABCD2345"), Minutes: 10, URL: "u"}, "f@example.com", "")
	if err != nil || !strings.Contains(m.Text, "This code expires in 10 minutes.") || !strings.Contains(m.Text, "ABCD-2345") {
		t.Errorf("rendered %q %v", m.Text, err)
	}
}

// TestD31_AwkwardWorkspaceNamesStillSend: a workspace name with quotes, a
// comma, angle brackets, non-ASCII letters or a line break still gives a
// valid From display name (RFC 5322 quoting, RFC 2047 encoding, line breaks
// removed) and a one-line Subject, and the code arrives through the real
// SMTP sink.
func TestD31_AwkwardWorkspaceNamesStillSend(t *testing.T) {
	e := newEnv(t, envOpt{smtp: true, start: true})
	names := []struct{ name, shown string }{
		{`Bob "the Builder", Ltd`, `Bob "the Builder", Ltd (via Portal)`},
		{"Café Zoë · 東京", "Café Zoë · 東京 (via Portal)"},
		{"Evil\r\nBcc: victim@example.com", "Evil Bcc: victim@example.com (via Portal)"},
		{"Line\nbreak <x@y.z>", "Line break <x@y.z> (via Portal)"},
		{`back\slash; semi`, `back\slash; semi (via Portal)`},
	}
	for i, n := range names {
		e.s.Exec(`UPDATE workspaces SET name = $2 WHERE id = $1`, e.legacy, n.name)
		to := fmt.Sprintf("odd%d@example.com", i)
		e.customer(e.legacy, to, nil, "individual")
		e.request(e.clientAt(i), reqBody(to, e.legacy, nil)).ExpectStatus(t, http.StatusAccepted)
		m := e.sink.WaitFor(t, to, 15*time.Second)
		if m.ParseErr != nil {
			t.Fatalf("%q: unreadable message: %v", n.name, m.ParseErr)
		}
		from, err := m.Header.AddressList("From")
		if err != nil || len(from) != 1 {
			t.Fatalf("%q: From %q does not parse as one address: %v", n.name, m.Header.Get("From"), err)
		}
		if from[0].Name != n.shown || from[0].Address != "portal@example.test" {
			t.Errorf("%q: From is %q <%s>", n.name, from[0].Name, from[0].Address)
		}
		if m.Header.Get("Bcc") != "" || len(m.To) != 1 {
			t.Errorf("%q: header injection: Bcc %q, recipients %v", n.name, m.Header.Get("Bcc"), m.To)
		}
		if strings.ContainsAny(m.Subject, "\r\n") || !strings.Contains(m.Subject, strings.TrimSuffix(n.shown, " (via Portal)")) {
			t.Errorf("%q: subject %q", n.name, m.Subject)
		}
		code := codeRE.FindString(m.Text)
		if code == "" {
			t.Fatalf("%q: no code in\n%s", n.name, m.Text)
		}
		e.authenticate(e.clientAt(100+i), map[string]any{"code": code}).ExpectStatus(t, http.StatusOK)
	}
}

// TestI18n_SignInMailLanguage (issue 17): the API's code email speaks the
// request's Accept-Language, else the workspace's default_locale; the
// page's follows the page's language.
func TestI18n_SignInMailLanguage(t *testing.T) {
	e := newEnv(t, envOpt{smtp: true, start: true})
	e.customer(e.legacy, "ja@example.com", nil, "individual")
	e.customer(e.legacy, "default@example.com", nil, "individual")
	e.customer(e.legacy, "page@example.com", nil, "individual")
	e.c.PostJSON(pRequest, reqBody("ja@example.com", e.legacy, nil), "Accept-Language", "ja-JP,ja;q=0.9").ExpectStatus(t, http.StatusAccepted)
	if m := e.sink.WaitFor(t, "ja@example.com", 15*time.Second); m.Subject != "Shop legacy のファイル共有へのサインイン" || !strings.Contains(m.Text, "このコードの有効期限は 10 分です。") {
		t.Errorf("Accept-Language ja: %q\n%s", m.Subject, m.Text)
	}
	e.s.Exec(`UPDATE workspaces SET default_locale = 'de' WHERE id = $1`, e.legacy)
	e.c.PostJSON(pRequest, reqBody("default@example.com", e.legacy, nil), "Accept-Language", "zh-CN").ExpectStatus(t, http.StatusAccepted)
	if m := e.sink.WaitFor(t, "default@example.com", 15*time.Second); m.Subject != "Anmeldung zu Ihren Freigaben bei Shop legacy" || !strings.Contains(m.Text, "Dieser Code läuft in 10 Minuten ab.") {
		t.Errorf("workspace default de: %q\n%s", m.Subject, m.Text)
	}
	// The sign-in page in French (its switcher) mails in French.
	c := testkit.NewClient(t, e.srv.Handler(), testkit.WithBaseURL(e.svc.Config.BaseURL))
	c.Get("/legacy/portal/request?lang=fr").ExpectStatus(t, http.StatusOK)
	r := webtest.PostForm(t, c, e.svc, "/legacy/portal/request", url.Values{"email": {"page@example.com"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("page request: %d", r.Status)
	}
	if m := e.sink.WaitFor(t, "page@example.com", 15*time.Second); m.Subject != "Connectez-vous à vos partages Shop legacy" || !strings.Contains(m.Text, "Ce code expire dans 10 minutes.") {
		t.Errorf("page in fr: %q\n%s", m.Subject, m.Text)
	}
}
