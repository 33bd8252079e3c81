package browser_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/web/html"
	"portal/web/webtest"
)

// TestKeptFormContent (issue 16.4): a billing form posted just after its
// session ended keeps what was typed. After signing in again the page
// shows the typed values (not saved) with a notice, once; the CSRF token
// is not kept; another account signing in in that browser never sees them.
func TestKeptFormContent(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	c := e.client()
	e.signInByForms(c, "acme", "ind@example.com")
	c.Get("/acme/portal/settings").ExpectStatus(t, 200)
	typed := url.Values{"billing_name": {"Kept Ltd"}, "billing_address[line1]": {"Unter den Linden 1"},
		"billing_address[postal_code]": {"10117"}, "billing_address[city]": {"Berlin"}, "billing_address[country]": {"DE"}}
	// The session is signed out from elsewhere while the form is open.
	e.s.Exec(`UPDATE browser_sessions SET revoked_at = now() WHERE customer_id = $1`, e.cust)
	r := e.post(c, "/acme/portal/settings", typed).ExpectStatus(t, 303)
	if r.Location() != "/acme/portal/request?next=%2Facme%2Fportal%2Fsettings" {
		t.Fatalf("after the refused post: %q", r.Location())
	}
	if got := text(doc(t, c.Get(r.Location()).ExpectStatus(t, 200)), `[data-testid="flash"]`); got != "Your session ended — sign in to continue." {
		t.Errorf("flash %q", got)
	}
	e.post(c, "/acme/portal/request", url.Values{"email": {"ind@example.com"}, "next": {"/acme/portal/settings"}}).ExpectStatus(t, 303)
	r = e.post(c, "/acme/portal/authenticate", url.Values{"code": {e.code("ind@example.com")}}).ExpectStatus(t, 303)
	if r.Location() != "/acme/portal/settings" {
		t.Fatalf("after sign-in: %q", r.Location())
	}
	d := doc(t, c.Get(r.Location()).ExpectStatus(t, 200))
	if got := text(d, `[data-testid="kept-notice"]`); got != "We kept what you typed — check it and save again." {
		t.Errorf("notice %q", got)
	}
	for id, want := range map[string]string{"billing_name": "Kept Ltd", "line1": "Unter den Linden 1", "postal_code": "10117", "city": "Berlin"} {
		if v, _ := d.Find(`#billing-` + id).Attr("value"); v != want {
			t.Errorf("%s = %q, want %q", id, v, want)
		}
	}
	if v, _ := d.Find(`#billing-country option[selected]`).Attr("value"); v != "DE" {
		t.Errorf("country %q", v)
	}
	var stored string
	if err := e.pool.QueryRow(context.Background(), `SELECT coalesce(billing_name, '') FROM customers WHERE id = $1`, e.cust).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == "Kept Ltd" {
		t.Fatal("kept content was saved without the person saving it")
	}
	// Once: the next view shows the stored details.
	d = doc(t, c.Get("/acme/portal/settings").ExpectStatus(t, 200))
	if d.Find(`[data-testid="kept-notice"]`).Length() != 0 || d.Find(`#billing-billing_name`).AttrOr("value", "") == "Kept Ltd" {
		t.Error("kept content shown twice")
	}
	// Saving it works as any save.
	typed.Set("billing_name", "Kept Ltd")
	e.post(c, "/acme/portal/settings", typed).ExpectStatus(t, 303)

	// Another account signing in in that browser does not see them.
	other := e.customerIn(e.legacy, "other@example.com", "individual", "Other")
	e.s.Exec(`UPDATE browser_sessions SET revoked_at = now() WHERE customer_id = $1`, e.cust)
	e.post(c, "/acme/portal/settings", url.Values{"billing_name": {"Secret Typing"}, "billing_address[country]": {"FR"}}).ExpectStatus(t, 303)
	e.post(c, "/acme/portal/request", url.Values{"email": {"other@example.com"}, "next": {"/acme/portal/settings"}}).ExpectStatus(t, 303)
	e.post(c, "/acme/portal/authenticate", url.Values{"code": {e.code("other@example.com")}}).ExpectStatus(t, 303)
	body := c.Get("/acme/portal/settings").ExpectStatus(t, 200).Text()
	if strings.Contains(body, "Secret Typing") || strings.Contains(body, `data-testid="kept-notice"`) {
		t.Fatal("another account sees what the first one typed")
	}
	// …nor does the first account after that.
	e.s.Exec(`UPDATE browser_sessions SET revoked_at = now() WHERE customer_id = $1`, other)
	e.signInByForms(c, "acme", "ind@example.com")
	if body := c.Get("/acme/portal/settings").ExpectStatus(t, 200).Text(); strings.Contains(body, "Secret Typing") {
		t.Fatal("dropped content came back")
	}
}

// TestKeptFormContentTeamAdd (issue 16.4): the team's add-member form,
// posted by htmx as the owner's session ended, comes back filled (nobody
// added) after the owner signs in again.
func TestKeptFormContentTeamAdd(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	c := e.client()
	e.signInByForms(c, "teams", "owner@example.com")
	c.Get("/teams/portal/team").ExpectStatus(t, 200)
	e.s.Exec(`UPDATE browser_sessions SET revoked_at = now() WHERE member_id = $1`, e.owner)
	r := c.PostForm("/teams/portal/team/members", url.Values{"email": {"new.person@example.com"}, "name": {"New Person"}, "role": {"billing_manager"}},
		"HX-Request", "true", "HX-Current-URL", e.base+"/teams/portal/team", "X-CSRF-Token", webtest.CSRF(t, c, e.svc, "/teams/portal/team"))
	if got := r.Header.Get("HX-Redirect"); got != "/teams/portal/request?next=%2Fteams%2Fportal%2Fteam" {
		t.Fatalf("htmx post after the session ended: %d HX-Redirect %q", r.Status, got)
	}
	e.post(c, "/teams/portal/request", url.Values{"email": {"owner@example.com"}, "next": {"/teams/portal/team"}}).ExpectStatus(t, 303)
	r = e.post(c, "/teams/portal/authenticate", url.Values{"code": {e.code("owner@example.com")}}).ExpectStatus(t, 303)
	if r.Location() != "/teams/portal/team" {
		t.Fatalf("after sign-in: %q", r.Location())
	}
	d := doc(t, c.Get(r.Location()).ExpectStatus(t, 200))
	if got := text(d, `[data-testid="kept-notice"]`); got != "We kept what you typed — check it and save again." {
		t.Errorf("notice %q", got)
	}
	if v, _ := d.Find(`#member-email`).Attr("value"); v != "new.person@example.com" {
		t.Errorf("email %q", v)
	}
	if v, _ := d.Find(`#member-name`).Attr("value"); v != "New Person" {
		t.Errorf("name %q", v)
	}
	if v, _ := d.Find(`#member-role option[selected]`).Attr("value"); v != "billing_manager" {
		t.Errorf("role %q", v)
	}
	var n int
	if err := e.pool.QueryRow(context.Background(), `SELECT count(*) FROM members WHERE email = 'new.person@example.com'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("members %d, %v: kept content was applied", n, err)
	}
}

// TestKeptFormContentExpires (issue 16.4): kept content waits 30 minutes;
// after that, signing in shows the stored details and no notice.
func TestKeptFormContentExpires(t *testing.T) {
	e := newEnv(t, opt{mail: true})
	c := e.client()
	e.signInByForms(c, "acme", "ind@example.com")
	e.s.Exec(`UPDATE browser_sessions SET idle_expires_at = now() - interval '1 second' WHERE customer_id = $1`, e.cust)
	e.post(c, "/acme/portal/settings", url.Values{"billing_name": {"Too Late Ltd"}, "billing_address[country]": {"FR"}}).ExpectStatus(t, 303)
	st := webtest.ReadCookie(c, e.svc)
	if st.Kept.Fields.Get("billing_name") != "Too Late Ltd" || st.Kept.Fields.Has(html.CSRFField) {
		t.Fatalf("kept %v", st.Kept.Fields)
	}
	st.Kept.Until = time.Now().Add(-time.Second)
	webtest.SetSessionCookie(t, c, e.svc, st)
	e.signInByForms(c, "acme", "ind@example.com")
	if body := c.Get("/acme/portal/settings").ExpectStatus(t, 200).Text(); strings.Contains(body, "Too Late Ltd") || strings.Contains(body, `data-testid="kept-notice"`) {
		t.Fatal("expired kept content shown")
	}
}
