package payments

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"portal/internal/apperr"
	"portal/internal/payments/stripefake"
)

// D4: what the customer can fix is a 400 with Stripe's message; Stripe
// failing is a 502; nothing is a 500.
func TestMapErrorD4(t *testing.T) {
	cases := []struct {
		name    string
		err     error
		kind    apperr.Kind
		detail  string
		invalid bool
	}{
		{"card declined", &stripe.Error{Type: stripe.ErrorTypeCard, HTTPStatusCode: 402, Msg: "Your card was declined."}, apperr.KindBadRequest, "Your card was declined.", false},
		{"used token", &stripe.Error{Type: stripe.ErrorTypeInvalidRequest, HTTPStatusCode: 400, Msg: "This ConfirmationToken has already been used."}, apperr.KindBadRequest, "This ConfirmationToken has already been used.", true},
		{"unknown setup intent", &stripe.Error{Type: stripe.ErrorTypeInvalidRequest, HTTPStatusCode: 404, Msg: "No such setupintent: 'seti_x'"}, apperr.KindBadRequest, "No such setupintent: 'seti_x'", true},
		{"idempotency mismatch", &stripe.Error{Type: stripe.ErrorTypeIdempotency, HTTPStatusCode: 400, Msg: "Keys for idempotent requests can only be used with the same parameters."}, apperr.KindBadRequest, "", true},
		{"bad api key", &stripe.Error{Type: stripe.ErrorTypeInvalidRequest, HTTPStatusCode: http.StatusUnauthorized, Msg: "Invalid API Key provided"}, apperr.KindProviderUnavailable, "", false},
		{"stripe 500", &stripe.Error{Type: stripe.ErrorTypeAPI, HTTPStatusCode: 500, Msg: "boom"}, apperr.KindProviderUnavailable, "", false},
		{"rate limited", &stripe.Error{Type: stripe.ErrorTypeInvalidRequest, HTTPStatusCode: 429, Code: stripe.ErrorCodeRateLimit, Msg: "Too many requests"}, apperr.KindProviderUnavailable, "", false},
		{"connection refused", fmt.Errorf("dial tcp 127.0.0.1:1: connect: connection refused"), apperr.KindProviderUnavailable, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := mapError("op", c.err)
			e, ok := apperr.As(err)
			if !ok || e.Kind != c.kind {
				t.Fatalf("got %v", err)
			}
			if c.detail != "" && e.Detail != c.detail {
				t.Errorf("detail %q", e.Detail)
			}
			if errors.Is(err, ErrInvalidRequest) != c.invalid {
				t.Errorf("ErrInvalidRequest = %v", !c.invalid)
			}
		})
	}
}

func TestIdempotencyKeyIsStableAndDistinct(t *testing.T) {
	a := IdempotencyKey("seti", "cus_1", "ctoken_1")
	if a != IdempotencyKey("seti", "cus_1", "ctoken_1") {
		t.Fatal("not stable")
	}
	for _, other := range []string{IdempotencyKey("seti", "cus_2", "ctoken_1"), IdempotencyKey("seti", "cus_1", "ctoken_2"),
		IdempotencyKey("cus", "cus_1", "ctoken_1"), IdempotencyKey("seti", "cus_1ctoken_1", "")} {
		if other == a {
			t.Fatal("collision")
		}
	}
	if len(a) > 255 {
		t.Fatal("longer than Stripe allows")
	}
}

func TestSandboxCardChecks(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	for _, n := range []string{"4242424242424242", "4000002760003184", "4000000000000002", "378282246310005", "5555555555554444"} {
		if !luhn(n) {
			t.Errorf("%s fails Luhn", n)
		}
		if _, ok := testCards[n]; !ok {
			t.Errorf("%s is not a sandbox card", n)
		}
	}
	if luhn("4242424242424241") || luhn("42") || luhn("4242x24242424242") {
		t.Error("Luhn accepts a bad number")
	}
	for in, want := range map[string]string{
		"12/34": "", "11/26": "", "1/2030": "", "10/26": "Your card's expiration date is in the past.",
		"13/30": "Your card's expiration date is invalid.", "": "Your card's expiration date is incomplete.",
		// Digits without a slash are MMYY or MMYYYY since issue 16.10 ("0929"
		// is what people type); fewer digits are still incomplete.
		"1230": "", "12": "Your card's expiration date is incomplete.", "12/345": "Your card's expiration date is invalid.",
	} {
		if _, _, got := parseExpiry(in, now); got != want {
			t.Errorf("parseExpiry(%q) = %q, want %q", in, got, want)
		}
	}
}

// Webhook events must be signed with our secret, fresh, and of the API
// version stripe-go v76 reads.
func TestParseWebhook(t *testing.T) {
	payload, sig := stripefake.Event("whsec_x", "evt_1", "payment_method.detached",
		map[string]any{"id": "pm_1", "object": "payment_method", "customer": nil}, map[string]any{"customer": "cus_1"})
	ev, err := ParseWebhook(payload, sig, "whsec_x")
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID != "evt_1" || ev.Type != "payment_method.detached" || ev.ObjectID != "pm_1" || ev.PreviousCustomer != "cus_1" {
		t.Fatalf("%+v", ev)
	}
	if _, err := ParseWebhook(payload, sig, "whsec_other"); err == nil {
		t.Fatal("wrong secret accepted")
	}
	old := strings.Replace(string(payload), `"api_version":"`+stripe.APIVersion+`"`, `"api_version":"2020-08-27"`, 1)
	payload2, sig2 := signRaw([]byte(old), "whsec_x")
	if _, err := ParseWebhook(payload2, sig2, "whsec_x"); err == nil {
		t.Fatal("event of another API version accepted")
	}
}

// TestD28_WebhookFromTheFutureRefused: stripe-go only refuses events
// signed too long ago; one signed more than 5 minutes ahead is refused like
// a stale one (D28), while a little clock skew is tolerated.
func TestD28_WebhookFromTheFutureRefused(t *testing.T) {
	payload, _ := stripefake.Event("whsec_x", "evt_1", "payment_method.detached",
		map[string]any{"id": "pm_1", "object": "payment_method", "customer": nil}, nil)
	at := func(ts time.Time) string {
		return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: "whsec_x", Timestamp: ts}).Header
	}
	now := time.Now()
	for name, ts := range map[string]time.Time{"6 minutes ahead": now.Add(6 * time.Minute), "a day ahead": now.Add(24 * time.Hour),
		"6 minutes ago": now.Add(-6 * time.Minute)} {
		if _, err := ParseWebhook(payload, at(ts), "whsec_x"); err == nil {
			t.Errorf("event signed %s accepted", name)
		}
	}
	for name, ts := range map[string]time.Time{"now": now, "4 minutes ahead": now.Add(4 * time.Minute), "4 minutes ago": now.Add(-4 * time.Minute)} {
		if _, err := ParseWebhook(payload, at(ts), "whsec_x"); err != nil {
			t.Errorf("event signed %s refused: %v", name, err)
		}
	}
	// A second t= (stripe-go keeps the last) cannot smuggle a future time
	// past the check.
	future := at(now.Add(time.Hour))
	if _, err := ParseWebhook(payload, "t="+strconv.FormatInt(now.Unix(), 10)+","+future, "whsec_x"); err == nil {
		t.Error("future event with a second, current t= accepted")
	}
}

func signRaw(payload []byte, secret string) ([]byte, string) {
	s := webhookSign(payload, secret)
	return payload, s
}

func webhookSign(payload []byte, secret string) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret}).Header
}

// Issue 16.10: the card expiry is read as people type it.
func TestParseExpiryAcceptsWhatPeopleType(t *testing.T) {
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for _, in := range []string{"0929", "09/29", "09 / 2029", "09/2029", "092029", " 09 /29 "} {
		m, y, msg := parseExpiry(in, now)
		if m != 9 || y != 2029 || msg != "" {
			t.Errorf("%q: %d/%d %q", in, m, y, msg)
		}
	}
	for _, in := range []string{"", "929", "13/29", "09/2", "0a29", "09/19"} {
		if _, _, msg := parseExpiry(in, now); msg == "" {
			t.Errorf("%q accepted", in)
		}
	}
}
