// Package payments owns the conversation with the payments provider: Stripe
// (the only importer of stripe-go) and, for development and demos, a card
// sandbox kept in PostgreSQL. Everything above this package sees the small
// Provider interface and apperr errors, never a Stripe type.
package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/config"
)

// Processor names, as stored in payment_methods.processor.
const (
	ProcessorStripe  = "stripe"
	ProcessorSandbox = "sandbox"
)

// SetupIntent statuses the portal interprets (§4.2 step 3).
const (
	StatusSucceeded             = "succeeded"
	StatusRequiresAction        = "requires_action"
	StatusRequiresPaymentMethod = "requires_payment_method"
	StatusCanceled              = "canceled"
)

// DefaultTimeout bounds one provider operation, retries included, so a hung
// Stripe holds a request for seconds, not stripe-go's 80 s × 3 (D4, P5).
const DefaultTimeout = 10 * time.Second

// Address is a billing address in Stripe's shape.
type Address struct {
	Line1, Line2, PostalCode, City, State, Country string
}

// CustomerUpdate is a partial update of the provider's customer; nil fields
// are left alone.
type CustomerUpdate struct {
	Email   *string
	Name    *string
	Address *Address
}

// Card is the whitelisted part of a card payment method (§1.7).
type Card struct {
	Brand    string
	Last4    string
	ExpMonth int64
	ExpYear  int64
	Funding  string
	Wallet   string
}

// PaymentMethod is a provider payment method.
type PaymentMethod struct {
	ID       string
	Type     string
	Customer string
	Card     *Card
}

// Metadata is the whitelisted method_metadata stored locally (§1.7): only
// brand, last4, exp_month, exp_year, funding and wallet.
func (pm *PaymentMethod) Metadata() map[string]any {
	m := map[string]any{}
	if pm.Card == nil {
		return m
	}
	if pm.Card.Brand != "" {
		m["brand"] = pm.Card.Brand
	}
	if pm.Card.Last4 != "" {
		m["last4"] = pm.Card.Last4
	}
	if pm.Card.ExpMonth != 0 {
		m["exp_month"] = pm.Card.ExpMonth
	}
	if pm.Card.ExpYear != 0 {
		m["exp_year"] = pm.Card.ExpYear
	}
	if pm.Card.Funding != "" {
		m["funding"] = pm.Card.Funding
	}
	if pm.Card.Wallet != "" {
		m["wallet"] = pm.Card.Wallet
	}
	return m
}

// SetupIntent is what the portal needs of a Stripe SetupIntent.
type SetupIntent struct {
	ID            string
	Status        string
	ClientSecret  string
	Customer      string
	PaymentMethod *PaymentMethod // expanded; nil when none
}

// SetupIntentCreate is SetupIntent.create with confirm=true and a
// ConfirmationToken (§4.2 step 2).
type SetupIntentCreate struct {
	CustomerID        string
	ConfirmationToken string
	ReturnURL         string
	Metadata          map[string]string
	IdempotencyKey    string
}

// Provider is the payments provider as the portal uses it. Errors are
// apperr errors: 400 PaymentMethodError for what the customer can fix (a
// declined card, a used token), 502 PaymentProviderUnavailable when the
// provider cannot be reached.
type Provider interface {
	// Name is the processor stored with local rows.
	Name() string
	CreateCustomer(ctx context.Context, email, name string, metadata map[string]string, idempotencyKey string) (string, error)
	UpdateCustomer(ctx context.Context, id string, u CustomerUpdate) error
	CreateSetupIntent(ctx context.Context, in SetupIntentCreate) (*SetupIntent, error)
	RetrieveSetupIntent(ctx context.Context, id string) (*SetupIntent, error)
	SetDefaultPaymentMethod(ctx context.Context, customerID, pmID string) error
	DetachPaymentMethod(ctx context.Context, pmID string) error
}

// ErrInvalidRequest marks a provider refusal of the request itself (Stripe's
// invalid_request_error), e.g. detaching a method that is already detached.
var ErrInvalidRequest = errors.New("payments: invalid request")

// ErrNotConfigured is the cause logged with the 503 when cards are off.
var ErrNotConfigured = errors.New("PaymentsNotConfigured")

// NotConfigured is the 503 every card operation answers when neither
// STRIPE_SECRET_KEY nor PORTAL_PAYMENTS=sandbox is set (docs/design.md "Interface").
func NotConfigured() *apperr.Error {
	e := apperr.Unavailable("Card payments are not configured for this portal.", 0, ErrNotConfigured)
	e.Name = "PaymentsNotConfigured"
	return e
}

// MethodError is the customer-facing 400.
func MethodError(detail string) *apperr.Error {
	return apperr.BadRequest("PaymentMethodError", detail)
}

// New builds the provider the configuration asks for, or nil when card
// payments are not configured.
func New(cfg *config.Config, pool *pgxpool.Pool, log *slog.Logger) Provider {
	switch {
	case cfg.Payments == ProcessorSandbox:
		return NewSandbox(pool)
	case cfg.StripeSecretKey != "":
		return NewStripe(StripeOptions{Key: cfg.StripeSecretKey, URL: cfg.StripeAPIURL, Log: log})
	}
	return nil
}

// IdempotencyKey derives a provider idempotency key from the parts that make
// a request "the same", so a double click or a retried job creates one
// object, not two (R5). Stripe allows 255 characters.
func IdempotencyKey(kind string, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return "portal-" + kind + "-" + hex.EncodeToString(h.Sum(nil))
}
