package team_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"portal/internal/app"
	"portal/internal/auth"
	"portal/internal/member"
	"portal/internal/testkit"
	"portal/web/webtest"
)

// page signs a browser in as the customer (member uuid.Nil) or member.
func (e *env) page(customerID, memberID uuid.UUID) *testkit.Client {
	return e.s.Browser(customerID, memberID)
}

func doc(t *testing.T, r *testkit.Response) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func wantStatus(t *testing.T, r *testkit.Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Text())
	}
}

// alerts returns the texts of every role=alert element.
func alerts(d *goquery.Document) string {
	var out []string
	d.Find(`[role=alert]`).Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
	return strings.Join(out, " | ")
}

const settings = "/acme/portal/settings"
const teamPage = "/acme/portal/team"

func billingForm(name, line1, city, postal, state, country string) url.Values {
	return url.Values{"billing_name": {name}, "billing_address[line1]": {line1}, "billing_address[city]": {city},
		"billing_address[postal_code]": {postal}, "billing_address[state]": {state}, "billing_address[country]": {country}}
}

func TestSettingsPage_ShowsForm(t *testing.T) {
	e := newEnv(t)
	e.s.Exec(`UPDATE customers SET billing_address = '{"country":"US","state":"US-NY","city":"NYC"}' WHERE id = $1`, e.ind)
	c := e.page(e.ind, uuid.Nil)
	r := c.Get(settings)
	wantStatus(t, r, http.StatusOK)
	d := doc(t, r)
	if v, _ := d.Find(`[data-testid=billing-email]`).Attr("value"); v != "ind@example.com" {
		t.Fatalf("email: %q", v)
	}
	if _, ok := d.Find(`[data-testid=billing-email]`).Attr("readonly"); !ok {
		t.Fatal("email not read-only")
	}
	if ac, _ := d.Find(`#billing-billing_name`).Attr("autocomplete"); ac != "organization" {
		t.Fatalf("billing name autocomplete %q", ac)
	}
	if d.Find(`label[for=billing-billing_name]`).Text() != "Billing name" {
		t.Fatal("billing name label")
	}
	// Every input has a label.
	d.Find(`#billing-form input:not([type=hidden]), #billing-form select`).Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("id")
		if d.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("input %s has no label", id)
		}
	})
	if v, _ := d.Find(`#billing-country option[selected]`).Attr("value"); v != "US" {
		t.Fatalf("country selected: %q", v)
	}
	if d.Find(`#billing-country option[value=RU]`).Length() != 0 || d.Find(`#billing-country option[value=FR]`).Text() != "France" {
		t.Fatal("country list")
	}
	if v, _ := d.Find(`#billing-state`).Attr("value"); v != "NY" {
		t.Fatalf("state shown as %q", v)
	}
	// The state field serves every country whose addresses have one (issue
	// 16.10), no longer only the US and Canada; the two-letter rule for those
	// two is in its hint.
	if !strings.Contains(d.Find(`label[for=billing-state]`).Text(), "where your country uses one") ||
		!strings.Contains(d.Find(`#billing-state-hint`).Text(), "In the US and Canada") {
		t.Fatal("state hint")
	}
	if d.Find(`[data-testid=linked-accounts]`).Length() != 1 {
		t.Fatal("linked accounts panel missing")
	}
}

func TestSettingsPage_SaveWithoutJS(t *testing.T) {
	e := newEnv(t)
	c := e.page(e.ind, uuid.Nil)
	r := webtest.PostForm(t, c, e.svc, settings, billingForm("ACME", "1 Main", "Paris", "75001", "ignored", "FR"))
	wantStatus(t, r, http.StatusSeeOther)
	if r.Location() != settings {
		t.Fatalf("redirect to %q", r.Location())
	}
	d := doc(t, c.Get(settings))
	if got := strings.TrimSpace(d.Find(`[data-testid=flash]`).Text()); got != "Billing details saved." {
		t.Fatalf("flash %q", got)
	}
	raw := e.scalar(`SELECT billing_name || ' ' || billing_address::text FROM customers WHERE id = $1`, e.ind).(string)
	if !strings.Contains(raw, "ACME") || !strings.Contains(raw, `"city": "Paris"`) || strings.Contains(raw, "state") {
		t.Fatalf("stored %s", raw)
	}
	// Clearing every field clears the name and the address.
	wantStatus(t, webtest.PostForm(t, c, e.svc, settings, billingForm("", "", "", "", "", "")), http.StatusSeeOther)
	if v := e.scalar(`SELECT billing_name IS NULL AND billing_address IS NULL FROM customers WHERE id = $1`, e.ind); v != true {
		t.Fatal("not cleared")
	}
}

func TestSettingsPage_SaveWithHTMX(t *testing.T) {
	e := newEnv(t)
	c := e.page(e.team, e.owner)
	r := webtest.HTMXPost(t, c, e.svc, settings, billingForm("Team Inc", "5 Road", "Toronto", "M5V 3L9", "on", "CA"))
	wantStatus(t, r, http.StatusOK)
	d := doc(t, r)
	if d.Find(`html`).Length() != 0 && d.Find(`head title`).Length() != 0 {
		t.Fatal("HTMX got a full page")
	}
	if got := strings.TrimSpace(d.Find(`[data-testid=billing-saved]`).Text()); got != "Billing details saved." {
		t.Fatalf("saved message %q in %s", got, r.Text())
	}
	if v, _ := d.Find(`#billing-state`).Attr("value"); v != "ON" {
		t.Fatalf("state %q", v)
	}
	if v := e.scalar(`SELECT billing_address->>'state' FROM customers WHERE id = $1`, e.team); v != "CA-ON" {
		t.Fatalf("stored state %v", v)
	}
}

func TestSettingsPage_Errors(t *testing.T) {
	e := newEnv(t)
	c := e.page(e.ind, uuid.Nil)
	cases := []struct {
		form url.Values
		want string
	}{
		{billingForm("", "1 Main", "", "", "", ""), "Choose a country for the billing address."},
		{billingForm("", "", "", "", "", "RU"), "Billing addresses in this country are not supported."},
		{billingForm("", "", "", "", "ZZ", "US"), "Invalid US state"},
		{billingForm("", "", "", "", "ZZ", "CA"), "Invalid CA province"},
		{billingForm(strings.Repeat("n", 257), "", "", "", "", ""), "This is too long: at most 256 characters."},
		{billingForm("", "", strings.Repeat("c", 257), "", "", "FR"), "This is too long: at most 256 characters."},
	}
	for _, tc := range cases {
		for _, hx := range []bool{false, true} {
			var r *testkit.Response
			if hx {
				r = webtest.HTMXPost(t, c, e.svc, settings, tc.form)
			} else {
				r = webtest.PostForm(t, c, e.svc, settings, tc.form)
			}
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if a := alerts(doc(t, r)); !strings.Contains(a, tc.want) {
				t.Fatalf("hx=%v: alerts %q, want %q", hx, a, tc.want)
			}
		}
	}
	if v := e.scalar(`SELECT modified_at IS NULL FROM customers WHERE id = $1`, e.ind); v != true {
		t.Fatal("an invalid form wrote")
	}
}

// Issue 16.10 on the page: a country alone is not a billing address, a
// postal code must have the country's form, the errors stand next to their
// fields in the page's language (German here) with an example of the form,
// and everything typed comes back in the form.
func TestSettingsPage_AddressPerCountry(t *testing.T) {
	e := newEnv(t)
	c := e.page(e.ind, uuid.Nil)
	wantStatus(t, c.Get(settings+"?lang=de"), http.StatusOK)
	for _, hx := range []bool{false, true} {
		post := webtest.PostForm
		if hx {
			post = func(t testing.TB, c *testkit.Client, svc *app.Services, path string, form url.Values, _ ...string) *testkit.Response {
				return webtest.HTMXPost(t, c, svc, path, form)
			}
		}
		form := billingForm("Müller GmbH", "Unter den Linden 1", "Berlin", "1011", "", "DE")
		form.Set("billing_address[line2]", "3. OG")
		r := post(t, c, e.svc, settings, form)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		d := doc(t, r)
		if got := d.Find(`#billing-postal_code-error`).Text(); got != "Geben Sie eine Postleitzahl in der Form 26133 ein." {
			t.Errorf("hx=%v: postal code error %q", hx, got)
		}
		if v, _ := d.Find(`#billing-postal_code`).Attr("aria-invalid"); v != "true" {
			t.Errorf("hx=%v: postal code not marked invalid", hx)
		}
		for id, want := range map[string]string{"billing_name": "Müller GmbH", "line1": "Unter den Linden 1", "line2": "3. OG", "city": "Berlin", "postal_code": "1011"} {
			if v, _ := d.Find(`#billing-` + id).Attr("value"); v != want {
				t.Errorf("hx=%v: %s kept as %q, want %q", hx, id, v, want)
			}
		}
		if sel := d.Find(`#billing-country option[selected]`); sel.AttrOr("value", "") != "DE" || sel.Text() != "Deutschland" {
			t.Errorf("hx=%v: country %q %q", hx, sel.AttrOr("value", ""), sel.Text())
		}
		// The postal code's hint shows the country's form; each option
		// carries its own for the script.
		if got := strings.TrimSpace(d.Find(`#billing-postal_code-hint`).Text()); got != "Zum Beispiel 26133" {
			t.Errorf("hx=%v: postal hint %q", hx, got)
		}
		if v := d.Find(`#billing-country option[value=GB]`).AttrOr("data-postal", ""); v != "EC1Y 8SY" {
			t.Errorf("hx=%v: GB option data-postal %q", hx, v)
		}
		if _, ok := d.Find(`#billing-country option[value=HK]`).Attr("data-postal"); ok {
			t.Errorf("hx=%v: HK has a postal example", hx)
		}
		// A country alone: each missing part is named at its field.
		d = doc(t, post(t, c, e.svc, settings, billingForm("", "", "", "", "", "FR")))
		for id, want := range map[string]string{"line1": "Geben Sie Straße und Hausnummer ein.", "city": "Geben Sie den Ort ein.",
			"postal_code": "Geben Sie eine Postleitzahl in der Form 33380 ein."} {
			if got := d.Find(`#billing-` + id + `-error`).Text(); got != want {
				t.Errorf("hx=%v: %s error %q, want %q", hx, id, got, want)
			}
		}
		// A US address needs its state.
		d = doc(t, post(t, c, e.svc, settings, billingForm("", "1 Main St", "Springfield", "62701", "", "US")))
		if got := d.Find(`#billing-state-error`).Text(); got != "Geben Sie das Bundesland, die Provinz oder die Region ein." {
			t.Errorf("hx=%v: state error %q", hx, got)
		}
	}
	if v := e.scalar(`SELECT modified_at IS NULL FROM customers WHERE id = $1`, e.ind); v != true {
		t.Fatal("an incomplete address was written")
	}
	// Complete addresses are saved; the postal code as the country writes it.
	wantStatus(t, webtest.PostForm(t, c, e.svc, settings, billingForm("", "10 Downing St", "London", "sw1a 2aa", "", "GB")), http.StatusSeeOther)
	if v := e.scalar(`SELECT billing_address->>'postal_code' FROM customers WHERE id = $1`, e.ind); v != "SW1A 2AA" {
		t.Fatalf("stored postal code %v", v)
	}
	wantStatus(t, webtest.PostForm(t, c, e.svc, settings, billingForm("", "1 Nathan Rd", "", "", "Kowloon", "HK")), http.StatusSeeOther)

	// "(optional)" follows what the stored country requires: in Ireland
	// the Eircode and the county are optional, the city is not; line 2 is
	// always optional; each option says what its country needs.
	wantStatus(t, webtest.PostForm(t, c, e.svc, settings, billingForm("", "1 Grafton St", "Dublin", "", "", "IE")), http.StatusSeeOther)
	d := doc(t, c.Get(settings))
	for id, want := range map[string]bool{"line2": true, "postal_code": true, "state": true, "city": false, "line1": false} {
		mark := d.Find(`label[for=billing-` + id + `] [data-optional]`)
		_, hidden := mark.Attr("hidden")
		if shown := mark.Length() == 1 && !hidden; shown != want {
			t.Errorf("IE: %s marked optional = %v, want %v", id, shown, want)
		}
	}
	if got := strings.TrimSpace(d.Find(`label[for=billing-postal_code] [data-optional]`).Text()); got != "(optional)" {
		t.Errorf("optional mark %q", got)
	}
	for cc, want := range map[string]string{"US": "CSZ", "IE": "C", "HK": "S", "JP": "SZ", "DE": "CZ"} {
		if v, _ := d.Find(`#billing-country option[value=` + cc + `]`).Attr("data-needs"); v != want {
			t.Errorf("%s data-needs %q, want %q", cc, v, want)
		}
	}
}

func TestSettingsPage_PlainMember(t *testing.T) {
	e := newEnv(t)
	c := e.page(e.team, e.plain)
	r := c.Get(settings)
	wantStatus(t, r, http.StatusOK)
	d := doc(t, r)
	if d.Find(`#billing-form`).Length() != 0 {
		t.Fatal("plain member sees the billing form")
	}
	if !strings.Contains(d.Find(`[data-testid=billing-not-allowed]`).Text(), "Only owners and billing managers can change billing details") {
		t.Fatal("no explanation")
	}
	if d.Find(`[data-testid=profile-email]`).Text() != "plain@example.com" {
		t.Fatalf("own email: %q", d.Find(`[data-testid=profile-email]`).Text())
	}
	wantStatus(t, webtest.PostForm(t, c, e.svc, settings, billingForm("X", "", "", "", "", "")), http.StatusForbidden)
}

func TestSettingsPage_SignedOutRedirects(t *testing.T) {
	e := newEnv(t)
	c := e.s.Client()
	r := c.Get(settings)
	wantStatus(t, r, http.StatusSeeOther)
	// Sign-in remembers the page to return to (issue 16.4).
	want := "/acme/portal/request?" + url.Values{"next": {settings}}.Encode()
	if r.Location() != want {
		t.Fatalf("to %q, want %q", r.Location(), want)
	}
}

func TestTeamPage_List(t *testing.T) {
	e := newEnv(t)
	c := e.page(e.team, e.bm)
	r := c.Get(teamPage)
	wantStatus(t, r, http.StatusOK)
	d := doc(t, r)
	rows := d.Find(`[data-testid=member-row]`)
	if rows.Length() != 3 {
		t.Fatalf("%d rows", rows.Length())
	}
	self := d.Find(`[data-testid=member-row][data-id="` + e.bm.String() + `"]`)
	if !strings.Contains(self.Text(), "(you)") {
		t.Fatal("no (you) marker")
	}
	if _, ok := self.Find(`select[name=role]`).Attr("disabled"); !ok {
		t.Fatal("own role select enabled")
	}
	if self.Find(`[data-testid=member-remove]`).Length() != 0 {
		t.Fatal("can remove yourself")
	}
	plain := d.Find(`[data-testid=member-row][data-id="` + e.plain.String() + `"]`)
	if link, _ := plain.Find(`[data-copy]`).Attr("data-copy"); link != "http://portal.test/acme/portal/request?email=plain%40example.com" {
		t.Fatalf("sign-in link %q", link)
	}
	if conf, _ := plain.Find(`form[data-confirm]`).Attr("data-confirm"); !strings.Contains(conf, "Remove Member plain@example.com from the team?") {
		t.Fatalf("confirm %q", conf)
	}
	if d.Find(`#member-role option[value=owner]`).Length() != 0 {
		t.Fatal("add form offers owner")
	}
	if d.Find(`[data-testid=nav-team][aria-current=page]`).Length() != 1 {
		t.Fatal("nav")
	}
}

func TestTeamPage_NotAllowed(t *testing.T) {
	e := newEnv(t)
	indOwner := testkit.Member(t, e.pool, e.ind, "solo@example.com", auth.RoleOwner)
	for _, tc := range []struct {
		cust, mem uuid.UUID
		want      string
	}{
		{e.ind, uuid.Nil, "Teams don't apply"}, // a workspace without member sign-in (issue 8)
		{e.team, e.plain, "Only the team's owner and billing managers"},
		{e.ind, indOwner, member.MsgNotTeam},
	} {
		r := e.page(tc.cust, tc.mem).Get(teamPage)
		wantStatus(t, r, http.StatusForbidden)
		if got := doc(t, r).Find(`[data-testid=team-not-allowed]`).Text(); !strings.Contains(got, tc.want) {
			t.Fatalf("explanation %q, want %q", got, tc.want)
		}
	}
}

func TestTeamPage_AddMember(t *testing.T) {
	e := newEnv(t)
	c := e.page(e.team, e.owner)
	r := webtest.PostForm(t, c, e.svc, teamPage+"/members", url.Values{"email": {"new@example.com"}, "name": {"Newbie"}, "role": {"billing_manager"}})
	wantStatus(t, r, http.StatusSeeOther)
	d := doc(t, c.Get(teamPage))
	if !strings.Contains(d.Find(`[data-testid=flash]`).Text(), "new@example.com was added to the team.") {
		t.Fatalf("flash %q", d.Find(`[data-testid=flash]`).Text())
	}
	if d.Find(`[data-testid=member-row]`).Length() != 4 {
		t.Fatal("not listed")
	}
	// HTMX: the panel comes back with the notice.
	r = webtest.HTMXPost(t, c, e.svc, teamPage+"/members", url.Values{"email": {"two@example.com"}, "role": {"member"}})
	wantStatus(t, r, http.StatusOK)
	d = doc(t, r)
	if d.Find(`#team-panel`).Length() != 1 || !strings.Contains(d.Find(`[data-testid=team-notice]`).Text(), "two@example.com was added") {
		t.Fatalf("panel: %s", r.Text())
	}
	// Already there.
	r = webtest.HTMXPost(t, c, e.svc, teamPage+"/members", url.Values{"email": {"two@example.com"}})
	if !strings.Contains(doc(t, r).Find(`[data-testid=team-notice]`).Text(), "two@example.com is already on the team.") {
		t.Fatalf("existing: %s", r.Text())
	}
	// Errors, inline, with and without HTMX.
	for _, tc := range []struct {
		form   url.Values
		status int
		want   string
	}{
		{url.Values{"email": {"nope"}}, 422, "Enter a valid email address"},
		{url.Values{"email": {""}}, 422, "Enter a valid email address"},
		{url.Values{"email": {"x@example.com"}, "name": {strings.Repeat("n", 257)}}, 422, "The name is too long: at most 256 characters."},
		{url.Values{"email": {"x@example.com"}, "role": {"king"}}, 422, "Choose Member or Billing manager."},
		{url.Values{"email": {"x@example.com"}, "role": {"owner"}}, 400, member.MsgAddOwner},
	} {
		for _, hx := range []bool{false, true} {
			if hx {
				r = webtest.HTMXPost(t, c, e.svc, teamPage+"/members", tc.form)
			} else {
				r = webtest.PostForm(t, c, e.svc, teamPage+"/members", tc.form)
			}
			wantStatus(t, r, tc.status)
			if a := alerts(doc(t, r)); !strings.Contains(a, tc.want) {
				t.Fatalf("hx=%v %v: alerts %q", hx, tc.form, a)
			}
		}
	}
}

func TestTeamPage_RoleChanges(t *testing.T) {
	e := newEnv(t)
	c := e.page(e.team, e.owner)
	r := webtest.PostForm(t, c, e.svc, teamPage+"/members/"+e.plain.String()+"/role", url.Values{"role": {"billing_manager"}})
	wantStatus(t, r, http.StatusSeeOther)
	if v := e.scalar(`SELECT role FROM members WHERE id = $1`, e.plain); v != "billing_manager" {
		t.Fatalf("role %v", v)
	}
	// Rule violations show on the row, with and without HTMX.
	cb := e.page(e.team, e.bm)
	for _, tc := range []struct {
		cl     *testkit.Client
		target uuid.UUID
		role   string
		want   string
	}{
		{c, e.owner, "member", member.MsgOwnRole},
		{cb, e.plain, "owner", member.MsgOnlyOwnerCan},
		{cb, e.owner, "member", member.MsgExactlyOneOwner},
	} {
		for _, hx := range []bool{false, true} {
			path := teamPage + "/members/" + tc.target.String() + "/role"
			if hx {
				r = webtest.HTMXPost(t, tc.cl, e.svc, path, url.Values{"role": {tc.role}})
			} else {
				r = webtest.PostForm(t, tc.cl, e.svc, path, url.Values{"role": {tc.role}})
			}
			wantStatus(t, r, http.StatusBadRequest)
			row := doc(t, r).Find(`[data-testid=member-row][data-id="` + tc.target.String() + `"]`)
			if got := row.Find(`[data-testid=member-error]`).Text(); got != tc.want {
				t.Fatalf("hx=%v: row error %q, want %q", hx, got, tc.want)
			}
		}
	}
	// Transfer through HTMX: the panel shows the new owner.
	r = webtest.HTMXPost(t, c, e.svc, teamPage+"/members/"+e.plain.String()+"/role", url.Values{"role": {"owner"}})
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(doc(t, r).Find(`[data-testid=team-notice]`).Text(), "plain@example.com is now the owner") {
		t.Fatalf("transfer: %s", r.Text())
	}
	if e.owners(e.team) != 1 {
		t.Fatal("owners")
	}
}

func TestTeamPage_Remove(t *testing.T) {
	e := newEnv(t)
	c := e.page(e.team, e.owner)
	path := teamPage + "/members/" + e.plain.String() + "/remove"
	// Without JavaScript: a confirmation step first.
	r := webtest.PostForm(t, c, e.svc, path, url.Values{})
	wantStatus(t, r, http.StatusOK)
	d := doc(t, r)
	if d.Find(`[data-testid=remove-confirm]`).Length() != 1 || d.Find(`input[name=confirm][value=yes]`).Length() != 1 {
		t.Fatalf("no confirmation step: %s", r.Text())
	}
	if v := e.scalar(`SELECT deleted_at IS NULL FROM members WHERE id = $1`, e.plain); v != true {
		t.Fatal("removed before confirmation")
	}
	r = webtest.PostForm(t, c, e.svc, path, url.Values{"confirm": {"yes"}})
	wantStatus(t, r, http.StatusSeeOther)
	if !strings.Contains(doc(t, c.Get(teamPage)).Find(`[data-testid=flash]`).Text(), "plain@example.com was removed from the team.") {
		t.Fatal("flash")
	}
	// The removed member's browser session ends at once.
	gone := e.page(e.team, e.bm)
	wantStatus(t, gone.Get(teamPage), http.StatusOK)
	r = webtest.HTMXPost(t, c, e.svc, teamPage+"/members/"+e.bm.String()+"/remove", url.Values{"confirm": {"yes"}})
	wantStatus(t, r, http.StatusOK)
	if doc(t, r).Find(`[data-testid=member-row]`).Length() != 1 {
		t.Fatalf("rows after removal: %s", r.Text())
	}
	wantStatus(t, gone.Get(teamPage), http.StatusSeeOther)
	// Removing yourself: the rule, on your row.
	r = webtest.HTMXPost(t, c, e.svc, teamPage+"/members/"+e.owner.String()+"/remove", url.Values{"confirm": {"yes"}})
	wantStatus(t, r, http.StatusBadRequest)
	if got := doc(t, r).Find(`[data-testid=member-error]`).Text(); got != member.MsgRemoveSelf {
		t.Fatalf("self removal: %q", got)
	}
	// Another team's member: 404.
	wantStatus(t, webtest.PostForm(t, c, e.svc, teamPage+"/members/"+e.other.String()+"/remove", url.Values{"confirm": {"yes"}}), http.StatusNotFound)
}

// The team's only owner cannot be removed from the page (D2): a billing
// manager's removal of the owner is refused on the owner's row, with and
// without HTMX, and the owner stays, still the one owner.
func TestTeamPage_OnlyOwnerCannotBeRemoved(t *testing.T) {
	e := newEnv(t)
	cb := e.page(e.team, e.bm)
	path := teamPage + "/members/" + e.owner.String() + "/remove"
	for _, hx := range []bool{false, true} {
		var r *testkit.Response
		if hx {
			r = webtest.HTMXPost(t, cb, e.svc, path, url.Values{"confirm": {"yes"}})
		} else {
			r = webtest.PostForm(t, cb, e.svc, path, url.Values{"confirm": {"yes"}})
		}
		wantStatus(t, r, http.StatusBadRequest)
		row := doc(t, r).Find(`[data-testid=member-row][data-id="` + e.owner.String() + `"]`)
		if got := row.Find(`[data-testid=member-error]`).Text(); got != member.MsgRemoveOnlyOwner {
			t.Fatalf("hx=%v: row error %q, want %q: %s", hx, got, member.MsgRemoveOnlyOwner, r.Text())
		}
		if v := e.scalar(`SELECT deleted_at IS NULL AND role = 'owner' FROM members WHERE id = $1`, e.owner); v != true {
			t.Fatalf("hx=%v: the only owner was removed or demoted", hx)
		}
		if e.owners(e.team) != 1 {
			t.Fatalf("hx=%v: %d owners", hx, e.owners(e.team))
		}
	}
	// The owner can still use the team page.
	wantStatus(t, e.page(e.team, e.owner).Get(teamPage), http.StatusOK)
}

// Issue 16.7: "Billing details saved." never stays above a validation
// error: the HTMX answer with the error empties #flash out of band.
func TestSettingsPage_HTMXErrorReplacesSavedFlash(t *testing.T) {
	e := newEnv(t)
	c := e.page(e.team, e.owner)
	wantStatus(t, webtest.HTMXPost(t, c, e.svc, settings, billingForm("Team Inc", "5 Road", "Toronto", "M5V 3L9", "on", "CA")), http.StatusOK)
	r := webtest.HTMXPost(t, c, e.svc, settings, billingForm("", "", "", "", "ZZ", "US"))
	wantStatus(t, r, http.StatusUnprocessableEntity)
	d := doc(t, r)
	oob := d.Find(`#flash[hx-swap-oob]`)
	if oob.Length() != 1 || strings.TrimSpace(oob.Text()) != "" || strings.Contains(r.Text(), "Billing details saved.") {
		t.Fatalf("the error answer does not reset #flash: %s", r.Text())
	}
}
