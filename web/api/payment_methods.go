package api

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/paymentmethod"
	"portal/internal/payments"
	"portal/web/middleware"
)

// PaymentMethodSchema is the contract's read model of a saved card.
type PaymentMethodSchema struct {
	ID         string  `json:"id"`
	CreatedAt  Time    `json:"created_at"`
	ModifiedAt *Time   `json:"modified_at"`
	Processor  string  `json:"processor"`
	Type       string  `json:"type"`
	Brand      *string `json:"brand"`
	Last4      *string `json:"last4"`
	ExpMonth   *int64  `json:"exp_month"`
	ExpYear    *int64  `json:"exp_year"`
	IsDefault  bool    `json:"is_default"`
}

func paymentMethodSchema(m paymentmethod.Method) PaymentMethodSchema {
	return PaymentMethodSchema{
		ID: m.ID.String(), CreatedAt: Time(m.CreatedAt), ModifiedAt: TimePtr(m.ModifiedAt),
		// The contract knows one processor; the sandbox imitates it.
		Processor: "stripe",
		Type:      m.Type, Brand: m.Brand, Last4: m.Last4, ExpMonth: m.ExpMonth, ExpYear: m.ExpYear, IsDefault: m.IsDefault,
	}
}

// paymentMethodResult is PaymentMethodCreateSucceededResponse or
// PaymentMethodCreateRequiresActionResponse.
func paymentMethodResult(r *paymentmethod.Result) any {
	if r.Status == payments.StatusRequiresAction {
		return map[string]any{"status": r.Status, "client_secret": r.ClientSecret}
	}
	return map[string]any{"status": r.Status, "payment_method": paymentMethodSchema(*r.Method)}
}

// decodeRequired decodes a body and reports absent required keys the way
// the contract's validator does: one "missing" entry per key, whose input
// is the body received.
func decodeRequired(c echo.Context, v any, required ...string) error {
	b, err := ReadBody(c)
	if err != nil {
		return err
	}
	if err := DecodeJSONBytes(b, v); err != nil {
		return err
	}
	var raw map[string]any
	_ = json.Unmarshal(b, &raw)
	var fields []apperr.FieldError
	for _, k := range required {
		if val, ok := raw[k]; !ok || val == nil {
			fields = append(fields, apperr.Required(raw, "body", k))
		}
	}
	if len(fields) > 0 {
		return apperr.Invalid(fields...)
	}
	return nil
}

// ListPaymentMethods is GET /payment-methods.
func (h *Handlers) ListPaymentMethods(c echo.Context) error {
	ms, err := h.S.PaymentMethods.List(c.Request().Context(), middleware.Principal(c))
	if err != nil {
		return err
	}
	out := make([]PaymentMethodSchema, 0, len(ms))
	for _, m := range ms {
		out = append(out, paymentMethodSchema(m))
	}
	return c.JSON(http.StatusOK, out)
}

// CreatePaymentMethod is POST /payment-methods.
func (h *Handlers) CreatePaymentMethod(c echo.Context) error {
	if !h.S.PaymentMethods.Enabled() {
		return payments.NotConfigured()
	}
	var body struct {
		ConfirmationTokenID *string `json:"confirmation_token_id"`
		SetDefault          *bool   `json:"set_default"`
		ReturnURL           *string `json:"return_url"`
	}
	if err := decodeRequired(c, &body, "confirmation_token_id", "return_url"); err != nil {
		return err
	}
	in := paymentmethod.CreateInput{SetDefault: body.SetDefault, ReturnURL: body.ReturnURL}
	if body.ConfirmationTokenID != nil {
		in.ConfirmationTokenID = *body.ConfirmationTokenID
	}
	r, err := h.S.PaymentMethods.Create(c.Request().Context(), middleware.Principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, paymentMethodResult(r))
}

// ConfirmPaymentMethod is POST /payment-methods/confirm.
func (h *Handlers) ConfirmPaymentMethod(c echo.Context) error {
	if !h.S.PaymentMethods.Enabled() {
		return payments.NotConfigured()
	}
	var body struct {
		SetupIntentID *string `json:"setup_intent_id"`
		SetDefault    *bool   `json:"set_default"`
	}
	if err := decodeRequired(c, &body, "setup_intent_id"); err != nil {
		return err
	}
	in := paymentmethod.ConfirmInput{SetDefault: body.SetDefault}
	if body.SetupIntentID != nil {
		in.SetupIntentID = *body.SetupIntentID
	}
	r, err := h.S.PaymentMethods.Confirm(c.Request().Context(), middleware.Principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, paymentMethodResult(r))
}

// DeletePaymentMethod is DELETE /payment-methods/{id}.
func (h *Handlers) DeletePaymentMethod(c echo.Context) error {
	id, err := PathUUID(c, "id", true)
	if err != nil {
		return err
	}
	if err := h.S.PaymentMethods.Delete(c.Request().Context(), middleware.Principal(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// SetDefaultPaymentMethod is POST /payment-methods/{id}/default.
func (h *Handlers) SetDefaultPaymentMethod(c echo.Context) error {
	id, err := PathUUID(c, "id", true)
	if err != nil {
		return err
	}
	m, err := h.S.PaymentMethods.SetDefault(c.Request().Context(), middleware.Principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, paymentMethodSchema(*m))
}

// StripeWebhook is POST /webhooks/stripe: only when STRIPE_WEBHOOK_SECRET is
// set (else 404). A bad signature is 400; a verified event is applied once.
func (h *Handlers) StripeWebhook(c echo.Context) error {
	secret := h.S.Config.StripeWebhook
	if secret == "" {
		return apperr.NotFound("")
	}
	body, err := ReadBody(c)
	if err != nil {
		return err
	}
	ev, err := payments.ParseWebhook(body, c.Request().Header.Get("Stripe-Signature"), secret)
	if err != nil {
		return err
	}
	if err := h.S.PaymentMethods.HandleStripeEvent(c.Request().Context(), ev); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"received": true})
}

// SandboxConfirmationToken is POST /api/sandbox/confirmation-tokens: the card
// sandbox's stand-in for Stripe.js createConfirmationToken, for API clients
// in sandbox mode (PORTAL_PAYMENTS=sandbox; not routed otherwise). Body
// {number, expiry ("MM/YY"), cvc} → 201 {"id": "ctoken_sbx_..."}.
func (h *Handlers) SandboxConfirmationToken(c echo.Context) error {
	if h.S.Sandbox == nil {
		return apperr.NotFound("")
	}
	var body struct {
		Number string `json:"number"`
		Expiry string `json:"expiry"`
		CVC    string `json:"cvc"`
	}
	if err := DecodeJSON(c, &body); err != nil {
		return err
	}
	id, err := h.S.Sandbox.CreateConfirmationToken(c.Request().Context(), payments.CardInput{Number: body.Number, Expiry: body.Expiry, CVC: body.CVC})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": id, "object": "confirmation_token"})
}
