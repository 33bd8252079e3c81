package payments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"portal/internal/apperr"
)

// StripeOptions configure the Stripe provider. Zero values get the
// production defaults.
type StripeOptions struct {
	Key string
	URL string // STRIPE_API_URL; empty is Stripe's own
	// Timeout bounds one operation including stripe-go's retries.
	Timeout time.Duration
	// MaxRetries is stripe-go's MaxNetworkRetries (retries use the same
	// idempotency key, so they never duplicate an object).
	MaxRetries *int64
	Log        *slog.Logger
}

// Stripe is the provider backed by the Stripe API through stripe-go, with
// its own backend (never the package-global one), so tests and the server
// can point different instances at different URLs.
type Stripe struct {
	api     *client.API
	timeout time.Duration
	log     *slog.Logger
}

// NewStripe builds the Stripe provider.
func NewStripe(o StripeOptions) *Stripe {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	retries := int64(2)
	if o.MaxRetries != nil {
		retries = *o.MaxRetries
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	cfg := &stripe.BackendConfig{
		// One attempt may not outlive the whole operation's budget.
		HTTPClient:        &http.Client{Timeout: o.Timeout},
		MaxNetworkRetries: stripe.Int64(retries),
		// stripe-go's own logger writes to stderr; errors reach our log once,
		// at the edge, without request bodies.
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if o.URL != "" {
		cfg.URL = stripe.String(o.URL)
	}
	b := stripe.GetBackendWithConfig(stripe.APIBackend, cfg)
	api := client.New(o.Key, &stripe.Backends{API: b, Connect: b, Uploads: b})
	return &Stripe{api: api, timeout: o.Timeout, log: o.Log}
}

func (s *Stripe) Name() string { return ProcessorStripe }

// params returns stripe.Params carrying a deadline-bound context.
func (s *Stripe) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

func (s *Stripe) CreateCustomer(ctx context.Context, email, name string, metadata map[string]string, idem string) (string, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	p := &stripe.CustomerParams{Email: stripe.String(email)}
	if name != "" {
		p.Name = stripe.String(name)
	}
	p.Context = ctx
	for k, v := range metadata {
		p.AddMetadata(k, v)
	}
	if idem != "" {
		p.SetIdempotencyKey(idem)
	}
	c, err := s.api.Customers.New(p)
	if err != nil {
		return "", mapError("create customer", err)
	}
	return c.ID, nil
}

func (s *Stripe) UpdateCustomer(ctx context.Context, id string, u CustomerUpdate) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	p := &stripe.CustomerParams{Email: u.Email, Name: u.Name}
	p.Context = ctx
	if a := u.Address; a != nil {
		p.Address = &stripe.AddressParams{
			Line1: stripe.String(a.Line1), Line2: stripe.String(a.Line2), PostalCode: stripe.String(a.PostalCode),
			City: stripe.String(a.City), State: stripe.String(a.State), Country: stripe.String(a.Country),
		}
	}
	if _, err := s.api.Customers.Update(id, p); err != nil {
		return mapError("update customer", err)
	}
	return nil
}

func (s *Stripe) CreateSetupIntent(ctx context.Context, in SetupIntentCreate) (*SetupIntent, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	p := &stripe.SetupIntentParams{
		AutomaticPaymentMethods: &stripe.SetupIntentAutomaticPaymentMethodsParams{Enabled: stripe.Bool(true)},
		Confirm:                 stripe.Bool(true),
		ConfirmationToken:       stripe.String(in.ConfirmationToken),
		Customer:                stripe.String(in.CustomerID),
		ReturnURL:               stripe.String(in.ReturnURL),
	}
	p.Context = ctx
	p.AddExpand("payment_method")
	for k, v := range in.Metadata {
		p.AddMetadata(k, v)
	}
	if in.IdempotencyKey != "" {
		p.SetIdempotencyKey(in.IdempotencyKey)
	}
	si, err := s.api.SetupIntents.New(p)
	if err != nil {
		return nil, mapError("create setup intent", err)
	}
	return fromStripeSI(si), nil
}

func (s *Stripe) RetrieveSetupIntent(ctx context.Context, id string) (*SetupIntent, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	p := &stripe.SetupIntentParams{}
	p.Context = ctx
	p.AddExpand("payment_method")
	si, err := s.api.SetupIntents.Get(id, p)
	if err != nil {
		return nil, mapError("retrieve setup intent", err)
	}
	return fromStripeSI(si), nil
}

func (s *Stripe) SetDefaultPaymentMethod(ctx context.Context, customerID, pmID string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	p := &stripe.CustomerParams{InvoiceSettings: &stripe.CustomerInvoiceSettingsParams{DefaultPaymentMethod: stripe.String(pmID)}}
	p.Context = ctx
	if _, err := s.api.Customers.Update(customerID, p); err != nil {
		return mapError("set default payment method", err)
	}
	return nil
}

func (s *Stripe) DetachPaymentMethod(ctx context.Context, pmID string) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	p := &stripe.PaymentMethodDetachParams{}
	p.Context = ctx
	if _, err := s.api.PaymentMethods.Detach(pmID, p); err != nil {
		return mapError("detach payment method", err)
	}
	return nil
}

func fromStripeSI(si *stripe.SetupIntent) *SetupIntent {
	out := &SetupIntent{ID: si.ID, Status: string(si.Status), ClientSecret: si.ClientSecret}
	if si.Customer != nil {
		out.Customer = si.Customer.ID
	}
	if pm := si.PaymentMethod; pm != nil && pm.ID != "" {
		out.PaymentMethod = fromStripePM(pm)
	}
	return out
}

func fromStripePM(pm *stripe.PaymentMethod) *PaymentMethod {
	out := &PaymentMethod{ID: pm.ID, Type: string(pm.Type)}
	if pm.Customer != nil {
		out.Customer = pm.Customer.ID
	}
	if c := pm.Card; c != nil {
		out.Card = &Card{Brand: string(c.Brand), Last4: c.Last4, ExpMonth: c.ExpMonth, ExpYear: c.ExpYear, Funding: string(c.Funding)}
		if c.Wallet != nil {
			out.Card.Wallet = string(c.Wallet.Type)
		}
	}
	return out
}

// mapError turns a stripe-go error into the portal's kinds (D4): what the
// customer can fix is a 400 with Stripe's own user-facing message; anything
// that says "Stripe is not answering properly" is a 502. Never a 500.
func mapError(op string, err error) error {
	var se *stripe.Error
	if errors.As(err, &se) {
		switch se.Type {
		case stripe.ErrorTypeCard:
			return &apperr.Error{Kind: apperr.KindBadRequest, Name: "PaymentMethodError", Detail: userMessage(se),
				Err: fmt.Errorf("stripe %s: %s (%s)", op, se.Code, se.DeclineCode)}
		case stripe.ErrorTypeInvalidRequest, stripe.ErrorTypeIdempotency:
			switch se.HTTPStatusCode {
			case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests:
				// Our key is wrong, or Stripe is shedding load: not the
				// customer's to fix.
				return apperr.ProviderUnavailable(fmt.Errorf("stripe %s: status %d type %s code %s", op, se.HTTPStatusCode, se.Type, se.Code))
			}
			return &apperr.Error{Kind: apperr.KindBadRequest, Name: "PaymentMethodError", Detail: userMessage(se),
				Err: fmt.Errorf("%w: stripe %s: %s %s", ErrInvalidRequest, op, se.Code, se.Param)}
		}
		return apperr.ProviderUnavailable(fmt.Errorf("stripe %s: status %d type %s code %s", op, se.HTTPStatusCode, se.Type, se.Code))
	}
	// Connection refused, reset, timeouts and our own deadline.
	return apperr.ProviderUnavailable(fmt.Errorf("stripe %s: %w", op, err))
}

func userMessage(se *stripe.Error) string {
	if se.Msg != "" {
		return se.Msg
	}
	return "The payment method could not be used. Please try another card."
}
