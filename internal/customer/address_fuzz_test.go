package customer

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"portal/internal/apperr"
	"portal/internal/validate"
)

var addressFields = []string{"line1", "line2", "postal_code", "city", "state", "country"}

// FuzzNormalizeAddress feeds any billing address through the §3.2 rules.
// Accepted: country in the allowed ISO list (never an embargoed one), a US
// or CA state in the US-XX / CA-XX form of a real state or province, every
// part trimmed, non-empty, at most 256 characters, storable (valid UTF-8,
// no NUL: jsonb refuses U+0000), and normalizing it again changes nothing.
// Rejected: no address and only errors located at body.billing_address.<a
// field of the address>, each with a type and a message.
func FuzzNormalizeAddress(f *testing.F) {
	f.Add("1 Main St", "", "94105", "SF", "ca", "us", uint8(0))
	f.Add("Rue de Rivoli", "Apt 2", "75001", "Paris", "Île-de-France", "FR", uint8(0))
	f.Add("", "", "", "", "US-US-CA", "US", uint8(0))
	f.Add("a\x00b", "", "", "", "", "DE", uint8(0))
	f.Add("<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "=cmd|' /C calc'!A0", "'; DROP TABLE customers;--", "QC", "ca", uint8(0))
	f.Add("", "", "", "", "", "RU", uint8(0))
	f.Add("", "", "", "", "", "", uint8(63))
	f.Add("", "", "", "", "", " u\u0455 ", uint8(0))
	f.Fuzz(func(t *testing.T, line1, line2, postal, city, state, country string, absent uint8) {
		vals := []string{line1, line2, postal, city, state, country}
		ptrs := make([]*string, len(vals))
		for i := range vals {
			if absent&(1<<i) == 0 {
				ptrs[i] = &vals[i]
			}
		}
		in := AddressInput{Line1: ptrs[0], Line2: ptrs[1], PostalCode: ptrs[2], City: ptrs[3], State: ptrs[4], Country: ptrs[5]}
		out, errs := NormalizeAddress(in, "body", "billing_address")
		if len(errs) > 0 {
			if out != nil {
				t.Fatalf("%+v: errors %v and an address %+v", in, errs, out)
			}
			checkAddressErrors(t, errs)
			return
		}
		if out == nil {
			t.Fatal("no errors and no address")
		}
		if !allowedSet[out.Country] || embargoed[out.Country] {
			t.Fatalf("country %q accepted", out.Country)
		}
		for i, p := range []*string{out.Line1, out.Line2, out.PostalCode, out.City, out.State} {
			if p == nil {
				continue
			}
			s := *p
			if ptrs[i] == nil || s == "" || s != strings.TrimSpace(s) || utf8.RuneCountInString(s) > validate.MaxName || !validate.StorableText(s) {
				t.Fatalf("%s: %q accepted from %v", addressFields[i], s, ptrs[i])
			}
		}
		if out.State != nil && (out.Country == "US" || out.Country == "CA") {
			m := regexp.MustCompile(`^(US|CA)-([A-Z]{2})$`).FindStringSubmatch(*out.State)
			if len(m) != 3 || m[1] != out.Country {
				t.Fatalf("state %q for %s", *out.State, out.Country)
			}
			if (out.Country == "US" && !usStateCodes[m[2]]) || (out.Country == "CA" && !caProvinceCodes[m[2]]) {
				t.Fatalf("state %q is not real", *out.State)
			}
		}
		again, errs := NormalizeAddress(AddressInput{Line1: out.Line1, Line2: out.Line2, PostalCode: out.PostalCode,
			City: out.City, State: out.State, Country: &out.Country}, "body", "billing_address")
		if len(errs) > 0 || !reflect.DeepEqual(again, out) {
			t.Fatalf("not idempotent: %+v → %+v, %v", out, again, errs)
		}
	})
}

func checkAddressErrors(t *testing.T, errs []apperr.FieldError) {
	t.Helper()
	for _, fe := range errs {
		if len(fe.Loc) != 3 || fe.Loc[0] != "body" || fe.Loc[1] != "billing_address" {
			t.Fatalf("error located at %v", fe.Loc)
		}
		if f, _ := fe.Loc[2].(string); !slices.Contains(addressFields, f) {
			t.Fatalf("error located at %v", fe.Loc)
		}
		if fe.Type == "" || fe.Msg == "" {
			t.Fatalf("error without type or message: %+v", fe)
		}
	}
	if e := apperr.Invalid(errs...); e.Kind != apperr.KindInvalid {
		t.Fatalf("kind %v", e.Kind)
	}
}
