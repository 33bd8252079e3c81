package customer_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/customer"
	"portal/internal/testkit"
)

// The billing rules of customer.Update (docs/design.md §3.2 with D5), called
// directly: the merge-patch, the billing name, the address normaliser both
// surfaces share, and the provider sync inside the transaction. The web
// layer's tests go through the router; these state each rule where it is
// written.

type billing struct {
	pool *pgxpool.Pool
	svc  *customer.Service
	ws   uuid.UUID
	cust uuid.UUID
	as   *auth.Principal
}

func newBilling(t *testing.T) *billing {
	t.Helper()
	pool := testkit.DB(t)
	ws := testkit.Workspace(t, pool, "acme")
	cust := testkit.Customer(t, pool, ws, "ind@example.com", "individual")
	return &billing{pool: pool, svc: customer.New(pool), ws: ws, cust: cust, as: testkit.CustomerPrincipal(ws, cust)}
}

// stored is the customer's billing columns as text.
func (b *billing) stored(t *testing.T) string {
	t.Helper()
	var s string
	if err := b.pool.QueryRow(context.Background(),
		`SELECT coalesce(billing_name, '<null>') || ' | ' || coalesce(billing_address::text, '<null>') FROM customers WHERE id = $1`, b.cust).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func str(s string) *string { return &s }

func addr(line1, city, state, country string) *customer.AddressInput {
	return &customer.AddressInput{Line1: &line1, City: &city, State: &state, Country: &country}
}

func wantField(t *testing.T, err error, code apperr.Code, path string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.KindInvalid {
		t.Fatalf("got %v, want a 422", err)
	}
	for _, f := range e.Fields {
		if f.Code == code && f.Path() == path {
			return
		}
	}
	t.Fatalf("no %s at %s in %+v", code, path, e.Fields)
}

// A merge-patch (D5): an absent key keeps the value, null clears it; the
// billing name is trimmed and an empty one stored as none; the address is
// normalised (upper-case country, US-XX state, empty parts dropped).
func TestUpdate_MergePatch(t *testing.T) {
	b := newBilling(t)
	ctx := context.Background()
	p, err := b.svc.Update(ctx, b.as, customer.UpdateInput{SetBillingName: true, BillingName: str("  ACME Ltd "),
		SetBillingAddress: true, BillingAddress: addr("1 Main St", "Albany", "ny", "us")})
	if err != nil {
		t.Fatal(err)
	}
	a := p.BillingAddress
	if p.StoredBillingName == nil || *p.StoredBillingName != "ACME Ltd" || a == nil || a.Country != "US" || a.State == nil || *a.State != "US-NY" || a.Line2 != nil {
		t.Fatalf("profile %+v address %+v", p, a)
	}
	before := b.stored(t)
	if _, err := b.svc.Update(ctx, b.as, customer.UpdateInput{}); err != nil {
		t.Fatal(err)
	}
	if got := b.stored(t); got != before {
		t.Fatalf("an empty patch changed %q to %q", before, got)
	}
	if _, err := b.svc.Update(ctx, b.as, customer.UpdateInput{SetBillingName: true, BillingName: str("   ")}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.svc.Update(ctx, b.as, customer.UpdateInput{SetBillingAddress: true}); err != nil {
		t.Fatal(err)
	}
	if got := b.stored(t); got != "<null> | <null>" {
		t.Fatalf("after clearing: %q", got)
	}
}

// Every refused field is reported at its path and nothing is written.
func TestUpdate_RefusedFieldsWriteNothing(t *testing.T) {
	b := newBilling(t)
	ctx := context.Background()
	before := b.stored(t)
	for _, tc := range []struct {
		name string
		in   customer.UpdateInput
		code apperr.Code
		path string
	}{
		{"long name", customer.UpdateInput{SetBillingName: true, BillingName: str(strings.Repeat("x", 257))}, apperr.CodeTooLong, "billing_name"},
		{"NUL in name", customer.UpdateInput{SetBillingName: true, BillingName: str("a\x00b")}, apperr.CodeInvalidText, "billing_name"},
		{"no country", customer.UpdateInput{SetBillingAddress: true, BillingAddress: &customer.AddressInput{Line1: str("1 Main")}}, apperr.CodeRequired, "billing_address.country"},
		{"unknown country", customer.UpdateInput{SetBillingAddress: true, BillingAddress: addr("1", "X", "", "ZZ")}, apperr.CodeUnsupportedRegion, "billing_address.country"},
		{"embargoed country", customer.UpdateInput{SetBillingAddress: true, BillingAddress: addr("1", "X", "", "KP")}, apperr.CodeUnsupportedRegion, "billing_address.country"},
		{"US state", customer.UpdateInput{SetBillingAddress: true, BillingAddress: addr("1", "X", "ZZ", "US")}, apperr.CodeInvalidUSState, "billing_address.state"},
		{"CA province", customer.UpdateInput{SetBillingAddress: true, BillingAddress: addr("1", "X", "NY", "CA")}, apperr.CodeInvalidCAProvince, "billing_address.state"},
		{"long city", customer.UpdateInput{SetBillingAddress: true, BillingAddress: addr("1", strings.Repeat("c", 257), "", "FR")}, apperr.CodeTooLong, "billing_address.city"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.svc.Update(ctx, b.as, tc.in)
			wantField(t, err, tc.code, tc.path)
		})
	}
	if got := b.stored(t); got != before {
		t.Fatalf("refused updates changed %q to %q", before, got)
	}
}

// recordingSync is a payments provider that records what it is sent and
// fails when told to.
type recordingSync struct {
	got  []customer.SyncInput
	fail error
}

func (r *recordingSync) SyncCustomer(_ context.Context, _ string, in customer.SyncInput) error {
	r.got = append(r.got, in)
	return r.fail
}

// A customer known to the payments provider is synced inside the update's
// transaction: the billing name only when the customer has no name of its
// own; when the provider fails, nothing is written and its error is
// returned as is.
func TestUpdate_ProviderSyncInsideTheTransaction(t *testing.T) {
	b := newBilling(t)
	ctx := context.Background()
	if _, err := b.pool.Exec(ctx, `UPDATE customers SET stripe_customer_id = 'cus_1', name = NULL WHERE id = $1`, b.cust); err != nil {
		t.Fatal(err)
	}
	rec := &recordingSync{}
	b.svc.SetBillingSync(rec)
	if _, err := b.svc.Update(ctx, b.as, customer.UpdateInput{SetBillingName: true, BillingName: str("ACME"),
		SetBillingAddress: true, BillingAddress: addr("1 Main", "Paris", "", "fr")}); err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != 1 || rec.got[0].Email != "ind@example.com" || rec.got[0].Name == nil || *rec.got[0].Name != "ACME" ||
		rec.got[0].Address == nil || rec.got[0].Address.Country != "FR" {
		t.Fatalf("synced %+v", rec.got)
	}
	before := b.stored(t)
	rec.fail = errors.New("provider down")
	_, err := b.svc.Update(ctx, b.as, customer.UpdateInput{SetBillingName: true, BillingName: str("Other")})
	if !errors.Is(err, rec.fail) {
		t.Fatalf("provider failure: %v", err)
	}
	if got := b.stored(t); got != before {
		t.Fatalf("a failed sync wrote %q (was %q)", got, before)
	}
}
