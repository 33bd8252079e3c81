package validate

import (
	"strings"
	"testing"

	"portal/internal/apperr"
)

func TestOptionalName(t *testing.T) {
	s := func(v string) *string { return &v }
	if got, errs := OptionalName(nil, "name", nil); got != nil || errs != nil {
		t.Fatalf("absent: %v %v", got, errs)
	}
	if got, errs := OptionalName(s("   "), "name", nil); got != nil || errs != nil {
		t.Fatalf("blank: %v %v", got, errs)
	}
	if got, errs := OptionalName(s("  Ada "), "name", nil); got == nil || *got != "Ada" || errs != nil {
		t.Fatalf("trimmed: %v %v", got, errs)
	}
	got, errs := OptionalName(s(strings.Repeat("é", MaxName+1)), "billing_name", nil)
	if got != nil || len(errs) != 1 || errs[0].Code != apperr.CodeTooLong || errs[0].Path() != "billing_name" {
		t.Fatalf("too long: %v %+v", got, errs)
	}
	if _, errs := OptionalName(s(strings.Repeat("é", MaxName)), "name", errs); len(errs) != 1 {
		t.Fatalf("at the limit: %+v", errs)
	}
}
