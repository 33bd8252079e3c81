package cards_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/goleak"

	"portal/internal/payments/stripefake"
	"portal/internal/testkit"
)

func boolp(b bool) *bool { return &b }

// P2: a card that needs nothing more is saved, made default locally and on
// Stripe, and listed once.
func TestAddCardSucceeded(t *testing.T) {
	e := newEnv(t, opts{mode: "stripe"})
	rec := e.add(e.custTok, "ctoken_visa", nil)
	wantStatus(t, rec, 201)
	b := testkit.Decode[addBody](t, rec)
	if b.Status != "succeeded" || b.PaymentMethod == nil {
		t.Fatalf("body %s", rec.Text())
	}
	pm := b.PaymentMethod
	if !pm.IsDefault || pm.Processor != "stripe" || pm.Type != "card" || *pm.Brand != "visa" || *pm.Last4 != "4242" || *pm.ExpMonth != 12 {
		t.Fatalf("payment method %+v", pm)
	}
	cus := e.stripeID(e.cust)
	if cus == "" {
		t.Fatal("no Stripe customer stored")
	}
	if e.fake.DefaultPaymentMethod(cus) == "" {
		t.Error("Stripe invoice default not set")
	}
	if l := e.list(e.custTok); len(l) != 1 || l[0].ID != pm.ID || !l[0].IsDefault {
		t.Fatalf("list %+v", l)
	}
	// Adding a second card reuses the Stripe customer (created lazily once).
	wantStatus(t, e.add(e.custTok, "ctoken_second", boolp(false)), 201)
	if n := e.fake.Count("POST /v1/customers"); n < 1 || e.stripeID(e.cust) != cus {
		t.Fatalf("customer creates %d, id %s→%s", n, cus, e.stripeID(e.cust))
	}
	l := e.list(e.custTok)
	if len(l) != 2 || l[0].IsDefault || !l[1].IsDefault {
		t.Fatalf("list after second add (newest first, first stays default): %+v", l)
	}
}

// P2 + G20: requires_action answers 201, writes nothing, and confirm after
// the customer approved saves the card.
func TestAddCardRequiresActionThenConfirm(t *testing.T) {
	e := newEnv(t, opts{mode: "stripe"})
	rec := e.add(e.custTok, stripefake.TokenRequiresAction, nil)
	wantStatus(t, rec, 201)
	b := testkit.Decode[addBody](t, rec)
	if b.Status != "requires_action" || b.ClientSecret == "" {
		t.Fatalf("body %s", rec.Text())
	}
	if e.rows(e.cust) != 0 {
		t.Fatal("a card was saved before 3-D Secure")
	}
	seti := b.ClientSecret[:len("seti_fake0000")]
	// Confirming before the customer answered says so again.
	rec = e.api("POST", "/payment-methods/confirm", e.custTok, map[string]any{"setup_intent_id": seti})
	wantStatus(t, rec, 201)
	if testkit.Decode[addBody](t, rec).Status != "requires_action" {
		t.Fatalf("confirm before approval: %s", rec.Text())
	}
	e.fake.CompleteAction(seti, true)
	rec = e.api("POST", "/payment-methods/confirm", e.custTok, map[string]any{"setup_intent_id": seti})
	wantStatus(t, rec, 201)
	b = testkit.Decode[addBody](t, rec)
	if b.Status != "succeeded" || !b.PaymentMethod.IsDefault {
		t.Fatalf("confirm: %s", rec.Text())
	}
	// A repeated confirm is harmless: still one card.
	wantStatus(t, e.api("POST", "/payment-methods/confirm", e.custTok, map[string]any{"setup_intent_id": seti}), 201)
	if l := e.list(e.custTok); len(l) != 1 {
		t.Fatalf("list %+v", l)
	}
}

// D4: a declined card is 400 PaymentMethodError with Stripe's message and
// nothing saved.
func TestAddCardDeclined(t *testing.T) {
	e := newEnv(t, opts{mode: "stripe"})
	wantError(t, e.add(e.custTok, stripefake.TokenDecline, nil), 400, "PaymentMethodError", "Your card was declined.")
	if e.rows(e.cust) != 0 || e.defaultPM(e.cust) != "" {
		t.Fatal("declined card was saved")
	}
	// An unknown token is the customer's problem too, not a 500.
	wantError(t, e.add(e.custTok, "not-a-token", nil), 400, "PaymentMethodError", "No such confirmationtoken: 'not-a-token'")
}

// P2: 3-D Secure failed → confirm is 400 and nothing is saved.
func TestThreeDSecureFailed(t *testing.T) {
	e := newEnv(t, opts{mode: "stripe"})
	b := testkit.Decode[addBody](t, e.add(e.custTok, stripefake.TokenRequiresAction, nil))
	seti := b.ClientSecret[:len("seti_fake0000")]
	e.fake.CompleteAction(seti, false)
	wantError(t, e.api("POST", "/payment-methods/confirm", e.custTok, map[string]any{"setup_intent_id": seti}),
		400, "PaymentMethodError", "SetupIntent has unexpected status: requires_payment_method.")
	if e.rows(e.cust) != 0 {
		t.Fatal("card saved after failed 3-D Secure")
	}
}

// Z2: another customer's SetupIntent cannot be confirmed into my account;
// a customer who never added a card is not ready to confirm (§4.3).
func TestConfirmOtherCustomersSetupIntent(t *testing.T) {
	e := newEnv(t, opts{mode: "stripe"})
	wantError(t, e.api("POST", "/payment-methods/confirm", e.custTok, map[string]any{"setup_intent_id": "seti_x"}),
		400, "CustomerNotReady", "Customer does not have a Stripe customer ID.")
	wantStatus(t, e.add(e.otherTok, "ctoken_other", nil), 201)
	wantStatus(t, e.add(e.custTok, "ctoken_mine", nil), 201)
	theirs := e.fake.AddSetupIntent(e.stripeID(e.other))
	wantError(t, e.api("POST", "/payment-methods/confirm", e.custTok, map[string]any{"setup_intent_id": theirs}),
		400, "PaymentMethodError", "SetupIntent does not belong to this customer.")
	if e.rows(e.cust) != 1 || e.rows(e.other) != 1 {
		t.Fatal("foreign SetupIntent changed local rows")
	}
	// Missing field → 422 from the contract's required list.
	wantStatus(t, e.api("POST", "/payment-methods/confirm", e.custTok, map[string]any{}), 422)
	wantStatus(t, e.api("POST", "/payment-methods", e.custTok, map[string]any{"return_url": "/"}), 422)
}

// Z2 + G20: someone else's card — another customer, another workspace,
// missing, removed — is 403 on delete and 404 on set-default, and Stripe
// never hears of it.
func TestForeignCardIDs(t *testing.T) {
	e := newEnv(t, opts{mode: "stripe"})
	theirs := testkit.Decode[addBody](t, e.add(e.otherTok, "ctoken_theirs", nil)).PaymentMethod.ID
	foreign := testkit.Decode[addBody](t, e.add(e.frnTok, "ctoken_foreign", nil)).PaymentMethod.ID
	mine := testkit.Decode[addBody](t, e.add(e.custTok, "ctoken_mine", nil)).PaymentMethod.ID
	wantStatus(t, e.api("DELETE", "/payment-methods/"+mine, e.custTok, nil), 204)
	before := len(e.fake.Calls())
	for _, id := range []string{theirs, foreign, uuid.NewString(), mine} {
		wantError(t, e.api("DELETE", "/payment-methods/"+id, e.custTok, nil), 403, "NotPermitted", "Payment method not found.")
		wantError(t, e.api("POST", "/payment-methods/"+id+"/default", e.custTok, nil), 404, "PaymentMethodError", "Payment method not found.")
	}
	if after := len(e.fake.Calls()); after != before {
		t.Fatalf("Stripe was called %d times for foreign ids: %+v", after-before, e.fake.Calls()[before:])
	}
	if e.rows(e.other) != 1 || e.rows(e.frn) != 1 {
		t.Fatal("foreign cards changed")
	}
	// Malformed and non-v4 ids are 422.
	wantStatus(t, e.api("DELETE", "/payment-methods/not-a-uuid", e.custTok, nil), 422)
	wantStatus(t, e.api("POST", "/payment-methods/6ba7b810-9dad-11d1-80b4-00c04fd430c8/default", e.custTok, nil), 422)
}

// §4.4/§4.5: make default (local + Stripe invoice default), delete the
// default (detached on Stripe, default cleared), list newest first.
func TestDefaultAndDelete(t *testing.T) {
	e := newEnv(t, opts{mode: "stripe"})
	first := testkit.Decode[addBody](t, e.add(e.ownerTok, "ctoken_a", nil)).PaymentMethod
	time.Sleep(2 * time.Millisecond) // distinct created_at for the order check
	second := testkit.Decode[addBody](t, e.add(e.ownerTok, "ctoken_b", boolp(false))).PaymentMethod
	l := e.list(e.ownerTok)
	if len(l) != 2 || l[0].ID != second.ID || l[1].ID != first.ID {
		t.Fatalf("order: %+v", l)
	}
	rec := e.api("POST", "/payment-methods/"+second.ID+"/default", e.ownerTok, nil)
	wantStatus(t, rec, 200)
	if !testkit.Decode[pmBody](t, rec).IsDefault || e.defaultPM(e.team) != second.ID {
		t.Fatalf("set default: %s", rec.Text())
	}
	cus := e.stripeID(e.team)
	stripeDefault := e.fake.DefaultPaymentMethod(cus)
	wantStatus(t, e.api("DELETE", "/payment-methods/"+second.ID, e.ownerTok, nil), 204)
	if e.defaultPM(e.team) != "" {
		t.Error("default not cleared")
	}
	if e.fake.Attached(stripeDefault) {
		t.Error("card still attached on Stripe")
	}
	if l := e.list(e.ownerTok); len(l) != 1 || l[0].ID != first.ID || l[0].IsDefault {
		t.Fatalf("after delete: %+v", l)
	}
	// A card already detached on Stripe is still deleted locally (§4.4).
	wantStatus(t, e.api("DELETE", "/payment-methods/"+first.ID, e.ownerTok, nil), 204)
	if e.rows(e.team) != 0 {
		t.Fatal("not deleted")
	}
}

// BILL guard: a plain member cannot see or touch cards.
func TestMemberWithoutBillingRole(t *testing.T) {
	e := newEnv(t, opts{mode: "stripe"})
	for _, r := range []struct{ method, path string }{
		{"GET", "/payment-methods"}, {"POST", "/payment-methods"}, {"POST", "/payment-methods/confirm"},
		{"DELETE", "/payment-methods/" + uuid.NewString()}, {"POST", "/payment-methods/" + uuid.NewString() + "/default"},
	} {
		wantError(t, e.api(r.method, r.path, e.plainTok, map[string]any{}), 403, "NotPermitted", "")
		wantError(t, e.api(r.method, r.path, "", map[string]any{}), 401, "Unauthorized", "")
	}
	if len(e.fake.Calls()) != 0 {
		t.Fatal("Stripe called")
	}
}

// P3: a double click (two concurrent posts of one token) makes one
// SetupIntent and one card.
func TestDoubleSubmitCreatesOneSetupIntent(t *testing.T) {
	e := newEnv(t, opts{mode: "stripe"})
	wantStatus(t, e.add(e.custTok, "ctoken_warmup", nil), 201) // the Stripe customer exists
	before := e.fake.SetupIntentsCreated()
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.add(e.custTok, "ctoken_double", nil).Status
		}()
	}
	wg.Wait()
	if codes[0] != 201 || codes[1] != 201 {
		t.Fatalf("codes %v", codes)
	}
	if n := e.fake.SetupIntentsCreated() - before; n != 1 {
		t.Fatalf("%d SetupIntents for one token", n)
	}
	if e.rows(e.cust) != 2 {
		t.Fatalf("rows %d, want 2", e.rows(e.cust))
	}
}

// P4: Stripe refusing connections is a bounded 502, never a 500, and
// nothing is written.
func TestStripeRefusingConnections(t *testing.T) {
	// The shared PostgreSQL cluster and this test's pool exist before the
	// snapshot; what Stripe calls start (connections, retries, timers) must
	// be gone when the test ends. Registered first, so it runs last.
	testkit.DB(t)
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	e := newEnv(t, opts{mode: "url", stripeURL: closed})
	wantError(t, e.add(e.custTok, "ctoken_visa", nil), 502, "PaymentProviderUnavailable", "")
	if e.stripeID(e.cust) != "" || e.rows(e.cust) != 0 {
		t.Fatal("something was written")
	}
	// Listing is local and keeps working while Stripe is down.
	if l := e.list(e.custTok); len(l) != 0 {
		t.Fatalf("list %+v", l)
	}
}

// P5: a hanging Stripe ends within the configured deadline with a 502.
func TestStripeHanging(t *testing.T) {
	testkit.DB(t)
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	e := newEnv(t, opts{mode: "stripe"})
	wantStatus(t, e.add(e.custTok, "ctoken_first", nil), 201)
	id := e.list(e.custTok)[0].ID
	e.fake.Hang(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		wantError(t, e.add(e.custTok, "ctoken_second", nil), 502, "PaymentProviderUnavailable", "")
		wantError(t, e.api("DELETE", "/payment-methods/"+id, e.custTok, nil), 502, "PaymentProviderUnavailable", "")
		wantError(t, e.api("POST", "/payment-methods/"+id+"/default", e.custTok, nil), 502, "PaymentProviderUnavailable", "")
	}()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("requests did not end within their deadline")
	}
	if e.rows(e.cust) != 1 {
		t.Fatal("local rows changed while Stripe hung")
	}
}

// docs/design.md "Interface": without Stripe or the sandbox every card endpoint is 503.
func TestPaymentsNotConfigured(t *testing.T) {
	e := newEnv(t, opts{mode: "off"})
	for _, r := range []struct{ method, path string }{
		{"GET", "/payment-methods"}, {"POST", "/payment-methods"}, {"POST", "/payment-methods/confirm"},
		{"DELETE", "/payment-methods/" + uuid.NewString()}, {"POST", "/payment-methods/" + uuid.NewString() + "/default"},
	} {
		rec := e.api(r.method, r.path, e.custTok, map[string]any{"confirmation_token_id": "x", "return_url": "/", "setup_intent_id": "x"})
		wantError(t, rec, 503, "", "Card payments are not configured for this portal.")
	}
}

// The BILL route guard runs before the handler reads the path or the body:
// a plain member is 403 and an anonymous caller 401 even where the handler
// itself would have answered 422 (an id that is not a UUID, a body that is
// missing its required keys or has the wrong types). This is what tells the
// route guard apart from the service's own check (tested in
// internal/paymentmethod): without the guard these would be 422s.
func TestBillingRouteGuardComesFirst(t *testing.T) {
	e := newEnv(t, opts{mode: "stripe"})
	for _, r := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/payment-methods", map[string]any{}},
		{"POST", "/payment-methods", map[string]any{"confirmation_token_id": 5, "return_url": true}},
		{"POST", "/payment-methods/confirm", map[string]any{}},
		{"POST", "/payment-methods/confirm", map[string]any{"setup_intent_id": []int{1}}},
		{"DELETE", "/payment-methods/not-a-uuid", nil},
		{"POST", "/payment-methods/not-a-uuid/default", nil},
	} {
		wantError(t, e.api(r.method, r.path, e.plainTok, r.body), 403, "NotPermitted", "Only owners and billing managers can access billing features.")
		wantError(t, e.api(r.method, r.path, "", r.body), 401, "Unauthorized", "")
	}
	if len(e.fake.Calls()) != 0 {
		t.Fatal("Stripe called")
	}
}
