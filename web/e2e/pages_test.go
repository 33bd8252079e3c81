package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"portal/internal/config"
)

// TestEveryPage opens every page route (docs/design.md "Interface", web/routes.go pageRoutes) as
// each kind of visitor and runs the full page check on each: console, CSP,
// axe at 1280 and 375 px in light and dark, no sideways scroll. It is also
// what `make screenshots` runs, so every check has a stable name. The
// journeys test the flows; this only gets each page on screen once.
func TestEveryPage(t *testing.T) {
	// Development mode, so /_dev/mail (development only) is swept too.
	e := newDevEnv(t)

	// Signed out: sign in, the account picker, the code, a 404.
	out := e.tab()
	out.open("/teamco/portal/overview")
	if p := out.path(); !strings.HasPrefix(p, "/teamco/portal/request") {
		t.Errorf("signed out, the overview went to %s, want the sign-in page", p)
	}
	out.check("sign in")
	out.run(chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), "pat@example.com"))
	// With JavaScript the sign-in card is swapped in place or the page
	// moves on: wait for what comes next either way.
	out.run(chromedp.Click(chromedp.CSS(tid("request-submit"))), chromedp.WaitVisible(chromedp.CSS(tid("picker-form"))))
	out.check("account picker")
	out.choose("Design Studio")
	out.run(chromedp.Click(chromedp.CSS(tid("picker-continue"))), chromedp.WaitVisible(chromedp.CSS(tid("code-form"))))
	out.check("enter code")
	// A wrong code: the error with the typed code kept (issue 16.5).
	out.allow("status of 422")
	out.run(chromedp.SendKeys(chromedp.CSS(tid("code")), "ZZZZ-ZZZZ"), chromedp.Click(chromedp.CSS(tid("code-submit"))))
	out.waitFor(`!!document.querySelector('[data-testid="code-error"]')`)
	out.check("wrong code")
	e.code("pat@example.com") // the mail is out, so the dev mail page lists it
	// The email's link in a browser that did not ask (issue 16.2).
	phone := e.tab()
	phone.open("/teamco/portal/authenticate?email=pat%40example.com")
	if phone.count(tid("bound-email")) != 1 {
		t.Error("the email's link does not open a code form bound to the address")
	}
	phone.check("code from the email link")
	// A session that ended: sign in again, back to the page (issue 16.4).
	ended := e.tab()
	bobID := e.customer("acme", "bob@example.com")
	ended.signInCookie(bobID, uuid.Nil)
	e.s.Exec(`UPDATE browser_sessions SET idle_expires_at = now() - interval '1 second' WHERE customer_id = $1`, bobID)
	ended.open("/acme/portal/billing")
	if ended.count(tid("flash")) != 1 {
		t.Error("an ended session does not say so on the sign-in page")
	}
	ended.check("session ended")
	out.open("/_dev/mail")
	if out.count(tid("dev-mail-row")) == 0 {
		t.Error("the dev mail page lists no mail after a code was sent")
	}
	out.check("dev mail")
	out.allow("status of 404")
	out.open("/no-such-workspace/portal/request")
	if out.count(tid("error-page")) != 1 {
		t.Error("an unknown workspace does not show the friendly 404 page")
	}
	out.check("not found")

	// A pre-authenticated link asks before it signs in (D23).
	bobLink := e.mintCustomerSession("acme", map[string]any{"customer_id": e.customer("acme", "bob@example.com")})
	linked := e.tab()
	linked.open(strings.TrimPrefix(bobLink.URL, e.base))
	if p := linked.path(); p != "/acme/portal/continue" {
		t.Errorf("a link went to %s, want the continue page", p)
	}
	linked.check("continue")

	// An individual customer of a workspace without teams.
	alice := e.tab()
	aliceID := e.customer("acme", "alice@example.com")
	alice.signInCookie(aliceID, uuid.Nil)
	// A long title and file name (issue 16.12): one line each, ending in an
	// ellipsis at 1280 px, wrapped on a phone; the page still fits.
	e.s.Exec(`UPDATE file_share_sessions SET title = 'Contract draft for the Globex merger, second revision with annexes',
		file_name = 'contract-v2-final-countersigned-by-both-parties-2026-12-07.docx'
		WHERE id = (SELECT id FROM file_share_sessions WHERE customer_id = $1 AND title = 'Contract draft' ORDER BY created_at DESC LIMIT 1)`, aliceID)
	alice.open("/acme/portal/overview")
	alice.check("overview")
	// Issue 16.12: the status filter, and a share's downloads and payments
	// opened in place (one row per share until then).
	alice.open("/acme/portal/overview?status=active")
	if alice.count(`nav[data-testid="status-filter"] [aria-current="true"]`) != 1 {
		t.Error("the filtered overview does not mark its status")
	}
	alice.check("overview (filtered)")
	alice.open("/acme/portal/overview")
	alice.run(chromedp.Click(chromedp.CSS(`tbody.session ` + tid("activity-toggle"))))
	alice.waitFor(`!!document.querySelector('tbody.session .activity-row [data-testid="activity"]')`)
	alice.check("overview (row expanded)")
	var sessionID uuid.UUID
	if err := e.pool.QueryRow(t.Context(), `SELECT id FROM file_share_sessions WHERE customer_id = $1 AND status = 'active'
		ORDER BY created_at DESC LIMIT 1`, aliceID).Scan(&sessionID); err != nil {
		t.Fatal(err)
	}
	alice.open("/acme/portal/sessions/" + sessionID.String())
	alice.check("session detail")
	alice.allow("status of 404")
	alice.open("/acme/portal/no-such-page")
	if alice.count(tid("error-page")) != 1 {
		t.Error("an unknown page in a workspace does not show the 404 page")
	}
	alice.check("not found (in a workspace)")
	alice.open("/acme/portal/settings")
	alice.check("settings")
	// Issue 16.7: the saved flash, then a validation error that replaces
	// it (no stale success above the error); 16.8: a save while offline.
	alice.setField("#billing-billing_name", "Alice Example Ltd")
	alice.run(chromedp.Click(chromedp.CSS(tid("billing-save"))))
	alice.waitFor(`!!document.querySelector('[data-testid="billing-saved"]')`)
	alice.check("settings (saved)")
	alice.allow("status of 422")
	alice.setField("#billing-billing_name", strings.Repeat("x", 300))
	alice.run(chromedp.Click(chromedp.CSS(tid("billing-save"))))
	alice.waitFor(`!!document.querySelector('.field-error, [data-testid="billing-error"]')`)
	if alice.count(tid("billing-saved")) != 0 {
		t.Error("a validation error still shows the earlier success banner")
	}
	alice.check("settings (validation error)")
	alice.open("/acme/portal/settings")
	alice.offline(true)
	alice.allow("net::ERR_INTERNET_DISCONNECTED")
	alice.allow(`"htmx:sendError"`)
	alice.allow(`"htmx:afterRequest"`)
	alice.run(chromedp.Click(chromedp.CSS(tid("billing-save"))))
	alice.waitFor(`!!document.querySelector('[data-testid="network-error"]')`)
	alice.check("settings (offline)")
	alice.offline(false)
	alice.open("/acme/portal/billing")
	alice.check("billing")
	alice.allow("status of 403")
	alice.open("/acme/portal/team")
	alice.check("team (workspace customer)")
	// Someone else's link while signed in: continuing would switch.
	alice.open(strings.TrimPrefix(bobLink.URL, e.base))
	if alice.count(tid("continue-switch")) != 1 {
		t.Error("another person's link does not say it switches accounts")
	}
	alice.check("continue (switch accounts)")

	// The team's owner: overview (with the keyboard), team, settings, and
	// the no-JavaScript removal step.
	owner := e.tab()
	owner.signInCookie(e.member("teamco", designTeam, "olivia@example.com"))
	owner.open("/teamco/portal/overview")
	keyboardNav(t, owner)
	owner.check("overview (team owner)")
	owner.open("/teamco/portal/team")
	owner.check("team (owner)")
	// Without JavaScript the Remove button posts straight away and the
	// server asks for the confirmation on a page of its own.
	owner.run(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.__e2eOld = true;
		HTMLFormElement.prototype.submit.call(document.querySelector(%q).form)`, teamRow(e, "mia@example.com")+" "+tid("member-remove"))))
	owner.waitLoaded()
	if owner.count(tid("remove-confirm")) != 1 {
		t.Error("a removal without JavaScript does not ask for confirmation")
	}
	owner.check("team remove confirmation (no JavaScript)")
	// Issue 16.9: handing ownership over is confirmed, by a dialog with
	// JavaScript and by a page of its own without; adding a member says
	// an invitation went out.
	owner.open("/teamco/portal/team")
	owner.setRole(teamRow(e, "bill@example.com"), "owner")
	owner.waitFor(`!!document.querySelector('dialog.confirm[open]')`)
	owner.check("team (handover dialog)")
	owner.run(chromedp.Click(chromedp.CSS(`dialog.confirm[open] [data-act="cancel"]`)))
	owner.waitFor(`!document.querySelector('dialog.confirm[open]')`)
	owner.setField(teamRow(e, "bill@example.com")+` select[name="role"]`, "owner")
	owner.run(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.__e2eOld = true;
		HTMLFormElement.prototype.submit.call(document.querySelector(%q).form)`, teamRow(e, "bill@example.com")+" "+tid("member-role-save"))))
	owner.waitLoaded()
	if owner.count(tid("transfer-confirm")) != 1 {
		t.Error("a handover without JavaScript does not ask for confirmation")
	}
	owner.check("team handover confirmation (no JavaScript)")
	owner.open("/teamco/portal/team")
	owner.setField(tid("add-member-email"), "newcomer@example.com")
	owner.run(chromedp.Click(chromedp.CSS(tid("add-member"))))
	owner.teamNotice("newcomer@example.com")
	owner.check("team (member added, invitation sent)")
	owner.open("/teamco/portal/settings")
	owner.check("settings (team owner)")

	// A billing manager: the team page as they see it.
	bill := e.tab()
	bill.signInCookie(e.member("teamco", designTeam, "bill@example.com"))
	bill.open("/teamco/portal/team")
	bill.check("team (billing manager)")

	// A plain member: settings (read-only billing details); team and
	// billing refused.
	mia := e.tab()
	mia.signInCookie(e.member("teamco", designTeam, "mia@example.com"))
	mia.open("/teamco/portal/settings")
	mia.check("settings (member)")
	mia.allow("status of 403")
	mia.open("/teamco/portal/team")
	mia.check("team (plain member)")
	mia.open("/teamco/portal/billing")
	mia.check("billing (plain member)")

	// An individual customer in member mode adds a card that asks for
	// 3-D Secure: the sandbox's challenge page, then the card on file and
	// the no-JavaScript delete step.
	ivy := e.tab()
	ivy.signInCookie(e.member("teamco", "ivy@example.com", "ivy@example.com"))
	ivy.open("/teamco/portal/billing")
	ivy.run(chromedp.SendKeys(chromedp.CSS(tid("card-number")), "4000 0027 6000 3184"),
		chromedp.SendKeys(chromedp.CSS(tid("card-expiry-input")), "12/34"),
		chromedp.SendKeys(chromedp.CSS(tid("card-cvc")), "123"))
	ivy.clickNav(tid("add-card"))
	if p := ivy.path(); !strings.HasPrefix(p, "/sandbox/3ds/") {
		t.Fatalf("a 3-D Secure card went to %s, want the sandbox challenge", p)
	}
	ivy.check("3-D Secure")
	ivy.clickNav(tid("approve-3ds"))
	ivy.run(chromedp.WaitVisible(chromedp.CSS(tid("card-row"))))
	ivy.check("billing (card added)")
	ivy.run(chromedp.Evaluate[chromedp.Void](`window.__e2eOld = true;
		HTMLFormElement.prototype.submit.call(document.querySelector('[data-testid="delete-card"]').form)`))
	ivy.waitLoaded()
	if ivy.count(tid("delete-confirm")) != 1 {
		t.Error("deleting a card without JavaScript does not ask for confirmation")
	}
	ivy.check("billing delete confirmation (no JavaScript)")
}

// keyboardNav checks the overview by keyboard (docs/design.md "Pages") right after it
// loaded: the first Tab reaches the skip link; tabbing on reaches every
// navigation link in order, each with a visible focus ring; the skip link
// moves focus to the content; the current page's link is marked
// aria-current="page".
func keyboardNav(t *testing.T, tb *tab) {
	t.Helper()
	if got := eval[string](tb, `[...document.querySelectorAll('nav [aria-current="page"]')].map(a => a.dataset.testid).join(',')`); got != "nav-overview" {
		t.Errorf("aria-current=page is on %q, want nav-overview alone", got)
	}
	tb.press("\t")
	if d, ok := tb.focusVisible(); !strings.Contains(d, "skip-link") || !ok {
		t.Errorf("the first Tab focuses %q (visible %v), want the skip link", d, ok)
	}
	want := []string{"nav-overview", "nav-billing", "nav-team", "nav-settings"}
	var got []string
	for i := 0; i < 12 && len(got) < len(want); i++ {
		tb.press("\t")
		id := eval[string](tb, `document.activeElement.getAttribute('data-testid') || ''`)
		if !strings.HasPrefix(id, "nav-") {
			continue
		}
		got = append(got, id)
		if d, ok := tb.focusVisible(); !ok {
			t.Errorf("%s has no visible focus (%s)", id, d)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Tab reached the navigation as %v, want %v", got, want)
	}
	tb.run(chromedp.Focus(chromedp.CSS(".skip-link")))
	tb.press("\r")
	tb.waitFor(`document.activeElement && document.activeElement.id === 'main'`)
	tb.run(chromedp.Evaluate[chromedp.Void](`document.activeElement.blur(); window.scrollTo(0, 0)`))
}

// TestEveryPageLinkedAccounts is the sweep's part with an OAuth provider
// configured (issue 16.13; TestEveryPage has none, so its settings pages
// show no linked-accounts panel at all): the panel saying why linking
// helps, then an account linked. `make screenshots` runs it with the sweep.
func TestEveryPageLinkedAccounts(t *testing.T) {
	e := newEnvWith(t, func(cfg *config.Config, base string) { fakeAuthorize(t, base).Configure(cfg) })
	alice := e.tab()
	alice.signInCookie(e.customer("acme", "alice@example.com"), uuid.Nil)
	alice.open("/acme/portal/settings")
	if alice.count(tid("connect-microsoft")) != 1 {
		t.Fatal("no linked-accounts panel with a provider configured")
	}
	alice.check("settings (linked accounts panel)")
	alice.clickNav(tid("connect-microsoft") + " button")
	alice.waitFor(`!!document.querySelector('[data-testid="linked-account"]')`)
	alice.check("settings (account linked)")
}

// TestEveryPageEmptyOverview is the sweep's empty overview (run by `make
// screenshots`): a customer without shares is told, in the words of
// someone whose files are shared (issue 16.12), how a share gets here.
func TestEveryPageEmptyOverview(t *testing.T) {
	e := newEnv(t)
	bob := e.customer("acme", "bob@example.com")
	e.s.Exec(`DELETE FROM file_share_sessions WHERE customer_id = $1`, bob)
	tb := e.tab()
	tb.signInCookie(bob, uuid.Nil)
	tb.open("/acme/portal/overview")
	if text := tb.text(tid("empty-state")); !strings.Contains(text, "Files you share through Acme Inc.") || strings.Contains(text, "sends you") {
		t.Errorf("the empty overview reads like a buyer's portal: %q", text)
	}
	tb.check("overview (no shares yet)")
}
