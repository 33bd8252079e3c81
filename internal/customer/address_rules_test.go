package customer_test

import (
	"slices"
	"strings"
	"testing"

	"portal/internal/apperr"
	"portal/internal/customer"
)

// Billing addresses per country (issue 16.10, docs/design.md "Billing
// addresses"): the postal code must match the country's pattern (both
// surfaces), and a complete address (the pages' rule) has the parts the
// country requires. Each case gives the form's parts and the errors
// expected, as "field:code", with the complete rule on; api lists the
// errors without it (the JSON API, §3.2).
func TestBillingAddressPerCountry(t *testing.T) {
	for _, tc := range []struct {
		name                                string
		line1, postal, city, state, country string
		want, api                           []string
		wantPostal                          string // stored postal code when accepted
	}{
		{name: "DE five digits", line1: "Unter den Linden 1", postal: "10117", city: "Berlin", country: "DE", wantPostal: "10117"},
		{name: "DE four digits", line1: "Unter den Linden 1", postal: "1011", city: "Berlin", country: "DE",
			want: []string{"postal_code:invalid_postal_code"}, api: []string{"postal_code:invalid_postal_code"}},
		{name: "DE without postal code", line1: "Unter den Linden 1", city: "Berlin", country: "DE", want: []string{"postal_code:required"}},
		{name: "US ZIP+4 and state", line1: "1 Main St", postal: "94105-1234", city: "San Francisco", state: "ca", country: "us", wantPostal: "94105-1234"},
		{name: "US five-digit ZIP", line1: "1 Main St", postal: "94105", city: "San Francisco", state: "CA", country: "US", wantPostal: "94105"},
		{name: "US short ZIP", line1: "1 Main St", postal: "9410", city: "San Francisco", state: "CA", country: "US",
			want: []string{"postal_code:invalid_postal_code"}, api: []string{"postal_code:invalid_postal_code"}},
		{name: "US without state", line1: "1 Main St", postal: "94105", city: "San Francisco", country: "US", want: []string{"state:required"}},
		{name: "GB postcode", line1: "10 Downing St", postal: "SW1A 2AA", city: "London", country: "GB", wantPostal: "SW1A 2AA"},
		{name: "GB postcode as typed", line1: "10 Downing St", postal: " sw1a   2aa ", city: "London", country: "GB", wantPostal: "SW1A 2AA"},
		{name: "GB ZIP-like code", line1: "10 Downing St", postal: "12345", city: "London", country: "GB",
			want: []string{"postal_code:invalid_postal_code"}, api: []string{"postal_code:invalid_postal_code"}},
		{name: "CA postal code and province", line1: "1 Rue Sherbrooke", postal: "h3z 2y7", city: "Montréal", state: "QC", country: "CA", wantPostal: "H3Z 2Y7"},
		{name: "CA partial postal code", line1: "5 Road", postal: "M5V", city: "Toronto", state: "ON", country: "CA",
			want: []string{"postal_code:invalid_postal_code"}, api: []string{"postal_code:invalid_postal_code"}},
		{name: "CA without province", line1: "5 Road", postal: "M5V 3L9", city: "Toronto", country: "CA", want: []string{"state:required"}},
		{name: "JP 123-4567 with prefecture", line1: "1-2-3 Shibuya", postal: "150-0002", state: "Tokyo", country: "JP", wantPostal: "150-0002"},
		{name: "JP without the dash", line1: "1-2-3 Shibuya", postal: "1500002", state: "Tokyo", country: "JP",
			want: []string{"postal_code:invalid_postal_code"}, api: []string{"postal_code:invalid_postal_code"}},
		{name: "IE without Eircode", line1: "1 Grafton St", city: "Dublin", country: "IE"},
		{name: "IE with Eircode", line1: "1 Grafton St", postal: "d02 x285", city: "Dublin", country: "IE", wantPostal: "D02 X285"},
		{name: "HK has no postal code", line1: "1 Nathan Rd", state: "Kowloon", country: "HK"},
		{name: "HK without area", line1: "1 Nathan Rd", city: "Tsim Sha Tsui", country: "HK", want: []string{"state:required"}},
		{name: "AE has no postal code", line1: "1 Sheikh Zayed Rd", state: "Dubai", country: "AE"},
		{name: "country only", country: "FR", want: []string{"line1:required", "postal_code:required", "city:required"}},
		{name: "country only, US", country: "US", want: []string{"line1:required", "postal_code:required", "city:required", "state:required"}},
		{name: "unknown country", line1: "1 Main", postal: "12345", city: "X", country: "ZZ",
			want: []string{"country:unsupported_region"}, api: []string{"country:unsupported_region"}},
		{name: "no country", line1: "1 Main", city: "X",
			want: []string{"country:required"}, api: []string{"country:required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := customer.FormAddress(tc.line1, "", tc.postal, tc.city, tc.state, tc.country)
			if in == nil {
				t.Fatal("no address")
			}
			out, errs := customer.NormalizeAddress(*in, "body", "billing_address")
			if got := codes(errs); strings.Join(got, " ") != strings.Join(tc.api, " ") {
				t.Errorf("API rule: %v, want %v", got, tc.api)
			}
			all := slices.Concat(errs, customer.CompleteAddress(*in, errs, "body", "billing_address"))
			if got := codes(all); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("pages' rule: %v, want %v", got, tc.want)
			}
			for _, fe := range all {
				if fe.Msg == "" || fe.Type == "" || len(fe.Loc) != 3 || fe.Loc[1] != "billing_address" {
					t.Errorf("error shape %+v", fe)
				}
			}
			if len(errs) == 0 && tc.wantPostal != "" && (out.PostalCode == nil || *out.PostalCode != tc.wantPostal) {
				t.Errorf("stored postal code %v, want %q", out.PostalCode, tc.wantPostal)
			}
		})
	}
}

func codes(errs []apperr.FieldError) []string {
	var out []string
	for _, fe := range errs {
		out = append(out, fe.Name()+":"+string(fe.Code))
	}
	return out
}

// The rules' two sources agree: every country whose libaddressinput format
// has a postal code and whose example the validator's pattern accepts is
// checked; the few where they disagree (or the validator has no pattern)
// are listed, and the big ones are never among them.
func TestAddressRulesSources(t *testing.T) {
	var unchecked []string
	for _, c := range customer.Countries() {
		r := customer.RuleFor(c.Code)
		if r.RequiresPostalCode && !r.HasPostalCode {
			t.Errorf("%s requires a postal code it does not have", c.Code)
		}
		if r.HasPostalCode && !r.PostalPattern {
			unchecked = append(unchecked, c.Code)
		}
	}
	t.Logf("countries whose postal codes are not pattern-checked (no validator pattern, or it refuses the example): %v", unchecked)
	for _, cc := range []string{"US", "CA", "GB", "DE", "FR", "JP", "NL", "IE", "AU", "BR", "IN", "MX", "ES", "IT", "SE", "CH", "AT", "PL", "PT"} {
		if r := customer.RuleFor(cc); !r.PostalPattern || r.PostalExample == "" {
			t.Errorf("%s: postal code not checked (%+v)", cc, r)
		}
	}
	for _, cc := range []string{"US", "CA", "AU", "BR", "IN", "MX"} {
		if !customer.RuleFor(cc).RequiresState || !customer.StateApplies(cc) {
			t.Errorf("%s: state not required", cc)
		}
	}
	if r := customer.RuleFor("HK"); r.HasPostalCode || r.RequiresCity {
		t.Errorf("HK: %+v", r)
	}
}
