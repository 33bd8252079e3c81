package customer

import (
	"sort"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"portal/internal/apperr"
	"portal/internal/validate"
)

// Address is a stored billing address (the contract's Address). Missing
// parts are nil; Country is always set.
type Address struct {
	Line1      *string `json:"line1,omitempty"`
	Line2      *string `json:"line2,omitempty"`
	PostalCode *string `json:"postal_code,omitempty"`
	City       *string `json:"city,omitempty"`
	State      *string `json:"state,omitempty"`
	Country    string  `json:"country"`
}

// StateApplies reports whether an address in country has a state,
// province or region: the country's libaddressinput format has one
// (address_rules.go). US and Canadian states are stored as US-XX, CA-XX.
func StateApplies(country string) bool {
	return RuleFor(country).HasState
}

// ShortState is the state as people type it: "NY" for a stored "US-NY".
func (a Address) ShortState() string {
	if a.State == nil {
		return ""
	}
	if StateApplies(a.Country) {
		return strings.TrimPrefix(*a.State, a.Country+"-")
	}
	return *a.State
}

// FormAddress is the address a whole-form submission (the settings page)
// means: nil, which clears the address, when every part is empty; a state
// typed for a country without states is not part of it.
func FormAddress(line1, line2, postalCode, city, state, country string) *AddressInput {
	if !StateApplies(country) {
		state = ""
	}
	if strings.TrimSpace(line1+line2+postalCode+city+state+country) == "" {
		return nil
	}
	return &AddressInput{Line1: &line1, Line2: &line2, PostalCode: &postalCode, City: &city, State: &state, Country: &country}
}

// AddressInput is the contract's AddressInput as received: every part
// optional at decode time, country required by validation.
type AddressInput struct {
	Line1      *string `json:"line1"`
	Line2      *string `json:"line2"`
	PostalCode *string `json:"postal_code"`
	City       *string `json:"city"`
	State      *string `json:"state"`
	Country    *string `json:"country"`
}

// Country is one entry of the billing country list.
type Country struct {
	Code string
	Name string
}

// embargoed countries are refused on input but still shown when stored
// (G21).
var embargoed = map[string]bool{"CU": true, "IR": true, "KP": true, "SY": true, "RU": true}

// allowedCodes is the contract's CountryAlpha2Input enum (ISO 3166-1
// alpha-2 without the embargoed five).
var allowedCodes = strings.Fields(`AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IS IT JE JM JO JP
KE KG KH KI KM KN KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT
MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`)

var allowedSet = func() map[string]bool {
	m := make(map[string]bool, len(allowedCodes))
	for _, c := range allowedCodes {
		m[c] = true
	}
	return m
}()

// usStateCodes: the 50 states and DC; caProvinceCodes: the ten provinces (§3.2).
var usStateCodes = setOf("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC")
var caProvinceCodes = setOf("AB BC MB NB NL NS ON PE QC SK")

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(s) {
		m[f] = true
	}
	return m
}

// Countries is the list a billing address may use, with English names,
// sorted by name, for the settings page's select.
func Countries() []Country { return countryList }

var countryList = func() []Country {
	out := make([]Country, 0, len(allowedCodes))
	for _, c := range allowedCodes {
		name := c
		if r, err := language.ParseRegion(c); err == nil {
			if n := display.English.Regions().Name(r); n != "" {
				name = n
			}
		}
		out = append(out, Country{Code: c, Name: name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}()

// CountryName is the English name of a code ("" when unknown).
func CountryName(code string) string {
	for _, c := range countryList {
		if c.Code == code {
			return c.Name
		}
	}
	if r, err := language.ParseRegion(code); err == nil {
		return display.English.Regions().Name(r)
	}
	return ""
}

// Messages of the address rules, shared with the page.
const (
	MsgInvalidUSState    = "Invalid US state"
	MsgInvalidCAProvince = "Invalid CA province"
	MsgCountryRequired   = "Field required"
	MsgCountryInvalid    = "Input should be a valid ISO 3166-1 alpha-2 country code"
	MsgTooLong           = "String should have at most 256 characters"
)

// NormalizeAddress validates a billing address as §3.2: country required,
// upper-cased, one of the allowed codes (embargoed ones refused); empty
// parts become null; over-long parts are 422; a US or CA state takes the
// "US-XX" form and must exist; a postal code must match the country's
// pattern where one is known and is stored as the country writes it
// (docs/design.md "Billing addresses"). Errors are located under loc.
func NormalizeAddress(in AddressInput, loc ...any) (*Address, []apperr.FieldError) {
	at := func(f string) []any { return append(append([]any{}, loc...), f) }
	var errs []apperr.FieldError
	out := &Address{}
	for _, part := range []struct {
		key string
		v   *string
		dst **string
	}{{"line1", in.Line1, &out.Line1}, {"line2", in.Line2, &out.Line2}, {"postal_code", in.PostalCode, &out.PostalCode},
		{"city", in.City, &out.City}, {"state", in.State, &out.State}} {
		if part.v == nil {
			continue
		}
		s := strings.TrimSpace(*part.v)
		if !validate.StorableText(s) {
			// jsonb cannot hold U+0000: refused here with its location
			// rather than by PostgreSQL as a 500 (FuzzNormalizeAddress).
			errs = append(errs, apperr.BadText(validate.MsgBadText, *part.v, at(part.key)...))
			continue
		}
		if validate.TooLong(s, validate.MaxName) {
			errs = append(errs, apperr.Typed(apperr.CodeTooLong, "string_too_long", MsgTooLong, *part.v, at(part.key)...))
			continue
		}
		if s != "" {
			*part.dst = &s
		}
	}
	country := ""
	if in.Country != nil {
		country = strings.ToUpper(strings.TrimSpace(*in.Country))
	}
	switch {
	case in.Country == nil || country == "":
		// As pydantic, a missing key reports the object it is missing from
		// (the contract does not allow a null input).
		var input any = in.asMap()
		if in.Country != nil {
			input = *in.Country
		}
		errs = append(errs, apperr.Required(input, at("country")...).WithMsg(MsgCountryRequired))
		return nil, errs
	case !allowedSet[country]:
		errs = append(errs, apperr.Choice(MsgCountryInvalid, *in.Country, at("country")...).WithCode(apperr.CodeUnsupportedRegion))
		return nil, errs
	}
	out.Country = country
	if out.PostalCode != nil {
		if code, ok := normalPostalCode(country, *out.PostalCode); ok {
			out.PostalCode = &code
		} else {
			errs = append(errs, apperr.Field(MsgInvalidPostalCode(country), *in.PostalCode, at("postal_code")...).WithCode(apperr.CodeInvalidPostalCode))
		}
	}
	if out.State != nil && (country == "US" || country == "CA") {
		code := strings.ToUpper(*out.State)
		code = strings.TrimPrefix(code, country+"-")
		switch {
		case country == "US" && !usStateCodes[code]:
			errs = append(errs, apperr.Field(MsgInvalidUSState, *in.State, at("state")...).WithCode(apperr.CodeInvalidUSState))
		case country == "CA" && !caProvinceCodes[code]:
			errs = append(errs, apperr.Field(MsgInvalidCAProvince, *in.State, at("state")...).WithCode(apperr.CodeInvalidCAProvince))
		default:
			s := country + "-" + code
			out.State = &s
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// IsAllowed reports whether code (upper case) may be a billing country.
func IsAllowed(code string) bool { return allowedSet[code] }

// IsEmbargoed reports whether a stored country would be refused on input.
func IsEmbargoed(code string) bool { return embargoed[code] }

func (in AddressInput) asMap() map[string]any {
	m := map[string]any{}
	for k, v := range map[string]*string{"line1": in.Line1, "line2": in.Line2, "postal_code": in.PostalCode,
		"city": in.City, "state": in.State, "country": in.Country} {
		if v != nil {
			m[k] = *v
		}
	}
	return m
}
