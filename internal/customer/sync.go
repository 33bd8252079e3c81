package customer

import (
	"context"

	"portal/internal/payments"
)

// ProviderSync is the BillingSync backed by the configured payments
// provider (Stripe or the card sandbox): Customer.modify as §3.2.
type ProviderSync struct{ Provider payments.Provider }

func (s ProviderSync) SyncCustomer(ctx context.Context, id string, in SyncInput) error {
	email := in.Email
	u := payments.CustomerUpdate{Email: &email, Name: in.Name}
	if a := in.Address; a != nil {
		u.Address = &payments.Address{Line1: str(a.Line1), Line2: str(a.Line2), PostalCode: str(a.PostalCode),
			City: str(a.City), State: str(a.State), Country: a.Country}
	}
	return s.Provider.UpdateCustomer(ctx, id, u)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
