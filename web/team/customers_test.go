package team_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"portal/internal/apperr"
	"portal/internal/customer"
	"portal/internal/testkit"
)

func TestGetCustomer_CustomerAndMember(t *testing.T) {
	e := newEnv(t)
	e.s.Exec(`UPDATE customers SET oauth_accounts = '{"discord:42":{"access_token":"secret","account_id":"42","account_username":"neo","refresh_token":"r"}}' WHERE id = $1`, e.team)
	c := testkit.Decode[customerJSON](t, e.do("GET", "/customers/me", e.indTok, nil))
	if c.ID != e.ind.String() || c.Email != "ind@example.com" || *c.Type != "individual" || c.BillingAddress != nil {
		t.Fatalf("customer: %+v", c)
	}
	// billing_name falls back to name.
	if c.BillingName == nil || *c.BillingName != "Customer ind@example.com" {
		t.Fatalf("billing_name fallback: %v", c.BillingName)
	}
	// A member (any role) gets its team's customer, with only id and username of accounts.
	for _, tok := range []string{e.ownerTok, e.plainTok} {
		rec := e.do("GET", "/customers/me", tok, nil)
		m := testkit.Decode[customerJSON](t, rec)
		if m.ID != e.team.String() || *m.Type != "team" {
			t.Fatalf("member's customer: %+v", m)
		}
		if strings.Contains(rec.Text(), "secret") || strings.Contains(rec.Text(), "refresh") {
			t.Fatalf("tokens leaked: %s", rec.Text())
		}
		acc := m.OAuthAccounts["discord:42"].(map[string]any)
		if acc["account_id"] != "42" || acc["account_username"] != "neo" || len(acc) != 2 {
			t.Fatalf("oauth_accounts: %v", m.OAuthAccounts)
		}
	}
	wantErr(t, e.do("GET", "/customers/me", "", nil), http.StatusUnauthorized, "Unauthorized", "Unauthorized")
}

func TestUpdateCustomer_SetsAndValidates(t *testing.T) {
	e := newEnv(t)
	rec := e.do("PATCH", "/customers/me", e.indTok, map[string]any{
		"billing_name":    "  ACME Ltd  ",
		"billing_address": map[string]any{"line1": "1 Main St", "line2": "", "postal_code": "94105", "city": "SF", "state": "ca", "country": "us"},
	})
	want(t, rec, http.StatusOK)
	c := testkit.Decode[customerJSON](t, rec)
	if *c.BillingName != "ACME Ltd" || c.BillingAddress["state"] != "US-CA" || c.BillingAddress["country"] != "US" ||
		c.BillingAddress["line2"] != nil || c.ModifiedAt == nil {
		t.Fatalf("updated: %s", rec.Text())
	}
	// Stored without nulls.
	if raw := e.scalar(`SELECT billing_address::text FROM customers WHERE id = $1`, e.ind).(string); strings.Contains(raw, "line2") {
		t.Fatalf("stored nulls: %s", raw)
	}
	// A body without keys changes nothing.
	c2 := testkit.Decode[customerJSON](t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{}))
	if *c2.BillingName != "ACME Ltd" || c2.BillingAddress["state"] != "US-CA" {
		t.Fatalf("absent keys changed something: %+v", c2)
	}
}

func TestD5_NullClearsBillingName(t *testing.T) {
	e := newEnv(t)
	e.s.Exec(`UPDATE customers SET name = NULL, billing_name = 'Old', billing_address = '{"country":"FR"}' WHERE id = $1`, e.ind)
	c := testkit.Decode[customerJSON](t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_name": nil}))
	if c.BillingName != nil || c.BillingAddress["country"] != "FR" {
		t.Fatalf("null billing_name: %+v", c)
	}
	e.s.Exec(`UPDATE customers SET billing_name = 'Old' WHERE id = $1`, e.ind)
	for _, v := range []string{"", "   "} {
		e.s.Exec(`UPDATE customers SET billing_name = 'Old' WHERE id = $1`, e.ind)
		c = testkit.Decode[customerJSON](t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_name": v}))
		if c.BillingName != nil {
			t.Fatalf("billing_name %q did not clear: %v", v, *c.BillingName)
		}
	}
	c = testkit.Decode[customerJSON](t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_address": nil}))
	if c.BillingAddress != nil {
		t.Fatalf("null billing_address did not clear: %+v", c.BillingAddress)
	}
	// With a name, a cleared billing_name reads back as the name.
	e.s.Exec(`UPDATE customers SET name = 'Jane' WHERE id = $1`, e.ind)
	c = testkit.Decode[customerJSON](t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_name": nil}))
	if c.BillingName == nil || *c.BillingName != "Jane" {
		t.Fatalf("fallback after clear: %v", c.BillingName)
	}
}

func TestG21_EmbargoedCountryRejected(t *testing.T) {
	e := newEnv(t)
	for _, cc := range []string{"CU", "IR", "KP", "SY", "RU", "ru"} {
		wantField(t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_address": map[string]any{"country": cc}}),
			"ISO 3166-1", "body", "billing_address", "country")
	}
	if v := e.scalar(`SELECT billing_address IS NULL FROM customers WHERE id = $1`, e.ind); v != true {
		t.Fatal("embargoed address written")
	}
	// Accepted on output when stored by other means.
	e.s.Exec(`UPDATE customers SET billing_address = '{"country":"RU","city":"Moscow"}' WHERE id = $1`, e.ind)
	c := testkit.Decode[customerJSON](t, e.do("GET", "/customers/me", e.indTok, nil))
	if c.BillingAddress["country"] != "RU" {
		t.Fatalf("stored embargoed country not shown: %+v", c.BillingAddress)
	}
}

func TestUpdateCustomer_AddressRules(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		addr  map[string]any
		msg   string
		field string
	}{
		{map[string]any{"line1": "x"}, "Field required", "country"},
		{map[string]any{"country": ""}, "Field required", "country"},
		{map[string]any{"country": "XX"}, "ISO 3166-1", "country"},
		{map[string]any{"country": "USA"}, "ISO 3166-1", "country"},
		{map[string]any{"country": "US", "state": "ZZ"}, "Invalid US state", "state"},
		{map[string]any{"country": "US", "state": "California"}, "Invalid US state", "state"},
		{map[string]any{"country": "CA", "state": "XX"}, "Invalid CA province", "state"},
		{map[string]any{"country": "CA", "state": "US-ON"}, "Invalid CA province", "state"},
		{map[string]any{"country": "FR", "city": strings.Repeat("a", 257)}, "at most 256", "city"},
	}
	for _, tc := range cases {
		wantField(t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_address": tc.addr}),
			tc.msg, "body", "billing_address", tc.field)
	}
	wantField(t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_name": strings.Repeat("n", 257)}), "at most 256", "body", "billing_name")
	want(t, e.do("PATCH", "/customers/me", e.indTok, `{"billing_name": 5}`), http.StatusUnprocessableEntity)
	want(t, e.do("PATCH", "/customers/me", e.indTok, `{"billing_address": "FR"}`), http.StatusUnprocessableEntity)
	want(t, e.do("PATCH", "/customers/me", e.indTok, `{not json`), http.StatusUnprocessableEntity)
	// Nothing was written by any of them.
	if v := e.scalar(`SELECT modified_at IS NULL FROM customers WHERE id = $1`, e.ind); v != true {
		t.Fatal("invalid update touched the row")
	}
}

// Issue 16.10 on the API: a postal code that does not have the country's
// form is a 422 in the contract's shape at billing_address.postal_code; a
// good one is stored as the country writes it; a partial address (a
// country alone) stays valid here, as §3.2 makes every other part optional
// (the pages ask for more, docs/design.md "Billing addresses").
func TestUpdateCustomer_PostalCodes(t *testing.T) {
	e := newEnv(t)
	r := e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_address": map[string]any{"country": "de", "postal_code": "1011", "city": "Berlin"}})
	want(t, r, http.StatusUnprocessableEntity)
	var b struct {
		Detail []map[string]any `json:"detail"`
	}
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatal(err)
	}
	wantBody := `[{"input":"1011","loc":["body","billing_address","postal_code"],"msg":"Invalid postal code for DE, expected a code like 26133","type":"value_error"}]`
	if got, _ := json.Marshal(b.Detail); string(got) != wantBody {
		t.Fatalf("422 body %s, want %s", got, wantBody)
	}
	for _, tc := range []struct{ country, postal string }{{"US", "9410"}, {"GB", "12345"}, {"CA", "M5V"}, {"JP", "1500002"}, {"NL", "1234"}} {
		wantField(t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_address": map[string]any{"country": tc.country, "postal_code": tc.postal}}),
			"Invalid postal code for "+tc.country, "body", "billing_address", "postal_code")
	}
	if v := e.scalar(`SELECT modified_at IS NULL FROM customers WHERE id = $1`, e.ind); v != true {
		t.Fatal("a refused postal code touched the row")
	}
	c := testkit.Decode[customerJSON](t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_address": map[string]any{"country": "GB", "postal_code": " sw1a  2aa", "line1": "10 Downing St"}}))
	if c.BillingAddress["postal_code"] != "SW1A 2AA" {
		t.Fatalf("GB postcode stored as %v", c.BillingAddress["postal_code"])
	}
	c = testkit.Decode[customerJSON](t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_address": map[string]any{"country": "FR"}}))
	if c.BillingAddress["country"] != "FR" || c.BillingAddress["line1"] != nil || c.BillingAddress["postal_code"] != nil {
		t.Fatalf("country-only address on the API: %+v", c.BillingAddress)
	}
	c = testkit.Decode[customerJSON](t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_address": map[string]any{"country": "HK", "postal_code": "999077", "line1": "1 Nathan Rd"}}))
	if c.BillingAddress["postal_code"] != "999077" {
		t.Fatalf("HK (no postal-code pattern) changed the code: %+v", c.BillingAddress)
	}
}

func TestUpdateCustomer_USAndCANormalization(t *testing.T) {
	e := newEnv(t)
	//nolint:gocritic // " tx " is the input under test: spaces are trimmed
	for in, out := range map[string]string{"ny": "US-NY", "US-DC": "US-DC", "us-wy": "US-WY", " tx ": "US-TX"} {
		c := testkit.Decode[customerJSON](t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_address": map[string]any{"country": "US", "state": in}}))
		if c.BillingAddress["state"] != out {
			t.Fatalf("US %q → %v, want %s", in, c.BillingAddress["state"], out)
		}
	}
	c := testkit.Decode[customerJSON](t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_address": map[string]any{"country": "ca", "state": "qc"}}))
	if c.BillingAddress["state"] != "CA-QC" || c.BillingAddress["country"] != "CA" {
		t.Fatalf("CA: %+v", c.BillingAddress)
	}
	// Other countries keep their state as given.
	c = testkit.Decode[customerJSON](t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_address": map[string]any{"country": "DE", "state": "Bayern"}}))
	if c.BillingAddress["state"] != "Bayern" {
		t.Fatalf("DE state: %+v", c.BillingAddress)
	}
}

func TestUpdateCustomer_Roles(t *testing.T) {
	e := newEnv(t)
	wantErr(t, e.do("PATCH", "/customers/me", e.plainTok, map[string]any{"billing_name": "X"}), http.StatusForbidden,
		"NotPermitted", "Only owners and billing managers can access billing features.")
	// Guards win over body validation.
	wantErr(t, e.do("PATCH", "/customers/me", e.plainTok, `{"billing_address": {"country": "RU"}}`), http.StatusForbidden, "NotPermitted", "")
	wantErr(t, e.do("PATCH", "/customers/me", "", map[string]any{}), http.StatusUnauthorized, "Unauthorized", "")
	for _, tok := range []string{e.ownerTok, e.bmTok} {
		c := testkit.Decode[customerJSON](t, e.do("PATCH", "/customers/me", tok, map[string]any{"billing_name": "Team Inc"}))
		if c.ID != e.team.String() || *c.BillingName != "Team Inc" {
			t.Fatalf("member update: %+v", c)
		}
	}
	// The service refuses plain members itself too.
	_, err := e.svc.Customers.Update(context.Background(), nil, customer.UpdateInput{})
	if !apperr.IsKind(err, apperr.KindUnauthenticated) {
		t.Fatalf("nil principal: %v", err)
	}
}

// recordSync records provider syncs; fail makes them fail.
type recordSync struct {
	mu    sync.Mutex
	calls []struct {
		ID string
		In customer.SyncInput
	}
	fail error
}

func (r *recordSync) SyncCustomer(_ context.Context, id string, in customer.SyncInput) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, struct {
		ID string
		In customer.SyncInput
	}{id, in})
	return r.fail
}

func TestUpdateCustomer_BillingSync(t *testing.T) {
	e := newEnv(t)
	rec := &recordSync{}
	e.svc.Customers.SetBillingSync(rec)
	// No provider customer: no call.
	want(t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_name": "A"}), http.StatusOK)
	if len(rec.calls) != 0 {
		t.Fatalf("synced a customer without stripe id: %+v", rec.calls)
	}
	e.s.Exec(`UPDATE customers SET stripe_customer_id = 'cus_123', name = NULL WHERE id = $1`, e.ind)
	want(t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_name": "B", "billing_address": map[string]any{"country": "us", "state": "ca"}}), http.StatusOK)
	if len(rec.calls) != 1 {
		t.Fatalf("calls: %+v", rec.calls)
	}
	got := rec.calls[0]
	if got.ID != "cus_123" || got.In.Email != "ind@example.com" || got.In.Name == nil || *got.In.Name != "B" ||
		got.In.Address == nil || *got.In.Address.State != "US-CA" || got.In.Address.Country != "US" {
		t.Fatalf("sync input: %+v", got)
	}
	// The billing name goes to the provider only when the customer has no name (§3.2).
	e.s.Exec(`UPDATE customers SET name = 'Jane' WHERE id = $1`, e.ind)
	want(t, e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_name": "C"}), http.StatusOK)
	if last := rec.calls[len(rec.calls)-1]; last.In.Name != nil || last.In.Address != nil {
		t.Fatalf("second sync: %+v", last.In)
	}
	// A failing provider writes nothing and its error comes back as is.
	rec.fail = apperr.ProviderUnavailable(errors.New("down"))
	before := e.scalar(`SELECT billing_name || '|' || modified_at::text FROM customers WHERE id = $1`, e.ind)
	r := e.do("PATCH", "/customers/me", e.indTok, map[string]any{"billing_name": "D"})
	wantErr(t, r, http.StatusBadGateway, "PaymentProviderUnavailable", "")
	if after := e.scalar(`SELECT billing_name || '|' || modified_at::text FROM customers WHERE id = $1`, e.ind); after != before {
		t.Fatalf("failed sync wrote: %v → %v", before, after)
	}
}
