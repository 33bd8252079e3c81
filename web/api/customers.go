package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/customer"
	"portal/web/middleware"
)

// CustomerJSON is the contract's CustomerPortalCustomer.
type CustomerJSON struct {
	ID             uuid.UUID                        `json:"id"`
	CreatedAt      Time                             `json:"created_at"`
	ModifiedAt     *Time                            `json:"modified_at"`
	Email          string                           `json:"email"`
	EmailVerified  bool                             `json:"email_verified"`
	Name           *string                          `json:"name"`
	BillingName    *string                          `json:"billing_name"`
	BillingAddress *AddressJSON                     `json:"billing_address"`
	OAuthAccounts  map[string]customer.OAuthAccount `json:"oauth_accounts"`
	Type           *string                          `json:"type"`
}

// AddressJSON is the contract's Address, every key present.
type AddressJSON struct {
	Line1      *string `json:"line1"`
	Line2      *string `json:"line2"`
	PostalCode *string `json:"postal_code"`
	City       *string `json:"city"`
	State      *string `json:"state"`
	Country    string  `json:"country"`
}

// NewCustomer serializes a profile.
func NewCustomer(p customer.Profile) CustomerJSON {
	out := CustomerJSON{ID: p.ID, CreatedAt: Time(p.CreatedAt), ModifiedAt: TimePtr(p.ModifiedAt), Email: p.Email,
		EmailVerified: p.EmailVerified, Name: p.Name, BillingName: p.BillingName, OAuthAccounts: p.OAuthAccounts, Type: p.Type}
	if out.OAuthAccounts == nil {
		out.OAuthAccounts = map[string]customer.OAuthAccount{}
	}
	if a := p.BillingAddress; a != nil {
		out.BillingAddress = &AddressJSON{Line1: a.Line1, Line2: a.Line2, PostalCode: a.PostalCode, City: a.City, State: a.State, Country: a.Country}
	}
	return out
}

// customerUpdateBody is CustomerPortalCustomerUpdate as a merge-patch (D5).
type customerUpdateBody struct {
	BillingName    Optional[string]                `json:"billing_name"`
	BillingAddress Optional[customer.AddressInput] `json:"billing_address"`
}

// GetCustomer is GET /customers/me.
func (h *Handlers) GetCustomer(c echo.Context) error {
	p, err := h.S.Customers.Get(c.Request().Context(), middleware.Principal(c))
	if err != nil {
		return err
	}
	return writeCustomer(c, http.StatusOK, NewCustomer(p))
}

// UpdateCustomer is PATCH /customers/me (§3.2, D5).
func (h *Handlers) UpdateCustomer(c echo.Context) error {
	var b customerUpdateBody
	if err := DecodeJSON(c, &b); err != nil {
		return err
	}
	in := customer.UpdateInput{SetBillingName: b.BillingName.Set, SetBillingAddress: b.BillingAddress.Set}
	if b.BillingName.Set && !b.BillingName.Null {
		in.BillingName = &b.BillingName.Value
	}
	if b.BillingAddress.Set && !b.BillingAddress.Null {
		in.BillingAddress = &b.BillingAddress.Value
	}
	p, err := h.S.Customers.Update(c.Request().Context(), middleware.Principal(c), in)
	if err != nil {
		return err
	}
	return writeCustomer(c, http.StatusOK, NewCustomer(p))
}
