package payments

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"portal/internal/apperr"
)

// Event is the part of a Stripe webhook event the portal acts on.
type Event struct {
	ID       string
	Type     string
	ObjectID string // the event's data.object id (pm_..., seti_...)
	Customer string // data.object.customer, when it is one
	// PreviousCustomer is, for payment_method.detached, the customer the
	// method was detached from (data.previous_attributes.customer).
	PreviousCustomer string
}

// WebhookTolerance is how old a signed event may be (Stripe's default),
// and how far ahead of our clock its signature time may be (D28).
const WebhookTolerance = 300 * time.Second

// ParseWebhook verifies a Stripe webhook's signature and reads the event.
// The API version is checked too: stripe-go v76 reads 2023-10-16 objects,
// and an event rendered for another version could be misread, so it is
// refused (the endpoint must be pinned to that version in the dashboard).
func ParseWebhook(payload []byte, sigHeader, secret string) (*Event, error) {
	if signedInFuture(sigHeader, time.Now()) {
		return nil, apperr.BadRequest("InvalidWebhook", "The webhook could not be verified.")
	}
	ev, err := webhook.ConstructEventWithOptions(payload, sigHeader, secret, webhook.ConstructEventOptions{
		Tolerance: WebhookTolerance,
	})
	if err != nil {
		return nil, apperr.BadRequest("InvalidWebhook", "The webhook could not be verified.")
	}
	out := &Event{ID: ev.ID, Type: string(ev.Type)}
	if ev.Data == nil {
		return out, nil
	}
	var obj struct {
		ID       string          `json:"id"`
		Customer json.RawMessage `json:"customer"`
	}
	if err := json.Unmarshal(ev.Data.Raw, &obj); err != nil {
		return nil, apperr.BadRequest("InvalidWebhook", fmt.Sprintf("The webhook's object could not be read: %v", err))
	}
	out.ObjectID = obj.ID
	out.Customer = idOf(obj.Customer)
	if prev, ok := ev.Data.PreviousAttributes["customer"].(string); ok {
		out.PreviousCustomer = prev
	}
	return out, nil
}

// signedInFuture reports whether any t= of a Stripe-Signature header is
// more than WebhookTolerance ahead of now. stripe-go refuses only events
// signed too long ago; an event signed in the future would stay replayable
// for as long as it is ahead, so it is refused like a stale one (D28). Every
// t= counts, whichever one stripe-go goes on to verify.
func signedInFuture(header string, now time.Time) bool {
	for _, pair := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || k != "t" {
			continue
		}
		ts, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue // stripe-go refuses it
		}
		if time.Unix(ts, 0).Sub(now) > WebhookTolerance {
			return true
		}
	}
	return false
}

// idOf reads an expandable field: an id string or an object with an id.
func idOf(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &o)
	return o.ID
}

// APIVersion is the Stripe API version this build speaks (and expects of
// webhook events).
const APIVersion = stripe.APIVersion
