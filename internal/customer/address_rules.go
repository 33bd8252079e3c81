package customer

import (
	_ "embed"
	"strings"

	"github.com/go-playground/validator/v10"

	"portal/internal/apperr"
)

// Per-country billing address rules (docs/design.md "Billing addresses"):
// which parts a country's addresses have and which of them a complete
// billing address needs come from Google's libaddressinput
// (address_rules.txt); postal-code patterns come from go-playground/
// validator's postcode_iso3166_alpha2 (its table is maintained upstream, so
// it is used through its API, never copied).

//go:embed address_rules.txt
var addressRulesText string

// AddressRule is what addresses in one country have and need.
type AddressRule struct {
	HasCity, HasState, HasPostalCode                bool
	RequiresCity, RequiresState, RequiresPostalCode bool
	// PostalExample is one real postal code of the country, for messages
	// ("" when the country has none).
	PostalExample string
	// PostalPattern: the country's postal codes are checked against the
	// validator's pattern. Off when the validator has no pattern for the
	// country, or its pattern refuses libaddressinput's own example (the
	// two sources disagree: the code is then only required, not checked).
	PostalPattern bool
}

var (
	postcodes     = validator.New()
	defaultRule   = AddressRule{HasCity: true, RequiresCity: true}
	addressRules  = parseAddressRules(addressRulesText)
	postalTagBase = "postcode_iso3166_alpha2="
)

func parseAddressRules(text string) map[string]AddressRule {
	out := map[string]AddressRule{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) != 4 || strings.HasPrefix(line, "#") {
			continue
		}
		r := AddressRule{HasCity: strings.Contains(f[1], "C"), HasState: strings.Contains(f[1], "S"), HasPostalCode: strings.Contains(f[1], "Z"),
			RequiresCity: strings.Contains(f[2], "C"), RequiresState: strings.Contains(f[2], "S"), RequiresPostalCode: strings.Contains(f[2], "Z")}
		if f[3] != "-" {
			r.PostalExample = strings.ReplaceAll(f[3], "_", " ")
		}
		r.PostalPattern = r.HasPostalCode && r.PostalExample != "" && postcodes.Var(r.PostalExample, postalTagBase+f[0]) == nil
		out[f[0]] = r
	}
	return out
}

// RuleFor is the rule of a country code (any case); an unknown code gets
// libaddressinput's default (street address and city, no postal code).
func RuleFor(country string) AddressRule {
	if r, ok := addressRules[strings.ToUpper(strings.TrimSpace(country))]; ok {
		return r
	}
	return defaultRule
}

// normalPostalCode is a postal code as the country writes it when it
// matches the country's pattern: upper case, runs of spaces as one
// ("sw1a  1aa" → "SW1A 1AA"); ok is false when it does not match.
// Countries without a checked pattern keep the code as typed.
func normalPostalCode(country, code string) (string, bool) {
	r := RuleFor(country)
	if !r.PostalPattern {
		return code, true
	}
	norm := strings.Join(strings.Fields(strings.ToUpper(code)), " ")
	if postcodes.Var(norm, postalTagBase+strings.ToUpper(country)) != nil {
		return code, false
	}
	return norm, true
}

// Messages of the per-country rules (the JSON API's words; pages translate
// by code).
const (
	MsgFieldRequired = "Field required"
)

// MsgInvalidPostalCode is the API's message for a postal code that does
// not match the country's pattern.
func MsgInvalidPostalCode(country string) string {
	r := RuleFor(country)
	if r.PostalExample == "" {
		return "Invalid postal code for " + country
	}
	return "Invalid postal code for " + country + ", expected a code like " + r.PostalExample
}

// CompleteAddress is the pages' rule for a billing address (docs/design.md
// "Billing addresses"): a country alone is not an address. It needs the
// street address (line1) always, and the city, state and postal code where
// the country's rule requires them. Errors are CodeRequired located under
// loc; fields already refused for another reason are not reported twice.
// The JSON API does not apply it: §3.2 keeps every part but the country
// optional there.
func CompleteAddress(in AddressInput, refused []apperr.FieldError, loc ...any) []apperr.FieldError {
	at := func(f string) []any { return append(append([]any{}, loc...), f) }
	empty := func(p *string) bool { return p == nil || strings.TrimSpace(*p) == "" }
	already := map[string]bool{}
	for _, fe := range refused {
		already[fe.Name()] = true
	}
	country := ""
	if in.Country != nil {
		country = strings.ToUpper(strings.TrimSpace(*in.Country))
	}
	r := defaultRule
	if allowedSet[country] {
		r = RuleFor(country)
	} else {
		// No country to judge by: only the street address is certain.
		r = AddressRule{}
	}
	var errs []apperr.FieldError
	for _, part := range []struct {
		key  string
		v    *string
		need bool
	}{{"line1", in.Line1, true}, {"postal_code", in.PostalCode, r.RequiresPostalCode}, {"city", in.City, r.RequiresCity}, {"state", in.State, r.RequiresState}} {
		if part.need && !already[part.key] && empty(part.v) {
			var input any
			if part.v != nil {
				input = *part.v
			}
			errs = append(errs, apperr.Required(input, at(part.key)...).WithMsg(MsgFieldRequired))
		}
	}
	return errs
}

// StateCountries are the allowed countries whose addresses have a state,
// province or region, in code order.
func StateCountries() []string {
	var out []string
	for _, c := range allowedCodes {
		if RuleFor(c).HasState {
			out = append(out, c)
		}
	}
	return out
}
