package payments

import (
	"encoding/json"
	"fmt"
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

// WebhookTolerance is how old a signed event may be (Stripe's default).
const WebhookTolerance = 300 * time.Second

// ParseWebhook verifies a Stripe webhook's signature and reads the event.
// The API version is checked too: stripe-go v76 reads 2023-10-16 objects,
// and an event rendered for another version could be misread, so it is
// refused (the endpoint must be pinned to that version in the dashboard).
func ParseWebhook(payload []byte, sigHeader, secret string) (*Event, error) {
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
