package customer_test

import (
	"testing"

	"portal/internal/customer"
)

// The settings page's whole-form rules, held by the service package: an
// empty form clears the address, a state typed for a country without states
// is dropped, and stored US/CA states show as their short code.
func TestFormAddress(t *testing.T) {
	if a := customer.FormAddress("", " ", "", "", "", ""); a != nil {
		t.Fatalf("empty form: %+v, want nil (clear)", a)
	}
	if a := customer.FormAddress("", "", "", "", "NY", ""); a != nil {
		t.Fatalf("only a state, no country: %+v, want nil", a)
	}
	a := customer.FormAddress("1 Rue", "", "75001", "Paris", "NY", "FR")
	if a == nil || *a.State != "" || *a.Country != "FR" || *a.Line1 != "1 Rue" {
		t.Fatalf("France: %+v", a)
	}
	a = customer.FormAddress("", "", "", "", "ny", "us")
	if a == nil || *a.State != "ny" || *a.Country != "us" {
		t.Fatalf("US: %+v", a)
	}
	for _, tc := range []struct {
		state, country, want string
	}{
		{"US-NY", "US", "NY"}, {"CA-QC", "CA", "QC"}, {"Bavaria", "DE", "Bavaria"}, {"", "US", ""},
	} {
		st := tc.state
		addr := customer.Address{State: &st, Country: tc.country}
		if tc.state == "" {
			addr.State = nil
		}
		if got := addr.ShortState(); got != tc.want {
			t.Errorf("ShortState(%q, %s) = %q, want %q", tc.state, tc.country, got, tc.want)
		}
	}
	if !customer.StateApplies(" us ") || !customer.StateApplies("CA") || customer.StateApplies("FR") {
		t.Error("StateApplies")
	}
}
