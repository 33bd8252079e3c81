package e2e

// Browser journeys on the settings page: billing details (with HTMX and
// without JavaScript, as a customer, a billing manager and a plain member)
// and the linked-accounts panel with a full OAuth round trip against a fake
// provider.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"

	"portal/internal/config"
	"portal/internal/oauthaccount/oauthtest"
)

// selectValue picks an option of a <select> as a person would (the change
// event fires, so the page's script reacts).
func (tb *tab) selectValue(sel, v string) {
	tb.t.Helper()
	ok := eval[bool](tb, fmt.Sprintf(`(() => { const s = document.querySelector(%q); if (!s) return false;
		s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return s.value === %q })()`, sel, v, v))
	if !ok {
		tb.t.Fatalf("no option %q in %s", v, sel)
	}
}

// fill replaces an input's value by typing.
func (tb *tab) fill(sel, v string) {
	tb.t.Helper()
	tb.run(chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), v))
}

// inputValue is an input's current value.
func (tb *tab) inputValue(sel string) string {
	tb.t.Helper()
	return eval[string](tb, fmt.Sprintf(`(document.querySelector(%q) || {value: '<missing>'}).value`, sel))
}

// focusedIn reports whether the focused element is, or soon (within two
// seconds: scripts move focus after a swap or a dialog closes) becomes, an
// element inside (or matching) sel.
func (tb *tab) focusedIn(sel string) bool {
	tb.t.Helper()
	cond := fmt.Sprintf(`!!(document.activeElement && document.activeElement.closest(%q))`, sel)
	ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(2*time.Second)))
	return err == nil
}

// billingRow is what the database holds for a customer's billing details.
func (e *env) billingRow(id uuid.UUID) (name, address string) {
	e.t.Helper()
	var n, a *string
	if err := e.pool.QueryRow(context.Background(), `SELECT billing_name, billing_address::text FROM customers WHERE id = $1`, id).Scan(&n, &a); err != nil {
		e.t.Fatal(err)
	}
	return strOrEmpty(n), strOrEmpty(a)
}

func strOrEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// markFlash tags the layout's live region, so a later look can tell the
// region survived an HTMX swap (a live region announces what is put into
// it; one inserted together with its text often is not announced).
func (tb *tab) markFlash() {
	tb.t.Helper()
	tb.run(chromedp.Evaluate[chromedp.Void](`document.getElementById('flash').dataset.e2eKeep = '1'`))
}

// announced waits until the tagged live region holds text.
func (tb *tab) announced(text string) {
	tb.t.Helper()
	tb.waitFor(fmt.Sprintf(`(() => { const f = document.getElementById('flash');
		return !!f && f.dataset.e2eKeep === '1' && f.getAttribute('aria-live') === 'polite' && f.textContent.includes(%q) })()`, text))
}

// TestSettingsBillingDetailsCustomer edits alice's billing details (acme,
// individual customer): the state field follows the country, a bad state
// and a stored embargoed country are refused inline with focus on the
// error, a save is announced and persisted; then the same form without
// JavaScript.
func TestSettingsBillingDetailsCustomer(t *testing.T) {
	e := newEnv(t)
	alice := e.customer("acme", "alice@example.com")
	tb := e.tab()
	// Refused saves answer 422 with the form (the contract's status), which
	// Chromium logs as a failed load.
	tb.allow("status of 422")
	tb.signInCookie(alice, uuid.Nil)
	tb.open("/acme/portal/settings")

	// The stored details fill the form; the state field shows for the US.
	if got := tb.inputValue(tid("billing-line1")); got != "1 Infinite Loop" {
		t.Errorf("line1 = %q", got)
	}
	if c, s := tb.inputValue(tid("billing-country")), tb.inputValue(tid("billing-state")); c != "US" || s != "CA" {
		t.Errorf("country/state = %q/%q, want US/CA", c, s)
	}
	if eval[bool](tb, `document.getElementById('billing-state-field').hidden`) {
		t.Error("state field hidden for a US address")
	}
	if n := tb.count(`#billing-country option[value="CU"], #billing-country option[value="RU"]`); n != 0 {
		t.Errorf("embargoed countries offered: %d", n)
	}
	tb.check("settings")

	// Another country hides and clears the state; back to the US shows it.
	tb.selectValue(tid("billing-country"), "SE")
	if !eval[bool](tb, `document.getElementById('billing-state-field').hidden`) || tb.inputValue(tid("billing-state")) != "" {
		t.Error("state field still shown (or kept its value) for Sweden")
	}
	// Countries whose addresses have a state, province or region show it
	// too (issue 16.10): Australia, Japan.
	for _, cc := range []string{"AU", "JP"} {
		tb.selectValue(tid("billing-country"), cc)
		if eval[bool](tb, `document.getElementById('billing-state-field').hidden`) {
			t.Errorf("state field hidden for %s", cc)
		}
	}
	// The postal code's hint follows the country: Japan's form, none for
	// Hong Kong (no postal codes).
	if got := eval[string](tb, `document.getElementById('billing-postal_code-hint').textContent`); got != "For example 154-0023" {
		t.Errorf("postal hint for JP %q", got)
	}
	tb.selectValue(tid("billing-country"), "HK")
	if !eval[bool](tb, `document.getElementById('billing-postal_code-hint').hidden`) {
		t.Error("postal hint shown for Hong Kong")
	}
	// "(optional)" follows the country: Ireland's Eircode is optional,
	// Germany's postal code is not.
	optional := `document.querySelector('label[for=billing-postal_code] [data-optional]').hidden`
	tb.selectValue(tid("billing-country"), "IE")
	if eval[bool](tb, optional) {
		t.Error("postal code not marked optional for Ireland")
	}
	tb.selectValue(tid("billing-country"), "DE")
	if !eval[bool](tb, optional) {
		t.Error("postal code marked optional for Germany")
	}
	tb.selectValue(tid("billing-country"), "US")
	if eval[bool](tb, `document.getElementById('billing-state-field').hidden`) {
		t.Error("state field hidden after choosing the US again")
	}

	// A state that does not exist: 422, the form comes back with the error
	// at the field, announced (role=alert) and focused.
	tb.fill(tid("billing-state"), "ZZ")
	tb.run(chromedp.Click(chromedp.CSS(tid("billing-save"))))
	tb.waitFor(`!!document.querySelector('#billing-state-error')`)
	if got := tb.text("#billing-state-error"); !strings.Contains(got, "Invalid US state") {
		t.Errorf("state error %q", got)
	}
	if r := eval[string](tb, `document.getElementById('billing-state-error').getAttribute('role')`); r != "alert" {
		t.Errorf("state error role %q", r)
	}
	if eval[string](tb, `document.getElementById('billing-state').getAttribute('aria-invalid')`) != "true" {
		t.Error("state input not marked invalid")
	}
	if !tb.focusedIn("#billing-state-field") {
		t.Errorf("focus is on %s, not at the state error", eval[string](tb, `document.activeElement.outerHTML.slice(0, 80)`))
	}
	if _, addr := e.billingRow(alice); !strings.Contains(addr, "US-CA") {
		t.Errorf("refused save changed the address: %s", addr)
	}
	tb.check("settings (invalid state)")

	// A country stored before it was embargoed is still shown (never silently
	// replaced), and saving it is refused at the country field.
	e.s.Exec(`UPDATE customers SET billing_address = '{"line1":"Tverskaya 1","city":"Moscow","postal_code":"125009","country":"RU"}' WHERE id = $1`, alice)
	tb.open("/acme/portal/settings")
	if got := tb.inputValue(tid("billing-country")); got != "RU" {
		t.Fatalf("stored embargoed country shows as %q", got)
	}
	tb.run(chromedp.Click(chromedp.CSS(tid("billing-save"))))
	tb.waitFor(`!!document.querySelector('#billing-country-error')`)
	if got := tb.text("#billing-country-error"); !strings.Contains(got, "not supported") {
		t.Errorf("country error %q", got)
	}
	if !tb.focusedIn(".field:has(#billing-country)") {
		t.Errorf("focus is on %s, not at the country error", eval[string](tb, `document.activeElement.outerHTML.slice(0, 80)`))
	}
	tb.check("settings (embargoed country)")

	// A valid save: announced in the page's live region, stored, shown on reload.
	tb.markFlash()
	tb.fill(tid("billing-billing_name"), "Anderson Holdings LLC")
	tb.fill(tid("billing-line1"), "500 Market St")
	tb.fill(tid("billing-line2"), "Floor 2")
	tb.fill(tid("billing-postal_code"), "94105")
	tb.fill(tid("billing-city"), "San Francisco")
	tb.selectValue(tid("billing-country"), "US")
	tb.fill(tid("billing-state"), "ca")
	tb.run(chromedp.Click(chromedp.CSS(tid("billing-save"))))
	tb.announced("Billing details saved.")
	if n := tb.count(`#billing-form [aria-invalid="true"], #billing-form [role="alert"]`); n != 0 {
		t.Errorf("%d errors left on the saved form", n)
	}
	name, addr := e.billingRow(alice)
	if name != "Anderson Holdings LLC" || !strings.Contains(addr, `"state": "US-CA"`) || !strings.Contains(addr, `"line1": "500 Market St"`) ||
		!strings.Contains(addr, `"country": "US"`) || !strings.Contains(addr, `"city": "San Francisco"`) {
		t.Errorf("stored %q %s", name, addr)
	}
	tb.check("settings (saved)")
	tb.open("/acme/portal/settings")
	for sel, want := range map[string]string{tid("billing-billing_name"): "Anderson Holdings LLC", tid("billing-line1"): "500 Market St",
		tid("billing-line2"): "Floor 2", tid("billing-city"): "San Francisco", tid("billing-postal_code"): "94105",
		tid("billing-country"): "US", tid("billing-state"): "CA"} {
		if got := tb.inputValue(sel); got != want {
			t.Errorf("after reload %s = %q, want %q", sel, got, want)
		}
	}
	tb.clean("settings (reloaded)")

	// Without JavaScript: a plain POST, 303, the saved values and the flash.
	nojs := e.tab()
	nojs.signInCookie(alice, uuid.Nil)
	if _, err := chromedp.Call(nojs.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	nojs.open("/acme/portal/settings")
	if eval[bool](nojs, `document.getElementById('billing-state-field').hidden`) {
		t.Error("without JavaScript the state field must stay visible")
	}
	// A refused save comes back as a page with the error, and the browser
	// itself (autofocus) puts focus on the field in error.
	nojs.allow("status of 422")
	nojs.run(chromedp.SetValue(chromedp.CSS(tid("billing-country")), "US"))
	nojs.fill(tid("billing-state"), "ZZ")
	nojs.clickNav(tid("billing-save"))
	if got := nojs.text("#billing-state-error"); !strings.Contains(got, "Invalid US state") {
		t.Errorf("no-JS state error %q", got)
	}
	if !nojs.focusedIn("#billing-state") {
		t.Errorf("without JavaScript focus is on %s, not the state field", eval[string](nojs, `document.activeElement.outerHTML.slice(0, 80)`))
	}
	nojs.fill(tid("billing-billing_name"), "Anderson Holdings Canada")
	nojs.fill(tid("billing-line1"), "1 Rue Sainte-Catherine")
	nojs.fill(tid("billing-line2"), "")
	nojs.fill(tid("billing-postal_code"), "H3B 1A7")
	nojs.fill(tid("billing-city"), "Montréal")
	nojs.run(chromedp.SetValue(chromedp.CSS(tid("billing-country")), "CA"))
	nojs.fill(tid("billing-state"), "QC")
	nojs.clickNav(tid("billing-save"))
	if p := nojs.path(); p != "/acme/portal/settings" {
		t.Errorf("after the no-JS save at %s", p)
	}
	if got := nojs.text(tid("flash")); got != "Billing details saved." {
		t.Errorf("no-JS flash %q", got)
	}
	if c, s, city := nojs.inputValue(tid("billing-country")), nojs.inputValue(tid("billing-state")), nojs.inputValue(tid("billing-city")); c != "CA" || s != "QC" || city != "Montréal" {
		t.Errorf("no-JS page shows %s/%s/%s", c, s, city)
	}
	if name, addr := e.billingRow(alice); name != "Anderson Holdings Canada" || !strings.Contains(addr, `"state": "CA-QC"`) || strings.Contains(addr, "line2") {
		t.Errorf("no-JS stored %q %s", name, addr)
	}
	// axe-core needs script execution (its checks are promises); the page
	// stays as loaded without its own scripts.
	if _, err := chromedp.Call(nojs.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatal(err)
	}
	nojs.check("settings (saved without JavaScript)")
}

// TestSettingsBillingDetailsTeam: in a member-mode workspace the billing
// manager edits the team's billing details; a plain member sees them read
// only, with a clear message, no form and no buttons that do nothing, and
// the server refuses a forged save.
func TestSettingsBillingDetailsTeam(t *testing.T) {
	e := newEnv(t)
	design, bill := e.member("teamco", "design@teamco.example.com", "bill@example.com")
	_, mia := e.member("teamco", "design@teamco.example.com", "mia@example.com")

	tb := e.tab()
	tb.signInCookie(design, bill)
	tb.open("/teamco/portal/settings")
	if got := tb.inputValue(tid("billing-country")); got != "GB" {
		t.Errorf("country %q", got)
	}
	if !eval[bool](tb, `document.getElementById('billing-state-field').hidden`) {
		t.Error("state field shown for a UK address")
	}
	tb.check("settings (billing manager)")
	tb.markFlash()
	tb.fill(tid("billing-billing_name"), "Design Studio Ltd")
	tb.fill(tid("billing-city"), "Manchester")
	tb.fill(tid("billing-postal_code"), "M1 1AE")
	tb.fill(tid("billing-line1"), "1 Piccadilly")
	tb.run(chromedp.Click(chromedp.CSS(tid("billing-save"))))
	tb.announced("Billing details saved.")
	if name, addr := e.billingRow(design); name != "Design Studio Ltd" || !strings.Contains(addr, `"city": "Manchester"`) || !strings.Contains(addr, `"country": "GB"`) {
		t.Errorf("stored %q %s", name, addr)
	}
	tb.open("/teamco/portal/settings")
	if got := tb.inputValue(tid("billing-city")); got != "Manchester" {
		t.Errorf("after reload city %q", got)
	}
	tb.clean("settings (billing manager, reloaded)")

	m := e.tab()
	m.signInCookie(design, mia)
	m.open("/teamco/portal/settings")
	if n := m.count(tid("billing-form")); n != 0 {
		t.Error("a plain member gets the billing form")
	}
	if got := m.text(tid("billing-not-allowed")); !strings.Contains(got, "Only owners and billing managers") {
		t.Errorf("member message %q", got)
	}
	if got := m.text(tid("profile-email")); got != "mia@example.com" {
		t.Errorf("member sees email %q", got)
	}
	if n := m.count(tid("nav-billing")); n != 0 {
		t.Error("a plain member gets a Billing link")
	}
	// Every button on the page does something: sign out, and no others
	// (linking is not configured here).
	if got := eval[[]string](m, `[...document.querySelectorAll('main button, main [role=button]')].map(b => b.textContent.trim())`); len(got) != 0 {
		t.Errorf("buttons on the member's settings page: %q", got)
	}
	m.check("settings (member)")
	// A forged save (the form is not offered) is refused and changes nothing.
	m.allow("403")
	status := value(m, chromedp.Evaluate[int](`fetch(location.pathname, {method: 'POST', headers: {'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content,
		'Content-Type': 'application/x-www-form-urlencoded'}, body: 'billing_name=Mia+was+here&billing_address%5Bcountry%5D=GB'}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	if status != http.StatusForbidden {
		t.Errorf("member save answered %d", status)
	}
	if name, _ := e.billingRow(design); name != "Design Studio Ltd" {
		t.Errorf("member changed the billing name to %q", name)
	}
	m.clean("settings (member save refused)")
}

// fakeAuthorize plays the providers' consent pages: Microsoft sends the
// browser straight back to the portal's callback with a code, as a provider
// does after the person agrees; Discord answers as if the person pressed
// Cancel (error=access_denied). Token and profile requests go to oauthtest.
func fakeAuthorize(t *testing.T, base string) *oauthtest.Provider {
	t.Helper()
	p := oauthtest.New(t, base)
	target, _ := url.Parse(p.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/authorize") {
			q := r.URL.Query()
			answer := url.Values{"code": {"e2e-code"}, "state": {q.Get("state")}}
			if strings.HasPrefix(r.URL.Path, "/api/oauth2/") { // Discord's
				answer = url.Values{"error": {"access_denied"}, "state": {q.Get("state")}}
			}
			back := q.Get("redirect_uri") + "?" + answer.Encode()
			http.Redirect(w, r, back, http.StatusFound)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	p.URL = front.URL
	return p
}

// TestSettingsLinkedAccounts: the panel's empty state, connecting a
// Microsoft account through the (fake) provider and back, the account
// listed, then disconnecting it through the confirmation dialog by keyboard.
func TestSettingsLinkedAccounts(t *testing.T) {
	e := newEnvWith(t, func(cfg *config.Config, base string) { fakeAuthorize(t, base).Configure(cfg) })
	alice := e.customer("acme", "alice@example.com")
	tb := e.tab()
	tb.signInCookie(alice, uuid.Nil)
	tb.open("/acme/portal/settings")
	if got := tb.text(tid("linked-accounts-empty")); !strings.Contains(got, "No linked accounts yet") {
		t.Errorf("empty state %q", got)
	}
	if tb.count(tid("connect-microsoft")) != 1 || tb.count(tid("connect-discord")) != 1 {
		t.Fatal("no connect buttons")
	}
	tb.check("settings (linked accounts, none)")

	// Cancelled at the provider: back here with an error that says so,
	// announced, and nothing linked.
	tb.clickNav(tid("connect-discord") + " button")
	if got := tb.text(tid("linked-accounts-notice")); got != "You cancelled linking at Discord; nothing was linked." {
		t.Errorf("cancel notice %q", got)
	}
	if r := eval[string](tb, `document.querySelector('[data-testid="linked-accounts-notice"]').getAttribute('role')`); r != "alert" {
		t.Errorf("cancel notice role %q", r)
	}
	if tb.count(tid("linked-account")) != 0 {
		t.Error("a cancelled link is listed")
	}
	tb.check("settings (linking cancelled)")

	// Connect: the provider's page answers at once and sends the browser
	// back to the callback, which links the account and returns here.
	tb.clickNav(tid("connect-microsoft") + " button")
	tb.waitFor(`!!document.querySelector('[data-testid="linked-account"]')`)
	if p := tb.path(); p != "/acme/portal/settings?linked=microsoft" {
		t.Errorf("back at %s", p)
	}
	if got := tb.text(tid("linked-accounts-notice")); got != "Your Microsoft account is now linked." {
		t.Errorf("notice %q", got)
	}
	if got := tb.text(tid("linked-account-name")); got != oauthtest.MicrosoftName {
		t.Errorf("listed %q", got)
	}
	if n := e.s.Count(`SELECT count(*) FROM customers WHERE id = $1 AND oauth_accounts ? $2`, alice, "microsoft:"+oauthtest.MicrosoftAccountID); n != 1 {
		t.Fatal("the account is not stored")
	}
	tb.check("settings (account linked)")

	// Disconnect by keyboard: Enter opens the dialog, focus moves in, Tab
	// stays inside, Escape closes it and focus returns to the button.
	opener := tid("disconnect-open")
	tb.run(chromedp.Focus(chromedp.CSS(opener)))
	tb.press("\r")
	tb.waitFor(`!!document.querySelector('dialog[open]')`)
	if !tb.focusedIn("dialog[open]") {
		t.Error("focus did not move into the dialog")
	}
	if got := eval[string](tb, `document.querySelector('dialog[open]').textContent`); !strings.Contains(got, oauthtest.MicrosoftName) {
		t.Errorf("dialog says %q", got)
	}
	tb.check("settings (disconnect dialog)")
	for i := 0; i < 4; i++ {
		tb.press("\t")
		if !tb.focusedIn("dialog[open]") {
			t.Fatalf("Tab %d left the dialog (focus on %s)", i+1, eval[string](tb, `document.activeElement.outerHTML.slice(0, 80)`))
		}
		if d, ok := tb.focusVisible(); !ok {
			t.Errorf("no visible focus on %s", d)
		}
	}
	tb.press(kb.Escape)
	tb.waitFor(`!document.querySelector('dialog[open]')`)
	if !tb.focusedIn(opener) {
		t.Errorf("after Escape focus is on %s, not the Disconnect button", eval[string](tb, `document.activeElement.outerHTML.slice(0, 80)`))
	}
	if tb.count(tid("linked-account")) != 1 {
		t.Fatal("Escape disconnected the account")
	}

	tb.press("\r")
	tb.waitFor(`!!document.querySelector('dialog[open]')`)
	tb.run(chromedp.Click(chromedp.CSS(`dialog[open] [data-act="ok"]`)))
	tb.waitFor(`!!document.querySelector('[data-testid="linked-accounts-empty"]')`)
	if got := tb.text(tid("linked-accounts-notice")); got != "Your Microsoft account was disconnected." {
		t.Errorf("notice %q", got)
	}
	if !tb.focusedIn("#linked-accounts") {
		t.Errorf("after the disconnect focus is on %s", eval[string](tb, `document.activeElement.outerHTML.slice(0, 80)`))
	}
	if n := e.s.Count(`SELECT count(*) FROM customers WHERE id = $1 AND oauth_accounts = '{}'::jsonb`, alice); n != 1 {
		t.Error("the account is still stored")
	}
	tb.check("settings (account disconnected)")
}
