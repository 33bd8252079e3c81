package validate

import (
	"strings"

	"portal/internal/apperr"
)

// OptionalName reads an optional name-like text field of a JSON body (the
// workspace API's name, billing_name, external_id): absent stays nil, blank
// after trimming becomes nil, and one longer than MaxName characters adds a
// too-long field error at body.<field> to errs (docs/design.md "Interface").
func OptionalName(v *string, field string, errs []apperr.FieldError) (*string, []apperr.FieldError) {
	if v == nil {
		return nil, errs
	}
	s := strings.TrimSpace(*v)
	if TooLong(s, MaxName) {
		return nil, append(errs, apperr.TooLong(MaxName, *v, "body", field))
	}
	if s == "" {
		return nil, errs
	}
	return &s, errs
}
