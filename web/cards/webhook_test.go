package cards_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"portal/internal/payments/stripefake"
	"portal/internal/testkit"
)

func (e *env) webhook(payload []byte, sig string) *testkit.Response {
	return e.s.Client().Request("POST", "/webhooks/stripe", bytes.NewReader(payload), "Content-Type", "application/json", "Stripe-Signature", sig)
}

func (e *env) processorID(pmID string) string {
	var s string
	if err := e.pool.QueryRow(context.Background(), `SELECT processor_id FROM payment_methods WHERE id = $1`, pmID).Scan(&s); err != nil {
		e.t.Fatal(err)
	}
	return s
}

func TestStripeWebhook(t *testing.T) {
	e := newEnv(t, opts{mode: "stripe"})
	card := testkit.Decode[addBody](t, e.add(e.custTok, "ctoken_visa", nil)).PaymentMethod
	pmID := e.processorID(card.ID)

	// A forged or stale signature is 400 and changes nothing.
	payload, wrongSig := stripefake.Event("whsec_wrong", "evt_1", "payment_method.detached", map[string]any{"id": pmID, "object": "payment_method"}, nil)
	for _, sig := range []string{wrongSig, "t=1,v1=deadbeef", ""} {
		if rec := e.webhook(payload, sig); rec.Status != http.StatusBadRequest {
			t.Fatalf("bad signature %q: %d %s", sig, rec.Status, rec.Text())
		}
	}
	if e.rows(e.cust) != 1 {
		t.Fatal("unverified event applied")
	}

	// payment_method.detached: the card goes, and so does the default.
	payload, sig := stripefake.Event(webhookKey, "evt_detach", "payment_method.detached",
		map[string]any{"id": pmID, "object": "payment_method", "customer": nil}, map[string]any{"customer": e.stripeID(e.cust)})
	if rec := e.webhook(payload, sig); rec.Status != http.StatusOK {
		t.Fatalf("detached: %d %s", rec.Status, rec.Text())
	}
	if e.rows(e.cust) != 0 || e.defaultPM(e.cust) != "" {
		t.Fatal("detached card still listed or default")
	}
	// Redelivery is deduplicated: the card re-added meanwhile stays.
	wantStatus(t, e.add(e.custTok, "ctoken_visa", nil), 201)
	if e.rows(e.cust) != 1 {
		t.Fatal("re-add failed")
	}
	if rec := e.webhook(payload, sig); rec.Status != http.StatusOK || e.rows(e.cust) != 1 {
		t.Fatalf("redelivery: %d rows %d", rec.Status, e.rows(e.cust))
	}

	// setup_intent.succeeded after a 3-D Secure the browser never came back
	// from: the card is saved from Stripe's state.
	b := testkit.Decode[addBody](t, e.add(e.otherTok, stripefake.TokenRequiresAction, nil))
	seti, _, _ := strings.Cut(b.ClientSecret, "_secret_")
	e.fake.CompleteAction(seti, true)
	payload, sig = stripefake.Event(webhookKey, "evt_seti", "setup_intent.succeeded", e.fake.SetupIntentObject(seti), nil)
	if rec := e.webhook(payload, sig); rec.Status != http.StatusOK {
		t.Fatalf("setup_intent.succeeded: %d %s", rec.Status, rec.Text())
	}
	if e.rows(e.other) != 1 {
		t.Fatal("card from webhook not saved")
	}
	// setup_intent.setup_failed writes nothing.
	payload, sig = stripefake.Event(webhookKey, "evt_failed", "setup_intent.setup_failed", map[string]any{"id": "seti_x", "object": "setup_intent"}, nil)
	if rec := e.webhook(payload, sig); rec.Status != http.StatusOK {
		t.Fatalf("setup_failed: %d", rec.Status)
	}
	var events int
	_ = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM stripe_events`).Scan(&events)
	if events != 3 {
		t.Fatalf("stripe_events = %d, want 3", events)
	}
}

func TestStripeWebhookDisabledWithoutSecret(t *testing.T) {
	e := newEnv(t, opts{mode: "stripe"})
	e.svc.Config.StripeWebhook = ""
	payload, sig := stripefake.Event(webhookKey, "evt_1", "payment_method.detached", map[string]any{"id": "pm_1"}, nil)
	if rec := e.webhook(payload, sig); rec.Status != http.StatusNotFound {
		t.Fatalf("without secret: %d", rec.Status)
	}
}
