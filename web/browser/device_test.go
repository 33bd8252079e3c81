package browser_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/internal/auth"
	"portal/internal/mail"
	"portal/internal/ratelimit"
	"portal/internal/testkit"
)

// signInByForms signs c in through the email and code forms.
func (e *env) signInByForms(c *testkit.Client, slug, email string) *testkit.Response {
	e.t.Helper()
	e.post(c, "/"+slug+"/portal/request", url.Values{"email": {email}}).ExpectStatus(e.t, http.StatusSeeOther)
	return e.post(c, "/"+slug+"/portal/authenticate", url.Values{"code": {e.code(email)}}).ExpectStatus(e.t, http.StatusSeeOther)
}

// newestQueuedCode opens the newest sign-in mail queued for an address
// with the server's key.
func (e *env) newestQueuedCode(to string) string {
	e.t.Helper()
	var raw []byte
	if err := e.pool.QueryRow(context.Background(), `SELECT args FROM river_job WHERE kind = 'portal_sign_in_mail'
		AND lower(args->>'to') = lower($1) ORDER BY id DESC LIMIT 1`, to).Scan(&raw); err != nil {
		e.t.Fatal(err)
	}
	var a mail.SignInArgs
	if err := json.Unmarshal(raw, &a); err != nil {
		e.t.Fatal(err)
	}
	sealer, err := mail.NewSealer([]byte(e.svc.Config.Secret))
	if err != nil {
		e.t.Fatal(err)
	}
	code, err := sealer.Open(a.SealedCode, a.CodeID.String())
	if err != nil {
		e.t.Fatal(err)
	}
	return code
}

func (e *env) mailsTo(email string) int {
	e.t.Helper()
	return e.s.Count(`SELECT count(*) FROM river_job WHERE kind = 'portal_sign_in_mail' AND lower(args->>'to') = lower($1)`, email)
}

// TestD26_DeviceCookieAtSignIn: every successful sign-in in a browser (by
// code or by link) sets __Host-portal-device (HttpOnly, Secure,
// SameSite=Lax, Path=/, one year) naming the principal with an HMAC; the
// cookie alone signs nobody in. Over plain http it is portal-device.
func TestD26_DeviceCookieAtSignIn(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	c := e.client()
	r := e.signInByForms(c, "acme", "ind@example.com")
	ck := r.Cookie(auth.DeviceCookieSecure)
	if ck == nil || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
		t.Fatalf("device cookie %+v", ck)
	}
	if ck.MaxAge < 364*24*3600 || ck.MaxAge > 366*24*3600 {
		t.Errorf("device cookie Max-Age %d, want a year", ck.MaxAge)
	}
	if ids := e.svc.SignIn.Devices.Known(ck.Value); len(ids) != 1 || ids[0] != e.cust {
		t.Fatalf("device cookie names %v, want the customer", ids)
	}
	// A member sign-in in the same browser adds the member.
	r = e.signInByForms(c, "teams", "owner@example.com")
	if ids := e.svc.SignIn.Devices.Known(r.Cookie(auth.DeviceCookieSecure).Value); len(ids) != 2 || ids[0] != e.cust || ids[1] != e.owner {
		t.Fatalf("after a member sign-in the cookie names %v", ids)
	}

	// The device cookie alone is no session.
	fresh := e.client()
	fresh.SetCookie(&http.Cookie{Name: auth.DeviceCookieSecure, Value: ck.Value})
	if r := fresh.Get("/acme/portal/overview"); r.Status != http.StatusSeeOther || r.Location() != "/acme/portal/request" {
		t.Fatalf("device cookie alone: %d %q", r.Status, r.Location())
	}
	if r := fresh.GetJSON("/api/customer-portal/customers/me"); r.Status != http.StatusUnauthorized {
		t.Fatalf("device cookie alone on the API: %d", r.Status)
	}

	// A link's sign-in sets it too.
	lc := e.client()
	tok := testkit.CustomerToken(t, e.pool, e.svc.Hasher, e.cust)
	e.openLink(lc, "/acme/portal/overview?customer_session_token="+url.QueryEscape(tok))
	r = e.post(lc, "/acme/portal/continue", nil).ExpectStatus(t, http.StatusSeeOther)
	if lk := r.Cookie(auth.DeviceCookieSecure); lk == nil || len(e.svc.SignIn.Devices.Known(lk.Value)) != 1 {
		t.Fatalf("link sign-in device cookie %+v", lk)
	}

	t.Run("http", func(t *testing.T) {
		h := newEnv(t, opt{http: true, mail: true})
		hc := h.client()
		r := h.signInByForms(hc, "acme", "ind@example.com")
		if ck := r.Cookie(auth.DeviceCookiePlain); ck == nil || ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
			t.Fatalf("http device cookie %+v", ck)
		}
	})
}

// TestD26_NobodyLocksOutTheAccountsBrowser: five requests for an address
// from elsewhere use up its codes (D12), and another browser gets none, but
// the browser that signed in to the account before still gets its code and
// signs in; the pages say the same to both.
func TestD26_NobodyLocksOutTheAccountsBrowser(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	mine := e.client()
	e.signInByForms(mine, "acme", "ind@example.com")
	e.post(mine, "/acme/portal/sign-out", nil).ExpectStatus(t, http.StatusSeeOther)
	for i := 0; i < ratelimit.AddressLimit; i++ {
		e.post(e.client(testkit.WithRemoteAddr("203.0.113.9:1000")), "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, http.StatusSeeOther)
	}
	before := e.mailsTo("ind@example.com")
	stranger := e.client(testkit.WithRemoteAddr("198.51.100.7:1000"))
	rs := e.post(stranger, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, http.StatusSeeOther)
	if n := e.mailsTo("ind@example.com"); n != before {
		t.Fatalf("a stranger's browser got a code past the cap (%d → %d)", before, n)
	}
	rm := e.post(mine, "/acme/portal/request", url.Values{"email": {"ind@example.com"}}).ExpectStatus(t, http.StatusSeeOther)
	if rs.Location() != rm.Location() {
		t.Errorf("answers differ: %q, %q", rs.Location(), rm.Location())
	}
	deadline := time.Now().Add(10 * time.Second)
	for e.mailsTo("ind@example.com") != before+1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := e.mailsTo("ind@example.com"); n != before+1 {
		t.Fatalf("the account's own browser got no code (%d → %d)", before, n)
	}
	// Codes beyond the newest three are trimmed and never mailed (D18):
	// take the newest one from the queue.
	code := e.newestQueuedCode("ind@example.com")
	r := e.post(mine, "/acme/portal/authenticate", url.Values{"code": {code}}).ExpectStatus(t, http.StatusSeeOther)
	if !strings.HasSuffix(r.Location(), "/overview") {
		t.Fatalf("sign-in with the code: %q", r.Location())
	}
}
