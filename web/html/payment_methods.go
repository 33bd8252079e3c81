package html

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/i18n"
	"portal/internal/paymentmethod"
	"portal/internal/payments"
	"portal/views/paths"
	pmview "portal/views/paymentmethod"
	"portal/web/htmx"
	"portal/web/httperr"
	"portal/web/middleware"
)

// billingFlashes are the outcomes a card action reports on the next page
// (a one-shot flash kept in the browser session), so URLs stay clean.
var billingFlashes = map[string][2]string{
	"added":    {"billing.flash_added", "success"},
	"default":  {"billing.flash_default", "success"},
	"deleted":  {"billing.flash_deleted", "success"},
	"verify":   {"billing.flash_verify", "error"},
	"canceled": {"billing.flash_canceled", "error"},
}

// cardMode says which add-card form the billing page shows.
func (h *Handlers) cardMode() string {
	switch {
	case h.S.Sandbox != nil:
		return pmview.ModeSandbox
	case h.S.PaymentMethods.Enabled():
		return pmview.ModeStripe
	}
	return pmview.ModeOff
}

// Billing is /{slug}/portal/billing: saved cards, make default, delete,
// add a card (docs/design.md "Pages", "Saved cards").
func (h *Handlers) Billing(c echo.Context) error {
	return h.renderBilling(c, http.StatusOK, pmview.SandboxForm{SetDefault: true})
}

func newFormID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (h *Handlers) renderBilling(c echo.Context, status int, form pmview.SandboxForm) error {
	p := middleware.Principal(c)
	ws := Workspace(c)
	m := h.Meta(c, "title.payment_methods", "billing")
	if form.FormID == "" {
		form.FormID = newFormID()
	}
	props := pmview.BillingProps{
		Mode: h.cardMode(), CanBill: p.CanBill(), Form: form,
		AddURL: paths.BillingPage(ws.Slug, "/cards"), ConfirmURL: paths.BillingPage(ws.Slug, "/confirm"),
		ReturnURL:      h.S.Config.BaseURL + paths.BillingPage(ws.Slug, "/return"),
		PublishableKey: h.S.Config.StripePublicKey, WorkspaceName: ws.Name,
		CSRFField: m.CSRFField, CSRFToken: m.CSRFToken,
	}
	if !props.CanBill {
		status = http.StatusForbidden
	} else if props.Mode != pmview.ModeOff {
		cards, err := h.S.PaymentMethods.List(c.Request().Context(), p)
		if err != nil {
			return err
		}
		for _, pm := range cards {
			props.Cards = append(props.Cards, cardRow(h.locale(c), ws.Slug, pm))
		}
	}
	if props.Mode == pmview.ModeStripe && props.CanBill {
		// Only this page loads Stripe.js, so only it widens the policy.
		c.Response().Header().Set("Content-Security-Policy", middleware.CSP(m.Nonce, true))
	}
	if htmx.IsRequest(c) && c.Request().Method == http.MethodPost && props.Mode == pmview.ModeSandbox {
		return Render(c, status, pmview.SandboxCardForm(props))
	}
	return Render(c, status, pmview.Billing(m, props))
}

// billingDone sends the browser back to the billing page with the outcome
// as a flash (303, or HX-Redirect for htmx).
func (h *Handlers) billingDone(c echo.Context, slug, outcome string) error {
	f := billingFlashes[outcome]
	if err := h.setFlash(c, f[1], h.locale(c).T(f[0])); err != nil {
		return err
	}
	return htmx.Redirect(c, paths.BillingPage(slug, ""))
}

func cardRow(l *i18n.Locale, slug string, pm paymentmethod.Method) pmview.CardRow {
	r := pmview.CardRow{ID: pm.ID.String(), Brand: l.T("billing.card"), IsDefault: pm.IsDefault,
		DefaultURL: paths.BillingPage(slug, "/cards/"+pm.ID.String()+"/default"),
		DeleteURL:  paths.BillingPage(slug, "/cards/"+pm.ID.String()+"/delete")}
	if pm.Brand != nil {
		r.Brand = brandName(l, *pm.Brand)
	} else if pm.Type != "card" {
		r.Brand = strings.ReplaceAll(pm.Type, "_", " ")
	}
	if pm.Last4 != nil {
		r.Last4 = *pm.Last4
	}
	if pm.ExpMonth != nil && pm.ExpYear != nil {
		r.Expiry = fmt.Sprintf("%02d/%02d", *pm.ExpMonth, *pm.ExpYear%100)
	}
	return r
}

func brandName(l *i18n.Locale, b string) string {
	switch b {
	case "visa":
		return "Visa"
	case "mastercard":
		return "Mastercard"
	case "amex":
		return "American Express"
	case "discover":
		return "Discover"
	case "jcb":
		return "JCB"
	case "diners":
		return "Diners Club"
	case "unionpay":
		return "UnionPay"
	case "cartes_bancaires":
		return "Cartes Bancaires"
	case "", "unknown":
		return l.T("billing.card")
	}
	return strings.ToUpper(b[:1]) + b[1:]
}

// wantsJSON is the Payment Element island (billing.js) talking to the page
// routes: it needs the SetupIntent's status and client secret as data.
func wantsJSON(c echo.Context) bool {
	return strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON)
}

// islandAnswer answers billing.js. Errors are returned as a message for the
// island to show in its alert line; the status is the one web/errors.go
// would give, so nothing here decides what an error means.
func (h *Handlers) islandAnswer(c echo.Context, slug string, r *paymentmethod.Result, err error) error {
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind == apperr.KindInternal || e.Kind == apperr.KindUnauthenticated {
			return err
		}
		l := h.locale(c)
		msg := detail(l, e.Detail, "billing.card_failed")
		if e.Kind == apperr.KindInvalid && len(e.Fields) > 0 {
			msg = fieldMsg(l, e.Fields[0])
		}
		if e.Err != nil {
			middleware.Log(c).Warn("add card failed", "error", e.Err.Error())
		}
		return c.JSON(httperr.StatusOf(c.Response().Header(), e), map[string]string{"message": msg})
	}
	out := map[string]string{"status": r.Status}
	if r.Status == payments.StatusRequiresAction {
		out["client_secret"] = r.ClientSecret
	} else {
		f := billingFlashes["added"]
		if err := h.setFlash(c, f[1], h.locale(c).T(f[0])); err != nil {
			return err
		}
		out["redirect"] = paths.BillingPage(slug, "")
	}
	return c.JSON(http.StatusOK, out)
}

// BillingAddCard is POST /{slug}/portal/billing/cards. With Stripe the
// island posts the confirmation token; in the sandbox the plain card form
// posts the card, and the sandbox makes the token first.
func (h *Handlers) BillingAddCard(c echo.Context) error {
	p := middleware.Principal(c)
	ws := Workspace(c)
	ctx := c.Request().Context()
	setDefault := formSetDefault(c)
	returnURL := paths.BillingPage(ws.Slug, "/return")
	if h.S.Sandbox == nil {
		r, err := h.S.PaymentMethods.Create(ctx, p, paymentmethod.CreateInput{
			ConfirmationTokenID: c.FormValue("confirmation_token_id"), SetDefault: &setDefault, ReturnURL: &returnURL})
		if wantsJSON(c) {
			return h.islandAnswer(c, ws.Slug, r, err)
		}
		if err != nil {
			return err
		}
		return h.billingDone(c, ws.Slug, "added")
	}
	// A failed submit gets a fresh form id: the corrected card is a new try.
	form := pmview.SandboxForm{Expiry: c.FormValue("expiry"), SetDefault: setDefault}
	token, err := h.S.Sandbox.CreateConfirmationToken(ctx, payments.CardInput{
		Number: c.FormValue("number"), Expiry: c.FormValue("expiry"), CVC: c.FormValue("cvc"), FormID: c.FormValue("form_id")})
	var r *paymentmethod.Result
	if err == nil {
		r, err = h.S.PaymentMethods.Create(ctx, p, paymentmethod.CreateInput{ConfirmationTokenID: token, SetDefault: &setDefault, ReturnURL: &returnURL})
	}
	if err != nil {
		return h.sandboxFormError(c, form, err)
	}
	if r.Status == payments.StatusRequiresAction {
		return htmx.Redirect(c, challengeURL(r.ClientSecret))
	}
	return h.billingDone(c, ws.Slug, "added")
}

// sandboxFormError re-renders the card form with the error inline: field
// errors at their fields (422), a decline or an unreachable provider above
// the form with the status web/errors.go gives them.
func (h *Handlers) sandboxFormError(c echo.Context, form pmview.SandboxForm, err error) error {
	e, ok := apperr.As(err)
	if !ok || e.Kind == apperr.KindInternal || e.Kind == apperr.KindUnauthenticated || e.Kind == apperr.KindForbidden {
		return err
	}
	if e.Kind == apperr.KindInvalid {
		form.Errors = map[string]string{}
		for _, f := range e.Fields {
			if name := f.Name(); name != "" {
				form.Errors[name] = fieldMsg(h.locale(c), f)
			}
		}
	} else {
		form.Error = detail(h.locale(c), e.Detail, "billing.card_failed")
	}
	if e.Err != nil {
		middleware.Log(c).Warn("add card failed", "error", e.Err.Error())
	}
	return h.renderBilling(c, httperr.StatusOf(c.Response().Header(), e), form)
}

// challengeURL is the sandbox 3-D Secure page of a SetupIntent, whose id is
// the client secret's part before "_secret_".
func challengeURL(clientSecret string) string {
	id, _, _ := strings.Cut(clientSecret, "_secret_")
	return "/sandbox/3ds/" + url.PathEscape(id) + "?client_secret=" + url.QueryEscape(clientSecret)
}

func formSetDefault(c echo.Context) bool {
	vals, _ := c.FormParams()
	v := vals["set_default"]
	if len(v) == 0 {
		return true // the contract's default
	}
	// A checked box posts "false" (the hidden input) then "true".
	return v[len(v)-1] == "true" || v[len(v)-1] == "on"
}

// BillingConfirm is POST /{slug}/portal/billing/confirm: the island's call
// after Stripe's next action (3-D Secure in a modal) finished.
func (h *Handlers) BillingConfirm(c echo.Context) error {
	p := middleware.Principal(c)
	ws := Workspace(c)
	setDefault := formSetDefault(c)
	r, err := h.S.PaymentMethods.Confirm(c.Request().Context(), p, paymentmethod.ConfirmInput{
		SetupIntentID: c.FormValue("setup_intent_id"), SetDefault: &setDefault})
	if wantsJSON(c) {
		return h.islandAnswer(c, ws.Slug, r, err)
	}
	if err != nil {
		return err
	}
	return h.billingDone(c, ws.Slug, "added")
}

// BillingReturn is GET /{slug}/portal/billing/return, where a 3-D Secure
// redirect comes back with ?setup_intent=...: the SetupIntent is confirmed
// server-side (never trusting the parameters) and the browser is sent to a
// clean billing URL with the outcome.
func (h *Handlers) BillingReturn(c echo.Context) error {
	p := middleware.Principal(c)
	ws := Workspace(c)
	si := c.QueryParam("setup_intent")
	if si == "" {
		return c.Redirect(http.StatusSeeOther, paths.BillingPage(ws.Slug, ""))
	}
	r, err := h.S.PaymentMethods.Confirm(c.Request().Context(), p, paymentmethod.ConfirmInput{SetupIntentID: si})
	switch {
	case err == nil && r.Status == payments.StatusSucceeded:
		return h.billingDone(c, ws.Slug, "added")
	case err == nil:
		return h.billingDone(c, ws.Slug, "canceled")
	}
	if e, ok := apperr.As(err); ok && e.Kind == apperr.KindBadRequest {
		middleware.Log(c).Info("card verification did not complete", "error", e.Error())
		return h.billingDone(c, ws.Slug, "verify")
	}
	return err
}

// BillingMakeDefault is POST /{slug}/portal/billing/cards/{id}/default.
func (h *Handlers) BillingMakeDefault(c echo.Context) error {
	p := middleware.Principal(c)
	ws := Workspace(c)
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return apperr.NotFound("")
	}
	if _, err := h.S.PaymentMethods.SetDefault(c.Request().Context(), p, id); err != nil {
		return err
	}
	return h.billingDone(c, ws.Slug, "default")
}

// BillingDeleteCard is POST /{slug}/portal/billing/cards/{id}/delete. Without
// confirm=yes it shows the confirmation step (browsers without JavaScript;
// billing.js asks with a dialog and sends confirm=yes).
func (h *Handlers) BillingDeleteCard(c echo.Context) error {
	p := middleware.Principal(c)
	ws := Workspace(c)
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return apperr.NotFound("")
	}
	ctx := c.Request().Context()
	if c.FormValue("confirm") != "yes" {
		pm, err := h.S.PaymentMethods.Get(ctx, p, id)
		if err != nil {
			return err
		}
		m := h.Meta(c, "title.delete_card", "billing")
		return Render(c, http.StatusOK, pmview.DeleteConfirm(m, pmview.DeleteProps{
			Card: cardRow(h.locale(c), ws.Slug, pm), CancelURL: paths.BillingPage(ws.Slug, ""), CSRFField: m.CSRFField, CSRFToken: m.CSRFToken}))
	}
	if err := h.S.PaymentMethods.Delete(ctx, p, id); err != nil {
		return err
	}
	return h.billingDone(c, ws.Slug, "deleted")
}

// SandboxChallenge is GET /sandbox/3ds/{id}: the card sandbox's 3-D Secure
// page (only routed with PORTAL_PAYMENTS=sandbox).
func (h *Handlers) SandboxChallenge(c echo.Context) error {
	ch, err := h.S.Sandbox.GetChallenge(c.Request().Context(), c.Param("id"), c.QueryParam("client_secret"))
	if err != nil {
		return err
	}
	l := h.locale(c)
	card := l.T("billing.extra.your_card")
	if ch.Last4 != "" {
		card = l.T("billing.card_label", map[string]any{"Brand": brandName(l, ch.Brand), "Last4": ch.Last4})
	}
	m := h.Meta(c, "title.three_ds", "")
	return Render(c, http.StatusOK, pmview.Challenge(m, pmview.ChallengeProps{
		SetupIntentID: ch.SetupIntentID, ClientSecret: ch.ClientSecret, Card: card, CSRFField: m.CSRFField, CSRFToken: m.CSRFToken,
		Action: "/sandbox/3ds/" + url.PathEscape(ch.SetupIntentID), Answered: ch.Status != payments.StatusRequiresAction}))
}

// SandboxChallengeAnswer is POST /sandbox/3ds/{id}: Approve or Decline, then
// back to the SetupIntent's return_url (already limited to our origin).
func (h *Handlers) SandboxChallengeAnswer(c echo.Context) error {
	target, err := h.S.Sandbox.CompleteChallenge(c.Request().Context(), c.Param("id"), c.FormValue("client_secret"),
		c.FormValue("decision") == "approve")
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, target)
}
