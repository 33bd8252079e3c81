package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"
)

// The team journeys (docs/design.md "Pages", "Team members", D2): the owner adds, changes,
// removes and hands over; a billing manager manages but cannot take or
// strip ownership; a plain member is told no and cannot forge their way
// in; a workspace without teams says so.

const designTeam = "design@teamco.example.com"

// teamRow is the CSS selector of a member's table row.
func teamRow(e *env, memberEmail string) string {
	_, id := e.member("teamco", designTeam, memberEmail)
	return "#member-" + id.String()
}

// teamRole is the member's live role in the design team ("" once removed).
func teamRole(e *env, memberEmail string) string {
	e.t.Helper()
	var role string
	err := e.pool.QueryRow(e.t.Context(), `SELECT coalesce((SELECT m.role FROM members m JOIN customers c ON c.id = m.customer_id
		WHERE c.email = $1 AND m.email = $2 AND m.deleted_at IS NULL), '')`, designTeam, memberEmail).Scan(&role)
	if err != nil {
		e.t.Fatal(err)
	}
	return role
}

// teamNotice waits for the success message of an HTMX action and returns it.
func (tb *tab) teamNotice(want string) {
	tb.t.Helper()
	tb.waitFor(fmt.Sprintf(`(() => { const n = document.querySelector('[data-testid="team-notice"]');
		return !!n && n.textContent.includes(%q) })()`, want))
	// Announced: the message sits in a live region that was on the page
	// before the swap (a region inserted with its text is often not read).
	if !eval[bool](tb, `(() => { const n = document.querySelector('[data-testid="team-notice"]');
		return !!n.closest('[aria-live]') || n.getAttribute('role') === 'alert' })()`) {
		tb.t.Errorf("the notice %q is not in a live region", want)
	}
}

// setRole picks a role in a member's row and saves it.
func (tb *tab) setRole(row, role string) {
	tb.t.Helper()
	tb.setField(row+` select[name="role"]`, role)
	tb.run(chromedp.Click(chromedp.CSS(row + " " + tid("member-role-save"))))
}

// setField sets an input's or a select's value by script: after an HTMX
// swap the element is a new node, and a script finds it fresh.
func (tb *tab) setField(sel, v string) {
	tb.t.Helper()
	if !eval[bool](tb, fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false;
		el.value = %q; el.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, sel, v)) {
		tb.t.Fatalf("no field %s", sel)
	}
}

// confirmDialog waits for the confirmation <dialog> and clicks Confirm.
func (tb *tab) confirmDialog() {
	tb.t.Helper()
	tb.waitFor(`!!document.querySelector('dialog.confirm[open]')`)
	tb.run(chromedp.Click(chromedp.CSS(`dialog.confirm[open] [data-act="ok"]`)))
}

type fetchResult struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// forge posts a form from the page with fetch, carrying the page's real
// CSRF token: the refusal must come from the role rules, not from CSRF.
func (tb *tab) forge(path, body string) fetchResult {
	tb.t.Helper()
	return value(tb, chromedp.Evaluate[fetchResult](fmt.Sprintf(`(async () => {
		const tok = document.querySelector('meta[name="csrf-token"]').content;
		const r = await fetch(%q, {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': tok}, body: %q});
		return {status: r.status, body: await r.text()} })()`, path, body), chromedp.EvalAwaitPromise))
}

func TestTeamOwnerJourney(t *testing.T) {
	e := newEnv(t)
	tb := e.tab()
	design, olivia := e.member("teamco", designTeam, "olivia@example.com")
	tb.signInCookie(design, olivia)
	// The form errors (422) and rule refusals (400) are designed answers;
	// Chromium logs every 4xx fetch as a failed load.
	tb.allow("status of 422")
	tb.allow("status of 400")
	tb.open("/teamco/portal/team")
	if got := tb.count(tid("member-row")); got != 4 {
		t.Fatalf("the team shows %d members, want 4", got)
	}
	if tb.count(teamRow(e, "olivia@example.com")+" "+tid("member-you")) != 1 {
		t.Error("olivia's own row has no (you) marker")
	}
	if tb.count(teamRow(e, "olivia@example.com")+" "+tid("member-remove")) != 0 ||
		!eval[bool](tb, fmt.Sprintf(`document.querySelector(%q).disabled`, teamRow(e, "olivia@example.com")+` select`)) {
		t.Error("the owner can try to change or remove herself")
	}
	if got := eval[string](tb, `document.querySelector('[data-testid="nav-team"]').getAttribute('aria-current')`); got != "page" {
		t.Errorf("team nav item aria-current = %q", got)
	}
	tb.check("team (owner)")

	// Invalid email: an inline error on the field, nothing written.
	before := e.s.Count(`SELECT count(*) FROM members WHERE customer_id = $1`, design)
	tb.run(chromedp.SendKeys(chromedp.CSS(tid("add-member-email")), "not-an-email"),
		chromedp.Click(chromedp.CSS(tid("add-member"))))
	tb.waitFor(`!!document.querySelector('#member-email-error')`)
	if got := eval[string](tb, `document.querySelector('#member-email').getAttribute('aria-invalid')`); got != "true" {
		t.Errorf("the invalid email field has aria-invalid=%q", got)
	}
	if got := eval[string](tb, `document.querySelector('#member-email-error').getAttribute('role')`); got != "alert" {
		t.Errorf("the email error has role=%q, want alert", got)
	}
	if got := eval[string](tb, `document.querySelector('#member-email').value`); got != "not-an-email" {
		t.Errorf("the form lost what was typed: %q", got)
	}
	if n := e.s.Count(`SELECT count(*) FROM members WHERE customer_id = $1`, design); n != before {
		t.Errorf("an invalid add wrote a member: %d rows, was %d", n, before)
	}
	tb.check("team (invalid email)")

	// Add a member: announced, in the table, in the database.
	tb.setField(tid("add-member-email"), "")
	tb.setField(tid("add-member-role"), "billing_manager")
	tb.run(chromedp.SendKeys(chromedp.CSS(tid("add-member-email")), "nora@example.com"),
		chromedp.SendKeys(chromedp.CSS(tid("add-member-name")), "Nora New"),
		chromedp.Click(chromedp.CSS(tid("add-member"))))
	tb.teamNotice("nora@example.com was added")
	if got := teamRole(e, "nora@example.com"); got != "billing_manager" {
		t.Errorf("nora's role in the database = %q, want billing_manager", got)
	}
	nora := teamRow(e, "nora@example.com")
	if got := tb.text(nora + " " + tid("member-label")); got != "Nora New" {
		t.Errorf("the new row is labelled %q", got)
	}
	if got := eval[string](tb, fmt.Sprintf(`document.querySelector(%q).value`, nora+` select`)); got != "billing_manager" {
		t.Errorf("the new row's role select = %q", got)
	}
	if got := eval[string](tb, `document.querySelector('#member-email').value`); got != "" {
		t.Errorf("the add form still holds %q after success", got)
	}
	tb.check("team (member added)")

	// Change a role.
	mia := teamRow(e, "mia@example.com")
	tb.setRole(mia, "billing_manager")
	tb.teamNotice("The role of mia@example.com is now Billing manager")
	if got := teamRole(e, "mia@example.com"); got != "billing_manager" {
		t.Errorf("mia's role in the database = %q", got)
	}

	// Remove through the confirmation dialog, by keyboard: Escape cancels
	// and gives focus back to the Remove button; then confirm.
	pat := teamRow(e, "pat@example.com")
	tb.run(chromedp.Focus(chromedp.CSS(pat + " " + tid("member-remove"))))
	tb.press("\r")
	tb.waitFor(`!!document.querySelector('dialog.confirm[open]')`)
	if !eval[bool](tb, `document.querySelector('dialog.confirm[open]').contains(document.activeElement)`) {
		t.Error("focus did not move into the confirmation dialog")
	}
	if got := tb.text(`dialog.confirm[open] #confirm-text`); !strings.Contains(got, "Pat Shared") {
		t.Errorf("the dialog asks %q", got)
	}
	if d, ok := tb.focusVisible(); !ok {
		t.Errorf("no visible focus in the dialog (%s)", d)
	}
	tb.check("team (remove dialog)")
	tb.press(kb.Escape)
	tb.waitFor(`!document.querySelector('dialog.confirm[open]')`)
	if got := eval[string](tb, `document.activeElement.getAttribute('data-testid') + ' ' + document.activeElement.getAttribute('aria-label')`); got != "member-remove Remove Pat Shared" {
		t.Errorf("after Escape the focus is on %q, want pat's Remove button", got)
	}
	if teamRole(e, "pat@example.com") != "member" {
		t.Fatal("Escape removed the member")
	}
	tb.press("\r")
	tb.confirmDialog()
	tb.teamNotice("pat@example.com was removed")
	if teamRole(e, "pat@example.com") != "" {
		t.Error("pat is still on the team in the database")
	}
	if tb.count(pat) != 0 {
		t.Error("pat's row is still shown")
	}

	// The one-owner rule: handing ownership over demotes olivia in the
	// same step; then she cannot demote the (only) new owner.
	// Handing over is confirmed first (issue 16.9): the dialog names both
	// people and the consequence; Cancel changes nothing.
	bill := teamRow(e, "bill@example.com")
	tb.setRole(bill, "owner")
	tb.waitFor(`!!document.querySelector('dialog.confirm[open]')`)
	if got := tb.text(`dialog.confirm[open] #confirm-title`); got != "Hand over ownership?" {
		t.Errorf("the handover dialog's title is %q", got)
	}
	if got := tb.text(`dialog.confirm[open] #confirm-text`); !strings.Contains(got, "Make Bill Billing the owner of Design Studio?") || !strings.Contains(got, "become a billing manager") {
		t.Errorf("the handover dialog asks %q", got)
	}
	if got := tb.text(`dialog.confirm[open] [data-act="ok"]`); !strings.HasPrefix(got, "Make ") {
		t.Errorf("the handover dialog's verb is %q", got)
	}
	tb.check("team (handover dialog)")
	tb.run(chromedp.Click(chromedp.CSS(`dialog.confirm[open] [data-act="cancel"]`)))
	tb.waitFor(`!document.querySelector('dialog.confirm[open]')`)
	if teamRole(e, "bill@example.com") != "billing_manager" || teamRole(e, "olivia@example.com") != "owner" {
		t.Fatal("Cancel handed ownership over")
	}
	tb.setRole(bill, "owner")
	tb.confirmDialog()
	tb.teamNotice("bill@example.com is now the owner")
	if a, b := teamRole(e, "bill@example.com"), teamRole(e, "olivia@example.com"); a != "owner" || b != "billing_manager" {
		t.Errorf("after the transfer bill=%s olivia=%s, want owner/billing_manager", a, b)
	}
	// Olivia, now a billing manager, is offered no way to change the owner;
	// a forged request is refused by the rule.
	if tb.count(bill+` select[name="role"]`) != 0 || tb.count(bill+" "+tid("member-remove")) != 0 {
		t.Error("a billing manager is offered to change or remove the owner")
	}
	_, billID := e.member("teamco", designTeam, "bill@example.com")
	if r := tb.forge("/teamco/portal/team/members/"+billID.String()+"/role", "role=member"); r.Status != 400 || !strings.Contains(r.Body, "exactly one owner") {
		t.Errorf("demoting the only owner: %d", r.Status)
	}
	if teamRole(e, "bill@example.com") != "owner" {
		t.Error("the only owner was demoted")
	}
	tb.check("team (one-owner refusal)")
}

func TestTeamBillingManagerJourney(t *testing.T) {
	e := newEnv(t)
	tb := e.tab()
	design, bill := e.member("teamco", designTeam, "bill@example.com")
	tb.signInCookie(design, bill)
	tb.allow("status of 400")
	tb.open("/teamco/portal/overview")
	if tb.count(tid("nav-team")) != 1 || tb.count(tid("nav-billing")) != 1 {
		t.Error("a billing manager should see Billing and Team in the navigation")
	}
	tb.clickNav(tid("nav-team"))
	tb.check("team (billing manager)")

	// Allowed: adding a member.
	tb.run(chromedp.SendKeys(chromedp.CSS(tid("add-member-email")), "max@example.com"),
		chromedp.Click(chromedp.CSS(tid("add-member"))))
	tb.teamNotice("max@example.com was added")
	if teamRole(e, "max@example.com") != "member" {
		t.Error("max was not added as a member")
	}

	// Refused: taking ownership, demoting or removing the only owner.
	// The page offers none of these (issue 16.9); forged requests are
	// refused by the rules.
	mia, olivia := teamRow(e, "mia@example.com"), teamRow(e, "olivia@example.com")
	if tb.count(mia+` option[value="owner"]`) != 0 || tb.count(olivia+` select[name="role"]`) != 0 || tb.count(olivia+" "+tid("member-remove")) != 0 {
		t.Error("a billing manager is offered the Owner choice or a change to the owner")
	}
	_, miaID := e.member("teamco", designTeam, "mia@example.com")
	_, oliviaID := e.member("teamco", designTeam, "olivia@example.com")
	for _, f := range []struct{ path, body, want string }{
		{"/teamco/portal/team/members/" + miaID.String() + "/role", "role=owner", "Only the owner can transfer ownership."},
		{"/teamco/portal/team/members/" + oliviaID.String() + "/role", "role=member", "exactly one owner"},
		{"/teamco/portal/team/members/" + oliviaID.String() + "/remove", "confirm=yes", "Cannot remove the only owner"},
	} {
		if r := tb.forge(f.path, f.body); r.Status != 400 || !strings.Contains(r.Body, f.want) {
			t.Errorf("%s %s: %d, want 400 %q", f.path, f.body, r.Status, f.want)
		}
	}
	if a, b := teamRole(e, "mia@example.com"), teamRole(e, "olivia@example.com"); a != "member" || b != "owner" {
		t.Errorf("after the refusals mia=%s olivia=%s", a, b)
	}
	tb.check("team (rule refused)")
}

func TestTeamPlainMemberRefused(t *testing.T) {
	e := newEnv(t)
	tb := e.tab()
	design, mia := e.member("teamco", designTeam, "mia@example.com")
	_, olivia := e.member("teamco", designTeam, "olivia@example.com")
	tb.signInCookie(design, mia)
	tb.open("/teamco/portal/overview")
	if tb.count(tid("nav-team")) != 0 || tb.count(tid("nav-billing")) != 0 {
		t.Error("a plain member sees Team or Billing in the navigation")
	}
	tb.allow("status of 403")
	tb.open("/teamco/portal/team")
	if got := tb.text(tid("team-not-allowed")); !strings.Contains(got, "Only the team's owner and billing managers") {
		t.Errorf("the refusal says %q", got)
	}
	// No dead controls: nothing in the page body to press that would fail.
	if n := tb.count(`main form, main button, main select, main input`); n != 0 {
		t.Errorf("the refused team page has %d controls", n)
	}
	tb.check("team (plain member)")

	count := func() string {
		var s string
		if err := e.pool.QueryRow(t.Context(), `SELECT string_agg(email || ':' || role || ':' || (deleted_at IS NULL)::text, ',' ORDER BY email)
			FROM members WHERE customer_id = $1`, design).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := count()
	for _, f := range []struct{ path, body string }{
		{"/teamco/portal/team/members", "email=sneaky%40example.com&role=billing_manager"},
		{"/teamco/portal/team/members/" + mia.String() + "/role", "role=owner"},
		{"/teamco/portal/team/members/" + olivia.String() + "/role", "role=member"},
		{"/teamco/portal/team/members/" + olivia.String() + "/remove", "confirm=yes"},
	} {
		r := tb.forge(f.path, f.body)
		if r.Status != 403 {
			t.Errorf("forged POST %s: status %d, want 403", f.path, r.Status)
		}
		if strings.Contains(r.Body, "form expired") { // the CSRF refusal page; inlined CSS holds .badge-expired
			t.Errorf("forged POST %s was refused by the CSRF check, not the role rule", f.path)
		}
	}
	if after := count(); after != before {
		t.Errorf("forged POSTs changed the team:\n  before %s\n  after  %s", before, after)
	}
	tb.clean("after the forged posts")
}

func TestTeamWorkspaceCustomer(t *testing.T) {
	e := newEnv(t)
	tb := e.tab()
	tb.signInCookie(e.customer("acme", "alice@example.com"), uuid.Nil)
	tb.open("/acme/portal/overview")
	if tb.count(tid("nav-team")) != 0 {
		t.Error("a workspace without teams shows Team in the navigation")
	}
	tb.allow("status of 403")
	tb.open("/acme/portal/team")
	if got := tb.text(tid("team-not-allowed")); !strings.Contains(got, "Teams don't apply") || strings.Contains(got, "sign in") {
		t.Errorf("the team page for a workspace customer says %q", got)
	}
	tb.check("team (workspace customer)")
}
