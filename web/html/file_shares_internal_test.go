package html

import (
	"testing"
	"time"

	"portal/internal/i18n"
)

// TestDownloadsAndPrice keeps the assertions of the removed English helpers
// (views/fileshare Downloads and Price) on the localized ones the pages use.
func TestDownloadsAndPrice(t *testing.T) {
	en := i18n.New(i18n.Default, time.UTC)
	if got := downloads(en, 3, 10); got != "3 / 10" {
		t.Error(got)
	}
	if got := downloads(en, 3, 0); got != "3 / ∞" {
		t.Error(got)
	}
	if got := downloads(i18n.New("de", time.UTC), 1200, 5000); got != "1.200 / 5.000" {
		t.Error(got)
	}
	zero, p := int32(0), int32(1999)
	if price(en, nil, "usd") != "Free" || price(en, &zero, "usd") != "Free" || price(en, &p, "usd") != "$19.99" {
		t.Errorf("price: %q %q %q", price(en, nil, "usd"), price(en, &zero, "usd"), price(en, &p, "usd"))
	}
	if got := price(i18n.New("de", time.UTC), &p, "eur"); got != "19,99\u00a0€" {
		t.Errorf("de price %q", got)
	}
}
