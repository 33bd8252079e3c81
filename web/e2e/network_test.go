package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

// TestNetworkErrorIsShownAndFormKept (issue 16.8): a save while offline
// gets no answer; the page says so in a dismissible alert, and the form
// keeps what was typed. Back online, the same form saves.
func TestNetworkErrorIsShownAndFormKept(t *testing.T) {
	e := newEnv(t)
	alice := e.customer("acme", "alice@example.com")
	tb := e.tab()
	tb.signInCookie(alice, uuid.Nil)
	tb.open("/acme/portal/settings")
	name := "#billing-billing_name"
	tb.setField(name, "Offline Typing Ltd")

	offline := tb.offline
	offline(true)
	tb.allow("net::ERR_INTERNET_DISCONNECTED")
	// htmx itself logs the failed request to the console.
	tb.allow(`"htmx:sendError"`)
	tb.allow(`"htmx:afterRequest"`)
	tb.run(chromedp.Click(chromedp.CSS(tid("billing-save"))))
	tb.waitFor(`!!document.querySelector('[data-testid="network-error"]')`)
	msg := tb.text(tid("network-error"))
	if !strings.Contains(msg, "could not be reached") || !strings.Contains(msg, "still here") {
		t.Errorf("network message %q", msg)
	}
	if got := tb.inputValue(name); got != "Offline Typing Ltd" {
		t.Errorf("the form lost what was typed: %q", got)
	}
	if eval[string](tb, `document.querySelector('[data-testid="network-error"]').getAttribute('role')`) != "alert" {
		t.Error("the network message is not an alert")
	}
	tb.check("settings (offline)")
	tb.run(chromedp.Click(chromedp.CSS(tid("network-error-dismiss"))))
	tb.waitFor(`!document.querySelector('[data-testid="network-error"]')`)

	offline(false)
	tb.run(chromedp.Click(chromedp.CSS(tid("billing-save"))))
	tb.waitFor(`!!document.querySelector('[data-testid="billing-saved"]')`)
	if got, _ := e.billingRow(alice); got != "Offline Typing Ltd" {
		t.Errorf("the form did not save once back online: %q", got)
	}
}

// offline takes the tab's network away (on) or gives it back.
func (tb *tab) offline(on bool) {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: on, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
		tb.t.Fatal(err)
	}
}
