package e2e

// Browser journeys on the billing page with the card sandbox: a card that
// needs 3-D Secure approved on the sandbox's challenge page, a plain card,
// make default, delete through the confirmation dialog (by keyboard), a
// declined card and a declined 3-D Secure; and a plain member refused.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"
)

// cardID is the id of the listed card ending in last4 ("" when none).
func (tb *tab) cardID(last4 string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`(() => { for (const r of document.querySelectorAll('[data-testid="card-row"]')) {
		if (r.querySelector('[data-testid="card-last4"]').textContent.includes(%q)) return r.dataset.id } return '' })()`, last4))
}

// cardsShown lists the cards on the page as "last4" or "last4*" (default).
func (tb *tab) cardsShown() []string {
	tb.t.Helper()
	return eval[[]string](tb, `[...document.querySelectorAll('[data-testid="card-row"]')].map(r =>
		r.querySelector('[data-testid="card-last4"]').textContent.replace(/\D/g, '') + (r.querySelector('[data-testid="default-badge"]') ? '*' : ''))`)
}

// enterCard fills the sandbox card form.
func (tb *tab) enterCard(number, expiry, cvc string) {
	tb.t.Helper()
	tb.fill(tid("card-number"), number)
	tb.fill(tid("card-expiry-input"), expiry)
	tb.fill(tid("card-cvc"), cvc)
}

func (e *env) savedCards(customerID uuid.UUID) int {
	e.t.Helper()
	return e.s.Count(`SELECT count(*) FROM payment_methods WHERE customer_id = $1 AND deleted_at IS NULL`, customerID)
}

// TestBillingCards: alice adds a card that needs 3-D Secure and approves it,
// adds a plain card, makes it the default, opens and dismisses the delete
// dialog by keyboard, deletes for real; a declined card and a declined
// 3-D Secure each say what happened and save nothing.
func TestBillingCards(t *testing.T) {
	e := newEnv(t)
	alice := e.customer("acme", "alice@example.com")
	tb := e.tab()
	// A declined card answers 400 with the form (the error mapping's status
	// for a card error), which Chromium logs as a failed load.
	tb.allow("status of 400 (Bad Request) " + e.url("/acme/portal/billing/cards"))
	tb.signInCookie(alice, uuid.Nil)
	tb.open("/acme/portal/billing")
	if got := tb.text(tid("no-cards")); !strings.Contains(got, "no saved cards") {
		t.Errorf("empty state %q", got)
	}
	if tb.count(tid("sandbox-card-form")) != 1 {
		t.Fatal("no card form")
	}
	tb.check("billing (no cards)")

	// A card that asks for 3-D Secure: the sandbox's challenge page.
	tb.enterCard("4000 0027 6000 3184", "12/34", "123")
	tb.clickNav(tid("add-card"))
	if p := tb.path(); !strings.HasPrefix(p, "/sandbox/3ds/") {
		t.Fatalf("after adding a 3-D Secure card at %s", p)
	}
	if got := tb.text(tid("challenge")); !strings.Contains(got, "Visa ending in 3184") {
		t.Errorf("challenge page says %q", got)
	}
	if n := e.savedCards(alice); n != 0 {
		t.Fatalf("%d cards saved before 3-D Secure", n)
	}
	tb.check("3-D Secure challenge")
	tb.clickNav(tid("approve-3ds"))
	if p := tb.path(); p != "/acme/portal/billing" {
		t.Fatalf("after approving at %s", p)
	}
	if got := tb.text(tid("flash")); got != "Card added." {
		t.Errorf("flash %q", got)
	}
	if got := strings.Join(tb.cardsShown(), ","); got != "3184*" {
		t.Fatalf("cards %s, want the 3-D Secure card as default", got)
	}

	// A plain card, not made default.
	tb.enterCard("4242 4242 4242 4242", "01/33", "321")
	tb.run(chromedp.Click(chromedp.CSS(tid("card-set-default"))))
	tb.clickNav(tid("add-card"))
	if got := strings.Join(tb.cardsShown(), ","); got != "4242,3184*" {
		t.Fatalf("cards %s after the second add", got)
	}
	tb.check("billing (cards)")

	// Make the new card the default: the badge moves.
	plain, secure := tb.cardID("4242"), tb.cardID("3184")
	tb.clickNav(fmt.Sprintf(`[data-id=%q] [data-testid="make-default"]`, plain))
	if got := strings.Join(tb.cardsShown(), ","); got != "4242*,3184" {
		t.Errorf("cards %s after make default", got)
	}
	if got := tb.text(tid("flash")); got != "Default card updated." {
		t.Errorf("flash %q", got)
	}
	if n := e.s.Count(`SELECT count(*) FROM customers WHERE id = $1 AND default_payment_method_id = $2`, alice, plain); n != 1 {
		t.Error("the default is not stored")
	}

	// Delete by keyboard: Enter on the button opens the dialog with focus
	// inside; Tab stays inside; Escape closes it and focus returns.
	opener := fmt.Sprintf(`[data-id=%q] [data-testid="delete-card"]`, secure)
	tb.run(chromedp.Focus(chromedp.CSS(opener)))
	if d, ok := tb.focusVisible(); !ok {
		t.Errorf("no visible focus on %s", d)
	}
	tb.press("\r")
	tb.waitFor(`!!document.querySelector('dialog[open]')`)
	if !tb.focusedIn("dialog[open]") {
		t.Error("focus did not move into the dialog")
	}
	if got := eval[string](tb, `document.querySelector('dialog[open]').textContent`); !strings.Contains(got, "Visa ending in 3184") {
		t.Errorf("dialog says %q", got)
	}
	tb.check("billing (delete dialog)")
	for i := 0; i < 4; i++ {
		tb.press("\t")
		if !tb.focusedIn("dialog[open]") {
			t.Fatalf("Tab %d left the dialog (focus on %s)", i+1, eval[string](tb, `document.activeElement.outerHTML.slice(0, 80)`))
		}
		if d, ok := tb.focusVisible(); !ok {
			t.Errorf("no visible focus on %s in the dialog", d)
		}
	}
	tb.press(kb.Escape)
	tb.waitFor(`!document.querySelector('dialog[open]')`)
	if !tb.focusedIn(opener) {
		t.Errorf("after Escape focus is on %s, not the Delete button", eval[string](tb, `document.activeElement.outerHTML.slice(0, 80)`))
	}
	if n := e.savedCards(alice); n != 2 {
		t.Fatalf("Escape deleted a card (%d left)", n)
	}
	tb.press("\r")
	tb.waitFor(`!!document.querySelector('dialog[open]')`)
	tb.clickNav(`dialog[open] [data-act="ok"]`)
	if got := strings.Join(tb.cardsShown(), ","); got != "4242*" {
		t.Errorf("cards %s after the delete", got)
	}
	if got := tb.text(tid("flash")); got != "Card deleted." {
		t.Errorf("flash %q", got)
	}
	if n := e.savedCards(alice); n != 1 {
		t.Errorf("%d cards stored after the delete", n)
	}

	// A declined card: the form says so, announced and focused; nothing saved.
	tb.enterCard("4000 0000 0000 0002", "12/34", "123")
	tb.run(chromedp.Click(chromedp.CSS(tid("add-card"))))
	tb.waitFor(`!!document.querySelector('[data-testid="card-error"]')`)
	if got := tb.text(tid("card-error")); !strings.Contains(strings.ToLower(got), "declined") {
		t.Errorf("decline says %q", got)
	}
	if r := eval[string](tb, `document.querySelector('[data-testid="card-error"]').getAttribute('role')`); r != "alert" {
		t.Errorf("decline role %q", r)
	}
	if !tb.focusedIn(tid("card-error")) {
		t.Errorf("focus is on %s, not the decline", eval[string](tb, `document.activeElement.outerHTML.slice(0, 80)`))
	}
	if n := e.savedCards(alice); n != 1 {
		t.Errorf("%d cards stored after a decline", n)
	}
	tb.check("billing (card declined)")

	// 3-D Secure declined at the bank: back on the billing page with an error.
	tb.enterCard("4000 0027 6000 3184", "12/34", "123")
	tb.clickNav(tid("add-card"))
	if p := tb.path(); !strings.HasPrefix(p, "/sandbox/3ds/") {
		t.Fatalf("second 3-D Secure card went to %s", p)
	}
	tb.clickNav(tid("decline-3ds"))
	if p := tb.path(); p != "/acme/portal/billing" {
		t.Fatalf("after declining at %s", p)
	}
	if got := tb.text(tid("flash")); !strings.Contains(got, "could not be verified") {
		t.Errorf("flash %q", got)
	}
	if r := eval[string](tb, `document.querySelector('[data-testid="flash"]').getAttribute('role')`); r != "alert" {
		t.Errorf("3-D Secure decline role %q", r)
	}
	if got := strings.Join(tb.cardsShown(), ","); got != "4242*" {
		t.Errorf("cards %s after a declined 3-D Secure", got)
	}
	tb.check("billing (3-D Secure declined)")

	// Without JavaScript the delete asks on a page of its own; "Keep it"
	// goes back with the card still there.
	nojs := e.tab()
	nojs.signInCookie(alice, uuid.Nil)
	if _, err := chromedp.Call(nojs.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	nojs.open("/acme/portal/billing")
	nojs.clickNav(fmt.Sprintf(`[data-id=%q] [data-testid="delete-card"]`, plain))
	if got := nojs.text(tid("delete-confirm")); !strings.Contains(got, "Delete Visa ending in 4242?") {
		t.Errorf("confirmation page says %q", got)
	}
	if _, err := chromedp.Call(nojs.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatal(err)
	}
	nojs.check("billing (delete confirmation without JavaScript)")
	nojs.clickNav(tid("delete-confirm") + " a")
	if p := nojs.path(); p != "/acme/portal/billing" {
		t.Errorf("Keep it went to %s", p)
	}
	if n := e.savedCards(alice); n != 1 {
		t.Errorf("%d cards after Keep it", n)
	}
}

// TestBillingMemberRefused: a plain member has no Billing link, and the
// billing page (opened by address) explains who manages cards, with no
// card list, no form and no buttons; a forged add is refused.
func TestBillingMemberRefused(t *testing.T) {
	e := newEnv(t)
	design, mia := e.member("teamco", "design@teamco.example.com", "mia@example.com")
	tb := e.tab()
	tb.allow("the server responded with a status of 403")
	tb.signInCookie(design, mia)
	tb.open("/teamco/portal/overview")
	if tb.count(tid("nav-billing")) != 0 {
		t.Error("a plain member gets a Billing link")
	}
	tb.open("/teamco/portal/billing")
	if got := tb.text(tid("billing-not-allowed")); !strings.Contains(got, "Only owners and billing managers") {
		t.Errorf("member message %q", got)
	}
	if n := tb.count(tid("card-row") + "," + tid("sandbox-card-form") + "," + tid("no-cards")); n != 0 {
		t.Errorf("a plain member sees %d card elements", n)
	}
	if got := eval[[]string](tb, `[...document.querySelectorAll('main button, main input, main [role=button]')].map(b => b.outerHTML.slice(0, 60))`); len(got) != 0 {
		t.Errorf("controls on the member's billing page: %q", got)
	}
	tb.check("billing (member)")
	status := value(tb, chromedp.Evaluate[int](`fetch(location.pathname + '/cards', {method: 'POST', headers: {'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content,
		'Content-Type': 'application/x-www-form-urlencoded'}, body: 'number=4242424242424242&expiry=12%2F34&cvc=123'}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	if status != http.StatusForbidden {
		t.Errorf("member add answered %d", status)
	}
	if n := e.savedCards(design); n != 0 {
		t.Errorf("member added %d cards", n)
	}
	tb.clean("billing (member add refused)")
}
