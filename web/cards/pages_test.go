package cards_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"portal/internal/testkit"
)

func doc(t *testing.T, r *testkit.Response) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func cardForm(number, expiry, cvc string, makeDefault bool) url.Values {
	v := url.Values{"number": {number}, "expiry": {expiry}, "cvc": {cvc}, "set_default": {"false"}}
	if makeDefault {
		v["set_default"] = append(v["set_default"], "true")
	}
	return v
}

type shownCard struct {
	id, brand, last4, expiry string
	isDefault                bool
}

func cardsOnPage(t *testing.T, d *goquery.Document) []shownCard {
	var out []shownCard
	d.Find(`[data-testid="card-row"]`).Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-id")
		out = append(out, shownCard{id: id, brand: s.Find(`[data-testid="card-brand"]`).Text(),
			last4: s.Find(`[data-testid="card-last4"]`).Text(), expiry: s.Find(`[data-testid="card-expiry"]`).Text(),
			isDefault: s.Find(`[data-testid="default-badge"]`).Length() == 1})
	})
	return out
}

// The sandbox journey (the browser journey "add a card through the sandbox"), without
// JavaScript: a card that asks for 3-D Secure, approved; a second card;
// make it the default; delete the first after the confirmation step.
func TestSandboxCardJourney(t *testing.T) {
	e := newEnv(t, opts{mode: "sandbox"})
	b := e.browser(e.custTok)

	r := b.Get("/acme/portal/billing").ExpectStatus(t, 200)
	d := doc(t, r)
	if d.Find(`[data-testid="sandbox-card-form"]`).Length() != 1 || d.Find(`[data-testid="no-cards"]`).Length() != 1 {
		t.Fatalf("billing page: %s", r.Text())
	}
	for _, id := range []string{"card-number", "card-expiry", "card-cvc", "card-set-default"} {
		if d.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("input %s has no label", id)
		}
	}

	// 4000 0027 6000 3184 asks for 3-D Secure.
	r = b.PostForm("/acme/portal/billing/cards", cardForm("4000 0027 6000 3184", "12/34", "123", true)).ExpectStatus(t, 303)
	challenge := r.Location()
	if !strings.HasPrefix(challenge, "/sandbox/3ds/seti_sbx_") {
		t.Fatalf("redirect to %q", challenge)
	}
	if e.rows(e.cust) != 0 {
		t.Fatal("saved before 3-D Secure")
	}
	d = doc(t, b.Get(challenge).ExpectStatus(t, 200))
	if !strings.Contains(d.Find(`[data-testid="challenge"]`).Text(), "Visa ending in 3184") {
		t.Fatalf("challenge page: %s", d.Text())
	}
	secret, _ := d.Find(`input[name="client_secret"]`).Attr("value")
	action, _ := d.Find(`[data-testid="challenge"] form`).Attr("action")
	r = b.PostForm(action, url.Values{"client_secret": {secret}, "decision": {"approve"}}).ExpectStatus(t, 303)
	back, err := url.Parse(r.Location())
	if err != nil || back.Host != "portal.example.test" || back.Path != "/acme/portal/billing/return" || back.Query().Get("setup_intent") == "" {
		t.Fatalf("3-D Secure returned to %q", r.Location())
	}
	r = b.Get(back.RequestURI()).ExpectStatus(t, 303)
	if r.Location() != "/acme/portal/billing" {
		t.Fatalf("return redirect %q", r.Location())
	}
	d = doc(t, b.Get(r.Location()).ExpectStatus(t, 200))
	if got := d.Find(`[data-testid="flash"]`).Text(); got != "Card added." {
		t.Errorf("flash %q", got)
	}
	cards := cardsOnPage(t, d)
	if len(cards) != 1 || cards[0].brand != "Visa" || cards[0].last4 != "•••• 3184" || cards[0].expiry != "Expires 12/34" || !cards[0].isDefault {
		t.Fatalf("cards %+v", cards)
	}
	first := cards[0].id

	// A second card, not made default.
	r = b.PostForm("/acme/portal/billing/cards", cardForm("5555 5555 5555 4444", "01/33", "321", false)).ExpectStatus(t, 303)
	cards = cardsOnPage(t, doc(t, b.Get(r.Location()).ExpectStatus(t, 200)))
	if len(cards) != 2 || cards[0].brand != "Mastercard" || cards[0].isDefault || !cards[1].isDefault {
		t.Fatalf("cards after second add %+v", cards)
	}
	second := cards[0].id

	// Make it the default.
	r = b.PostForm("/acme/portal/billing/cards/"+second+"/default", url.Values{}).ExpectStatus(t, 303)
	d = doc(t, b.Get(r.Location()).ExpectStatus(t, 200))
	cards = cardsOnPage(t, d)
	if !cards[0].isDefault || cards[1].isDefault || d.Find(`[data-testid="flash"]`).Text() != "Default card updated." {
		t.Fatalf("after make default %+v", cards)
	}

	// Delete the first: without JavaScript a confirmation step comes first.
	d = doc(t, b.PostForm("/acme/portal/billing/cards/"+first+"/delete", url.Values{}).ExpectStatus(t, 200))
	if d.Find(`[data-testid="delete-confirm"]`).Length() != 1 || e.rows(e.cust) != 2 {
		t.Fatal("no confirmation step before delete")
	}
	r = b.PostForm("/acme/portal/billing/cards/"+first+"/delete", url.Values{"confirm": {"yes"}}).ExpectStatus(t, 303)
	cards = cardsOnPage(t, doc(t, b.Get(r.Location()).ExpectStatus(t, 200)))
	if len(cards) != 1 || cards[0].id != second || !cards[0].isDefault {
		t.Fatalf("after delete %+v", cards)
	}

	// The API sees the same cards, contract-valid.
	if l := e.list(e.custTok); len(l) != 1 || l[0].ID != second || !l[0].IsDefault || *l[0].Brand != "mastercard" {
		t.Fatalf("API list %+v", l)
	}
}

// Declines, bad input and a refused 3-D Secure are shown on the form;
// nothing is saved.
func TestSandboxCardErrors(t *testing.T) {
	e := newEnv(t, opts{mode: "sandbox"})
	b := e.browser(e.custTok)

	r := b.PostForm("/acme/portal/billing/cards", cardForm("4000 0000 0000 0002", "12/34", "123", true)).ExpectStatus(t, 400)
	if got := doc(t, r).Find(`[data-testid="card-error"][role="alert"]`).Text(); got != "Your card was declined." {
		t.Fatalf("decline message %q", got)
	}
	r = b.PostForm("/acme/portal/billing/cards", cardForm("4242 4242 4242 4241", "13/20", "1", true)).ExpectStatus(t, 422)
	d := doc(t, r)
	if d.Find(`.field-error[role="alert"]`).Length() != 3 || d.Find(`#card-number[aria-invalid="true"]`).Length() != 1 {
		t.Fatalf("field errors: %s", d.Find("form").Text())
	}
	if v, _ := d.Find(`#card-number`).Attr("value"); v != "" {
		t.Error("card number echoed back")
	}
	// HTMX gets the form alone.
	r = b.Request("POST", "/acme/portal/billing/cards", strings.NewReader(cardForm("4000 0000 0000 0002", "12/34", "123", true).Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "HX-Request", "true").ExpectStatus(t, 400)
	if strings.Contains(r.Text(), "<html") || !strings.Contains(r.Text(), "Your card was declined.") {
		t.Fatalf("htmx fragment: %s", r.Text())
	}

	// 3-D Secure declined → back on the billing page with an error.
	r = b.PostForm("/acme/portal/billing/cards", cardForm("4000 0027 6000 3184", "12/34", "123", true)).ExpectStatus(t, 303)
	d = doc(t, b.Get(r.Location()).ExpectStatus(t, 200))
	secret, _ := d.Find(`input[name="client_secret"]`).Attr("value")
	action, _ := d.Find(`[data-testid="challenge"] form`).Attr("action")
	r = b.PostForm(action, url.Values{"client_secret": {secret}, "decision": {"decline"}}).ExpectStatus(t, 303)
	back, _ := url.Parse(r.Location())
	r = b.Get(back.RequestURI()).ExpectStatus(t, 303)
	if r.Location() != "/acme/portal/billing" {
		t.Fatalf("after declined 3-D Secure: %q", r.Location())
	}
	if got := doc(t, b.Get(r.Location()).ExpectStatus(t, 200)).Find(`[data-testid="flash"][role="alert"]`).Text(); !strings.Contains(got, "could not be verified") {
		t.Fatalf("flash after declined 3-D Secure: %q", got)
	}
	// The challenge page needs the client secret.
	b.Get(action).ExpectStatus(t, 404)
	if e.rows(e.cust) != 0 {
		t.Fatal("a card was saved")
	}
}

// The sandbox through the API: a token from the sandbox's endpoint, then
// the contract's add/confirm flow.
func TestSandboxAPI(t *testing.T) {
	e := newEnv(t, opts{mode: "sandbox"})
	c := e.s.Client()
	var tok struct{ ID string }
	c.PostJSON("/api/sandbox/confirmation-tokens", map[string]string{"number": "4242424242424242", "expiry": "12/34", "cvc": "123"}).
		ExpectStatus(t, 201).JSON(t, &tok)
	rec := e.add(e.custTok, tok.ID, nil)
	wantStatus(t, rec, 201)
	if b := testkit.Decode[addBody](t, rec); b.Status != "succeeded" || *b.PaymentMethod.Last4 != "4242" {
		t.Fatalf("add: %s", rec.Text())
	}
	// The same token again from the same customer replays; from another it is used up.
	wantStatus(t, e.add(e.custTok, tok.ID, nil), 201)
	wantError(t, e.add(e.otherTok, tok.ID, nil), 400, "PaymentMethodError", "This ConfirmationToken has already been used to confirm a previous SetupIntent.")
	if e.rows(e.cust) != 1 || e.rows(e.other) != 0 {
		t.Fatal("rows")
	}
	c.PostJSON("/api/sandbox/confirmation-tokens", map[string]string{"number": "4000000000000002", "expiry": "12/34", "cvc": "123"}).
		ExpectStatus(t, 201).JSON(t, &tok)
	wantError(t, e.add(e.custTok, tok.ID, nil), 400, "PaymentMethodError", "Your card was declined.")
	c.PostJSON("/api/sandbox/confirmation-tokens", map[string]string{"number": "1234", "expiry": "", "cvc": ""}).ExpectStatus(t, 422)
}

// Who sees what on the billing page.
func TestBillingPageStates(t *testing.T) {
	t.Run("member without billing role", func(t *testing.T) {
		e := newEnv(t, opts{mode: "sandbox"})
		b := e.browser(e.plainTok)
		d := doc(t, b.Get("/acme/portal/billing").ExpectStatus(t, 403))
		if d.Find(`[data-testid="billing-not-allowed"]`).Length() != 1 || d.Find("form.card-form").Length() != 0 {
			t.Fatal("plain member sees the card form")
		}
		b.PostForm("/acme/portal/billing/cards", cardForm("4242 4242 4242 4242", "12/34", "123", true)).ExpectStatus(t, 403)
	})
	t.Run("payments off", func(t *testing.T) {
		e := newEnv(t, opts{mode: "off"})
		b := e.browser(e.custTok)
		d := doc(t, b.Get("/acme/portal/billing").ExpectStatus(t, 200))
		if !strings.Contains(d.Find(`[data-testid="payments-off"]`).Text(), "Card payments are not available for this portal.") {
			t.Fatal("no 'not available' notice")
		}
	})
	t.Run("stripe", func(t *testing.T) {
		e := newEnv(t, opts{mode: "stripe"})
		wantStatus(t, e.add(e.ownerTok, "ctoken_visa", nil), 201)
		b := e.browser(e.ownerTok)
		r := b.Get("/acme/portal/billing").ExpectStatus(t, 200)
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "https://js.stripe.com") || !strings.Contains(csp, "frame-src https://js.stripe.com") {
			t.Errorf("CSP without Stripe: %s", csp)
		}
		d := doc(t, r)
		f := d.Find(`[data-testid="stripe-card-form"]`)
		if k, _ := f.Attr("data-publishable-key"); k != "pk_test_cards" {
			t.Errorf("publishable key %q", k)
		}
		if u, _ := f.Attr("data-return-url"); u != baseURL+"/acme/portal/billing/return" {
			t.Errorf("return url %q", u)
		}
		if d.Find(`script[src="https://js.stripe.com/v3"]`).Length() != 1 || len(cardsOnPage(t, d)) != 1 {
			t.Fatal("Stripe.js or cards missing")
		}
		// Other pages keep the strict policy.
		if csp := b.Get("/acme/portal/settings").Header.Get("Content-Security-Policy"); strings.Contains(csp, "stripe") {
			t.Errorf("settings CSP allows Stripe: %s", csp)
		}
		// The island's JSON answers: a decline is a message, requires_action a secret.
		r = b.Request("POST", "/acme/portal/billing/cards", strings.NewReader("confirmation_token_id=ctoken_decline&set_default=true"),
			"Content-Type", "application/x-www-form-urlencoded", "Accept", "application/json").ExpectStatus(t, 400)
		if !strings.Contains(r.Text(), "Your card was declined.") {
			t.Fatalf("island decline: %s", r.Text())
		}
		var ra struct{ Status, Client_secret string }
		b.Request("POST", "/acme/portal/billing/cards", strings.NewReader("confirmation_token_id=ctoken_requires_action"),
			"Content-Type", "application/x-www-form-urlencoded", "Accept", "application/json").ExpectStatus(t, 200).JSON(t, &ra)
		if ra.Status != "requires_action" || ra.Client_secret == "" {
			t.Fatalf("island requires_action: %+v", ra)
		}
		seti, _, _ := strings.Cut(ra.Client_secret, "_secret_")
		e.fake.CompleteAction(seti, true)
		// The return from a full-page redirect confirms and cleans the URL.
		r = b.Get("/acme/portal/billing/return?setup_intent="+seti+"&setup_intent_client_secret="+ra.Client_secret+"&redirect_status=succeeded").ExpectStatus(t, 303)
		if r.Location() != "/acme/portal/billing" || e.rows(e.team) != 2 {
			t.Fatalf("return: %q rows %d", r.Location(), e.rows(e.team))
		}
	})
}

// P3 in the sandbox: the same form posted twice at once (a double click)
// makes one SetupIntent and one card.
func TestSandboxDoubleSubmitAddsOneCard(t *testing.T) {
	e := newEnv(t, opts{mode: "sandbox"})
	b := e.browser(e.custTok)
	formID, _ := doc(t, b.Get("/acme/portal/billing").ExpectStatus(t, 200)).Find(`input[name="form_id"]`).Attr("value")
	if formID == "" {
		t.Fatal("no form id")
	}
	form := cardForm("4242 4242 4242 4242", "12/34", "123", true)
	form.Set("form_id", formID)
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = b.PostForm("/acme/portal/billing/cards", form).Status
		}()
	}
	wg.Wait()
	if codes[0] != 303 || codes[1] != 303 {
		t.Fatalf("codes %v", codes)
	}
	var sis int
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM sandbox_setup_intents`).Scan(&sis)
	if sis != 1 || e.rows(e.cust) != 1 {
		t.Fatalf("%d SetupIntents, %d cards", sis, e.rows(e.cust))
	}
}

// The billing pages' route guard refuses a plain member before the handler
// reads the card id: 403 where the handler alone would say 404 (an id that
// is not a UUID). The service's own check is tested in
// internal/paymentmethod; this proves the web layer's guard is there too.
func TestBillingPageRouteGuardComesFirst(t *testing.T) {
	e := newEnv(t, opts{mode: "sandbox"})
	b := e.browser(e.plainTok)
	for _, path := range []string{"/acme/portal/billing/cards/not-a-uuid/default", "/acme/portal/billing/cards/not-a-uuid/delete"} {
		b.PostForm(path, url.Values{"confirm": {"yes"}}).ExpectStatus(t, 403)
	}
	// A customer gets past the guard to the handler's own 404.
	c := e.browser(e.custTok)
	c.PostForm("/acme/portal/billing/cards/not-a-uuid/default", url.Values{}).ExpectStatus(t, 404)
}

// Issue 16.7: a flash lives for one page view, and an HTMX answer replaces
// it: "Card added." never stays above "Your card was declined.".
func TestFlashLivesForOnePageViewAndHTMXReplacesIt(t *testing.T) {
	e := newEnv(t, opts{mode: "sandbox"})
	b := e.browser(e.custTok)
	r := b.PostForm("/acme/portal/billing/cards", cardForm("4242 4242 4242 4242", "12/34", "123", true)).ExpectStatus(t, 303)
	if got := doc(t, b.Get(r.Location()).ExpectStatus(t, 200)).Find(`[data-testid="flash"]`).Text(); got != "Card added." {
		t.Fatalf("flash %q", got)
	}
	// The next view has no flash.
	if n := doc(t, b.Get("/acme/portal/billing").ExpectStatus(t, 200)).Find(`[data-testid="flash"]`).Length(); n != 0 {
		t.Fatal("the flash outlived its page view")
	}
	// An HTMX answer carries #flash out of band, so the old message goes.
	r = b.Request("POST", "/acme/portal/billing/cards", strings.NewReader(cardForm("4000 0000 0000 0002", "12/34", "123", true).Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "HX-Request", "true").ExpectStatus(t, 400)
	d := doc(t, r)
	oob := d.Find(`#flash[hx-swap-oob]`)
	if oob.Length() == 0 || strings.TrimSpace(oob.First().Text()) != "" {
		t.Fatalf("no out-of-band flash reset in the htmx answer: %s", r.Text())
	}
	if !strings.Contains(d.Find(`[data-testid="card-error"]`).Text(), "Your card was declined.") {
		t.Fatalf("decline message missing: %s", r.Text())
	}
}

// Issue 16.10: the card form takes the expiry as typed ("0929", "09 / 2029").
func TestSandboxCardExpiryAsTyped(t *testing.T) {
	e := newEnv(t, opts{mode: "sandbox"})
	b := e.browser(e.custTok)
	d := doc(t, b.Get("/acme/portal/billing").ExpectStatus(t, 200))
	if ml, _ := d.Find(`#card-expiry`).Attr("maxlength"); ml != "9" {
		t.Fatalf("expiry maxlength %q cannot hold \"09 / 2029\"", ml)
	}
	b.PostForm("/acme/portal/billing/cards", cardForm("4242 4242 4242 4242", "0929", "123", true)).ExpectStatus(t, 303)
	b.PostForm("/acme/portal/billing/cards", cardForm("5555 5555 5555 4444", "09 / 2029", "123", true)).ExpectStatus(t, 303)
	for _, c := range cardsOnPage(t, doc(t, b.Get("/acme/portal/billing").ExpectStatus(t, 200))) {
		if !strings.HasSuffix(c.expiry, "09/29") {
			t.Errorf("card %s expiry %q", c.last4, c.expiry)
		}
	}
}

// TestStripeFormMessagesInLanguage: every sentence the card island's
// script can show comes from the page (data-msg-*), in its language; the
// script keeps no English of its own (a card still unverified after 3-D
// Secure included).
func TestStripeFormMessagesInLanguage(t *testing.T) {
	e := newEnv(t, opts{mode: "stripe"})
	b := e.browser(e.ownerTok)
	d := doc(t, b.Get("/acme/portal/billing?lang=de").ExpectStatus(t, 200))
	f := d.Find(`[data-testid="stripe-card-form"]`)
	for attr, want := range map[string]string{
		"data-msg-error":  "Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.",
		"data-msg-load":   "",
		"data-msg-verify": "Die Karte konnte nicht bestätigt werden",
	} {
		v, ok := f.Attr(attr)
		if !ok || v == "" || (want != "" && !strings.HasPrefix(v, want)) {
			t.Errorf("%s = %q, want German (%q…)", attr, v, want)
		}
	}
}
