package team_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/web/webtest"
)

// Issue 16.9: adding a member sends them an invitation through the mail
// queue ("<Owner> added you to <Team> on <Workspace>", with the sign-in
// link), and the page says so. An address already on the team gets none.
func TestTeamPage_AddMemberSendsInvitation(t *testing.T) {
	e := newEnv(t, func(o *webtest.Options) { o.Mail, o.Start = true, true })
	e.s.Exec(`UPDATE members SET name = 'Olivia Owner' WHERE id = $1`, e.owner)
	e.s.Exec(`UPDATE customers SET name = 'Design Studio' WHERE id = $1`, e.team)
	c := e.page(e.team, e.owner)
	r := webtest.PostForm(t, c, e.svc, teamPage+"/members", url.Values{"email": {"new@example.com"}, "role": {"member"}})
	wantStatus(t, r, http.StatusSeeOther)
	flash := doc(t, c.Get(teamPage)).Find(`[data-testid=flash]`).Text()
	if !strings.Contains(flash, "new@example.com was added to the team.") || !strings.Contains(flash, "invitation") {
		t.Fatalf("flash %q", flash)
	}
	m := e.s.Mail.WaitFor(t, "new@example.com", 10*time.Second)
	if m.Subject != "Olivia Owner added you to Design Studio on Workspace acme" {
		t.Fatalf("subject %q", m.Subject)
	}
	link := baseURL + "/acme/portal/request?email=new%40example.com"
	if !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, link) {
		t.Fatalf("no sign-in link %s in:\n%s", link, m.Text)
	}
	// Already on the team: no second invitation.
	webtest.PostForm(t, c, e.svc, teamPage+"/members", url.Values{"email": {"new@example.com"}})
	e.s.Mail.Reset()
	webtest.PostForm(t, c, e.svc, teamPage+"/members", url.Values{"email": {"other@example.com"}})
	e.s.Mail.WaitFor(t, "other@example.com", 10*time.Second)
	for _, msg := range e.s.Mail.Messages() {
		for _, to := range msg.To {
			if strings.Contains(to, "new@example.com") {
				t.Fatal("an existing member was invited again")
			}
		}
	}
}

// Issue 16.9: handing ownership over is confirmed first (a page without
// JavaScript, naming both people and the consequence); a billing manager
// is offered neither the Owner choice nor Remove on the owner.
func TestTeamPage_OwnershipHandoverConfirmedAndOffersOnlyWhatTheViewerMay(t *testing.T) {
	e := newEnv(t)
	e.s.Exec(`UPDATE members SET name = 'Olivia Owner' WHERE id = $1`, e.owner)
	e.s.Exec(`UPDATE members SET name = 'Pat Plain' WHERE id = $1`, e.plain)
	e.s.Exec(`UPDATE customers SET name = 'Design Studio' WHERE id = $1`, e.team)
	c := e.page(e.team, e.owner)
	path := teamPage + "/members/" + e.plain.String() + "/role"
	r := webtest.PostForm(t, c, e.svc, path, url.Values{"role": {"owner"}})
	wantStatus(t, r, http.StatusOK)
	d := doc(t, r)
	text := d.Find(`[data-testid=transfer-confirm]`).Text()
	for _, want := range []string{"Make Pat Plain the owner of Design Studio?", "You (Olivia Owner) become a billing manager", "Keep ownership"} {
		if !strings.Contains(text, want) {
			t.Fatalf("confirmation lacks %q: %s", want, text)
		}
	}
	if e.owners(e.team) != 1 || e.scalar(`SELECT role FROM members WHERE id = $1`, e.owner) != "owner" {
		t.Fatal("ownership moved before the confirmation")
	}
	r = webtest.PostForm(t, c, e.svc, path, url.Values{"role": {"owner"}, "confirm": {"yes"}})
	wantStatus(t, r, http.StatusSeeOther)
	if e.scalar(`SELECT role FROM members WHERE id = $1`, e.plain) != "owner" || e.scalar(`SELECT role FROM members WHERE id = $1`, e.owner) != "billing_manager" {
		t.Fatal("the confirmed handover did not happen")
	}
}

func TestTeamPage_BillingManagerOffersOnlyWhatTheyMay(t *testing.T) {
	e := newEnv(t)
	owner := e.page(e.team, e.owner)
	d := doc(t, owner.Get(teamPage))
	plainRow := d.Find(`[data-testid=member-row][data-id="` + e.plain.String() + `"]`)
	form := plainRow.Find(`form.role-form`)
	if v, _ := form.Attr("data-confirm-if"); v != "role:owner" || plainRow.Find(`option[value=owner]`).Length() != 1 {
		t.Fatalf("the owner's role form does not offer a confirmed handover: %s", plainRow.Text())
	}
	if title, _ := form.Attr("data-confirm-title"); title != "Hand over ownership?" {
		t.Fatalf("title %q", title)
	}

	bm := e.page(e.team, e.bm)
	d = doc(t, bm.Get(teamPage))
	if n := d.Find(`option[value=owner]`).Length(); n != 0 {
		t.Fatalf("a billing manager is offered the Owner choice %d times", n)
	}
	ownerRow := d.Find(`[data-testid=member-row][data-id="` + e.owner.String() + `"]`)
	if ownerRow.Find(`[data-testid=member-remove]`).Length() != 0 || ownerRow.Find(`select`).Length() != 0 {
		t.Fatal("a billing manager is offered to change or remove the owner")
	}
	if ownerRow.Find(`[data-testid=member-role-text]`).Text() != "Owner" {
		t.Fatal("the owner's role is not shown")
	}
	if d.Find(`[data-testid=member-row][data-id="`+e.plain.String()+`"] [data-testid=member-remove]`).Length() != 1 {
		t.Fatal("a billing manager cannot remove a plain member")
	}
}

// Issue 16.11: a page words a field error in the customer's words, chosen
// by its code, never the validator's internals; the JSON API keeps the
// contract's message.
func TestTeamPage_EmailErrorInCustomersWords(t *testing.T) {
	e := newEnv(t)
	c := e.page(e.team, e.owner)
	for _, hx := range []bool{false, true} {
		var a string
		if hx {
			a = alerts(doc(t, webtest.HTMXPost(t, c, e.svc, teamPage+"/members", url.Values{"email": {"no-at-sign"}})))
		} else {
			a = alerts(doc(t, webtest.PostForm(t, c, e.svc, teamPage+"/members", url.Values{"email": {"no-at-sign"}})))
		}
		if !strings.Contains(a, "Enter a valid email address, like name@example.com.") || strings.Contains(a, "@-sign") || strings.Contains(a, "value is not") {
			t.Fatalf("hx=%v: alerts %q", hx, a)
		}
	}
	rec := e.do(http.MethodPost, "/members", e.ownerTok, map[string]any{"email": "no-at-sign"})
	if rec.Status != http.StatusUnprocessableEntity || !strings.Contains(rec.Text(), "is not a valid email address") {
		t.Fatalf("API: %d %s", rec.Status, rec.Text())
	}
}
