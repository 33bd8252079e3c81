// Package paymentmethod owns saved cards: the local rows and the flows
// through the payments provider (§4 with D4). Nothing is
// written locally unless the provider succeeded, and every id is checked
// against the caller's customer and workspace in SQL before the provider is
// asked anything. Every method starts with auth.RequireBilling: the web
// layer's route guards refuse plain members first, but the rule holds here
// for any caller.
package paymentmethod

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/payments"
)

// Service is the paymentmethod domain.
type Service struct {
	pool     *pgxpool.Pool
	provider payments.Provider // nil when card payments are not configured
	baseURL  string            // PORTAL_BASE_URL, no trailing slash
}

// New builds the service. provider may be nil (cards not configured).
func New(pool *pgxpool.Pool, provider payments.Provider, baseURL string) *Service {
	return &Service{pool: pool, provider: provider, baseURL: strings.TrimRight(baseURL, "/")}
}

// Enabled reports whether card payments are configured.
func (s *Service) Enabled() bool { return s.provider != nil }

// Method is PaymentMethodSchema.
type Method struct {
	ID         uuid.UUID
	CreatedAt  time.Time
	ModifiedAt *time.Time
	Type       string
	Brand      *string
	Last4      *string
	ExpMonth   *int64
	ExpYear    *int64
	IsDefault  bool
}

// Result is the answer of add and confirm: succeeded with the saved method,
// or requires_action with the SetupIntent's client secret.
type Result struct {
	Status       string // payments.StatusSucceeded or payments.StatusRequiresAction
	ClientSecret string
	Method       *Method
}

// CreateInput is PaymentMethodCreate. SetDefault defaults to true.
type CreateInput struct {
	ConfirmationTokenID string
	SetDefault          *bool
	ReturnURL           *string
}

// ConfirmInput is PaymentMethodConfirm.
type ConfirmInput struct {
	SetupIntentID string
	SetDefault    *bool
}

func (s *Service) ready() error {
	if s.provider == nil {
		return payments.NotConfigured()
	}
	return nil
}

// List is GET /payment-methods: local rows only, newest first (§4.1).
func (s *Service) List(ctx context.Context, p *auth.Principal) ([]Method, error) {
	if err := auth.RequireBilling(p); err != nil {
		return nil, err
	}
	if err := s.ready(); err != nil {
		return nil, err
	}
	rows, err := dbgen.New(s.pool).ListPaymentMethods(ctx, dbgen.ListPaymentMethodsParams{
		CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID, Processor: s.provider.Name()})
	if err != nil {
		return nil, dbError("list payment methods", err)
	}
	out := make([]Method, 0, len(rows))
	for _, r := range rows {
		out = append(out, toMethod(dbgen.PaymentMethod{ID: r.ID, CreatedAt: r.CreatedAt, ModifiedAt: r.ModifiedAt,
			Type: r.Type, MethodMetadata: r.MethodMetadata}, r.IsDefault))
	}
	return out, nil
}

// Get is one saved card of the caller's customer. An unknown card is the
// 403 that DELETE answers for it (G20), so the pages' confirmation step
// refuses it exactly as the delete would.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id uuid.UUID) (Method, error) {
	if err := auth.RequireBilling(p); err != nil {
		return Method{}, err
	}
	if err := s.ready(); err != nil {
		return Method{}, err
	}
	r, err := dbgen.New(s.pool).GetPaymentMethod(ctx, dbgen.GetPaymentMethodParams{
		ID: id, CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID, Processor: s.provider.Name()})
	if err != nil {
		if db.IsNotFound(err) {
			return Method{}, apperr.Forbidden("Payment method not found.")
		}
		return Method{}, dbError("get payment method", err)
	}
	return toMethod(dbgen.PaymentMethod{ID: r.ID, CreatedAt: r.CreatedAt, ModifiedAt: r.ModifiedAt,
		Type: r.Type, MethodMetadata: r.MethodMetadata}, r.IsDefault), nil
}

// Create is POST /payment-methods (§4.2).
func (s *Service) Create(ctx context.Context, p *auth.Principal, in CreateInput) (*Result, error) {
	if err := auth.RequireBilling(p); err != nil {
		return nil, err
	}
	if err := s.ready(); err != nil {
		return nil, err
	}
	var fields []apperr.FieldError
	if strings.TrimSpace(in.ConfirmationTokenID) == "" {
		fields = append(fields, apperr.Required(map[string]any{}, "body", "confirmation_token_id"))
	}
	if in.ReturnURL == nil {
		fields = append(fields, apperr.Required(map[string]any{}, "body", "return_url"))
	}
	if len(fields) > 0 {
		return nil, apperr.Invalid(fields...)
	}
	cust, err := s.ensureProviderCustomer(ctx, p)
	if err != nil {
		return nil, err
	}
	si, err := s.provider.CreateSetupIntent(ctx, payments.SetupIntentCreate{
		CustomerID:        *cust.StripeCustomerID,
		ConfirmationToken: in.ConfirmationTokenID,
		ReturnURL:         s.SanitizeReturnURL(*in.ReturnURL),
		Metadata:          metadata(cust),
		// The same customer sending the same token twice (a double click, a
		// retried request) gets the one SetupIntent back.
		IdempotencyKey: payments.IdempotencyKey("seti", *cust.StripeCustomerID, in.ConfirmationTokenID),
	})
	if err != nil {
		return nil, err
	}
	return s.interpret(ctx, p, cust, si, setDefault(in.SetDefault))
}

// Confirm is POST /payment-methods/confirm (§4.3): after 3-D Secure, the
// SetupIntent is fetched from the provider (never trusted from the client)
// and must belong to the caller's provider customer.
func (s *Service) Confirm(ctx context.Context, p *auth.Principal, in ConfirmInput) (*Result, error) {
	if err := auth.RequireBilling(p); err != nil {
		return nil, err
	}
	if err := s.ready(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.SetupIntentID) == "" {
		return nil, apperr.Invalid(apperr.Required(map[string]any{}, "body", "setup_intent_id"))
	}
	cust, err := dbgen.New(s.pool).GetCustomer(ctx, dbgen.GetCustomerParams{ID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		return nil, customerError(err)
	}
	if cust.StripeCustomerID == nil || *cust.StripeCustomerID == "" {
		return nil, apperr.BadRequest("CustomerNotReady", "Customer does not have a Stripe customer ID.")
	}
	si, err := s.provider.RetrieveSetupIntent(ctx, in.SetupIntentID)
	if err != nil {
		return nil, err
	}
	if si.Customer == "" {
		return nil, payments.MethodError("SetupIntent has no customer.")
	}
	if si.Customer != *cust.StripeCustomerID {
		return nil, payments.MethodError("SetupIntent does not belong to this customer.")
	}
	return s.interpret(ctx, p, cust, si, setDefault(in.SetDefault))
}

// interpret is §4.2 step 3, shared by add and confirm.
func (s *Service) interpret(ctx context.Context, p *auth.Principal, cust dbgen.Customer, si *payments.SetupIntent, makeDefault bool) (*Result, error) {
	switch si.Status {
	case payments.StatusRequiresAction:
		if si.ClientSecret == "" {
			return nil, payments.MethodError("SetupIntent requires action but has no client_secret.")
		}
		return &Result{Status: payments.StatusRequiresAction, ClientSecret: si.ClientSecret}, nil
	case payments.StatusSucceeded:
	default:
		return nil, payments.MethodError(fmt.Sprintf("SetupIntent has unexpected status: %s.", si.Status))
	}
	pm := si.PaymentMethod
	if pm == nil || pm.ID == "" {
		return nil, payments.MethodError("SetupIntent succeeded but has no payment method.")
	}
	// The provider's default first: if it fails, nothing local changes (D4)
	// and a retry replays the same SetupIntent.
	if makeDefault && cust.StripeCustomerID != nil {
		if err := s.provider.SetDefaultPaymentMethod(ctx, *cust.StripeCustomerID, pm.ID); err != nil {
			return nil, err
		}
	}
	var saved dbgen.PaymentMethod
	err := db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		var err error
		saved, err = upsert(ctx, q, cust.ID, s.provider.Name(), pm)
		if err != nil {
			return err
		}
		if makeDefault {
			return q.SetCustomerDefaultPaymentMethod(ctx, dbgen.SetCustomerDefaultPaymentMethodParams{ID: cust.ID, PaymentMethodID: &saved.ID})
		}
		return nil
	})
	if err != nil {
		return nil, dbError("save payment method", err)
	}
	isDefault := makeDefault || (cust.DefaultPaymentMethodID != nil && *cust.DefaultPaymentMethodID == saved.ID)
	m := toMethod(saved, isDefault)
	return &Result{Status: payments.StatusSucceeded, Method: &m}, nil
}

func upsert(ctx context.Context, q *dbgen.Queries, customerID uuid.UUID, processor string, pm *payments.PaymentMethod) (dbgen.PaymentMethod, error) {
	md, err := json.Marshal(pm.Metadata())
	if err != nil {
		return dbgen.PaymentMethod{}, err
	}
	typ := pm.Type
	if typ == "" {
		typ = "card"
	}
	return q.UpsertPaymentMethod(ctx, dbgen.UpsertPaymentMethodParams{
		CustomerID: customerID, Processor: processor, ProcessorID: pm.ID, Type: typ, MethodMetadata: md})
}

// Delete is DELETE /payment-methods/{id} (§4.4). Someone else's or a
// missing card is 403 "Payment method not found." and the provider is never
// called. The provider's detach comes first; an "already detached" refusal
// is fine, anything else leaves the local row untouched (D4).
func (s *Service) Delete(ctx context.Context, p *auth.Principal, id uuid.UUID) error {
	if err := auth.RequireBilling(p); err != nil {
		return err
	}
	if err := s.ready(); err != nil {
		return err
	}
	pm, err := dbgen.New(s.pool).GetPaymentMethod(ctx, dbgen.GetPaymentMethodParams{
		ID: id, CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID, Processor: s.provider.Name()})
	if err != nil {
		if db.IsNotFound(err) {
			return apperr.Forbidden("Payment method not found.")
		}
		return dbError("delete payment method", err)
	}
	if err := s.provider.DetachPaymentMethod(ctx, pm.ProcessorID); err != nil && !errors.Is(err, payments.ErrInvalidRequest) {
		return err
	}
	err = db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		if err := q.ClearCustomerDefaultPaymentMethod(ctx, dbgen.ClearCustomerDefaultPaymentMethodParams{ID: p.CustomerID, PaymentMethodID: &pm.ID}); err != nil {
			return err
		}
		_, err := q.SoftDeletePaymentMethod(ctx, dbgen.SoftDeletePaymentMethodParams{ID: pm.ID, CustomerID: p.CustomerID})
		return err
	})
	if err != nil {
		return dbError("delete payment method", err)
	}
	return nil
}

// SetDefault is POST /payment-methods/{id}/default (§4.5). Not found here is
// 404 PaymentMethodError (G20).
func (s *Service) SetDefault(ctx context.Context, p *auth.Principal, id uuid.UUID) (*Method, error) {
	if err := auth.RequireBilling(p); err != nil {
		return nil, err
	}
	if err := s.ready(); err != nil {
		return nil, err
	}
	q := dbgen.New(s.pool)
	pm, err := q.GetPaymentMethod(ctx, dbgen.GetPaymentMethodParams{
		ID: id, CustomerID: p.CustomerID, WorkspaceID: p.WorkspaceID, Processor: s.provider.Name()})
	if err != nil {
		if db.IsNotFound(err) {
			return nil, &apperr.Error{Kind: apperr.KindNotFound, Name: "PaymentMethodError", Detail: "Payment method not found."}
		}
		return nil, dbError("set default payment method", err)
	}
	cust, err := q.GetCustomer(ctx, dbgen.GetCustomerParams{ID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		return nil, customerError(err)
	}
	if cust.StripeCustomerID != nil && *cust.StripeCustomerID != "" {
		if err := s.provider.SetDefaultPaymentMethod(ctx, *cust.StripeCustomerID, pm.ProcessorID); err != nil {
			return nil, err
		}
	}
	if err := q.SetCustomerDefaultPaymentMethod(ctx, dbgen.SetCustomerDefaultPaymentMethodParams{ID: cust.ID, PaymentMethodID: &pm.ID}); err != nil {
		return nil, dbError("set default payment method", err)
	}
	m := toMethod(dbgen.PaymentMethod{ID: pm.ID, CreatedAt: pm.CreatedAt, ModifiedAt: pm.ModifiedAt, Type: pm.Type, MethodMetadata: pm.MethodMetadata}, true)
	return &m, nil
}

// ensureProviderCustomer is §4.2 step 1: the platform customer is created on
// the first add. The creation is idempotent on our customer id, and the id
// is stored only where none is yet (under a row lock), so concurrent first
// adds end with one provider customer.
func (s *Service) ensureProviderCustomer(ctx context.Context, p *auth.Principal) (dbgen.Customer, error) {
	q := dbgen.New(s.pool)
	cust, err := q.GetCustomer(ctx, dbgen.GetCustomerParams{ID: p.CustomerID, WorkspaceID: p.WorkspaceID})
	if err != nil {
		return cust, customerError(err)
	}
	if cust.StripeCustomerID != nil && *cust.StripeCustomerID != "" {
		return cust, nil
	}
	name := ""
	if cust.BillingName != nil && strings.TrimSpace(*cust.BillingName) != "" {
		name = *cust.BillingName
	}
	provID, err := s.provider.CreateCustomer(ctx, cust.Email, name, metadata(cust),
		payments.IdempotencyKey("cus", cust.ID.String(), cust.Email, name))
	if err != nil {
		return cust, err
	}
	err = db.WithTx(ctx, s.pool, func(q *dbgen.Queries, _ pgx.Tx) error {
		locked, err := q.LockCustomer(ctx, dbgen.LockCustomerParams{ID: cust.ID, WorkspaceID: p.WorkspaceID})
		if err != nil {
			return err
		}
		if locked.StripeCustomerID == nil || *locked.StripeCustomerID == "" {
			if _, err := q.SetCustomerStripeID(ctx, dbgen.SetCustomerStripeIDParams{ID: cust.ID, StripeCustomerID: &provID}); err != nil {
				return err
			}
			locked.StripeCustomerID = &provID
		}
		cust = locked
		return nil
	})
	if err != nil {
		return cust, customerError(err)
	}
	return cust, nil
}

// SanitizeReturnURL keeps 3-D Secure redirects on our own origin (§4.2):
// a relative path is put under PORTAL_BASE_URL; an absolute URL elsewhere
// is replaced by PORTAL_BASE_URL + "/".
func (s *Service) SanitizeReturnURL(raw string) string {
	fallback := s.baseURL + "/"
	raw = strings.TrimSpace(raw)
	if raw == "" || strings.ContainsAny(raw, "\\\x00\r\n\t") {
		return fallback
	}
	base, err := url.Parse(s.baseURL)
	if err != nil {
		return fallback
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fallback
	}
	if u.Scheme == "" && u.Host == "" && !strings.HasPrefix(raw, "//") {
		if !strings.HasPrefix(raw, "/") {
			raw = "/" + raw
		}
		return s.baseURL + raw
	}
	if strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Host, base.Host) && u.User == nil {
		return u.String()
	}
	return fallback
}

func metadata(c dbgen.Customer) map[string]string {
	return map[string]string{"rapidly_customer_id": c.ID.String(), "workspace_id": c.WorkspaceID.String()}
}

func setDefault(b *bool) bool { return b == nil || *b }

func toMethod(pm dbgen.PaymentMethod, isDefault bool) Method {
	m := Method{ID: pm.ID, CreatedAt: pm.CreatedAt, ModifiedAt: pm.ModifiedAt, Type: pm.Type, IsDefault: isDefault}
	var md struct {
		Brand    *string  `json:"brand"`
		Last4    *string  `json:"last4"`
		ExpMonth *float64 `json:"exp_month"`
		ExpYear  *float64 `json:"exp_year"`
	}
	_ = json.Unmarshal(pm.MethodMetadata, &md)
	m.Brand, m.Last4 = md.Brand, md.Last4
	if md.ExpMonth != nil {
		v := int64(*md.ExpMonth)
		m.ExpMonth = &v
	}
	if md.ExpYear != nil {
		v := int64(*md.ExpYear)
		m.ExpYear = &v
	}
	return m
}

func customerError(err error) error {
	if db.IsNotFound(err) {
		// The session's customer is gone: the session no longer stands.
		return apperr.Unauthorized()
	}
	return dbError("load customer", err)
}

func dbError(op string, err error) error {
	if _, ok := apperr.As(err); ok {
		return err
	}
	if db.IsUnavailable(err) {
		return apperr.Unavailable("", 5*time.Second, fmt.Errorf("%s: %w", op, err))
	}
	return apperr.Internal(op, err)
}
