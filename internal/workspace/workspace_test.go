package workspace

import (
	"testing"

	"portal/internal/db/dbgen"
)

func TestSizeReadable(t *testing.T) {
	for n, want := range map[int64]string{0: "0.0 B", 512: "512.0 B", 1023: "1023.0 B", 1024: "1.0 KB", 1536: "1.5 KB",
		5 << 20: "5.0 MB", 3 << 30: "3.0 GB", 1 << 40: "1.0 TB"} {
		if got := SizeReadable(n); got != want {
			t.Errorf("SizeReadable(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestPortalURL: the email is percent-encoded as Python's quote does
// ('+' → %2B, '@' → %40, space → %20), the slug as a path segment (G26).
func TestPortalURL(t *testing.T) {
	s := New(nil, nil, "https://portal.example.com")
	got := s.portalURL("acme", "customer_session_token", "rapidly_cst_abc-_", "jo+x y@example.com")
	want := "https://portal.example.com/acme/portal?customer_session_token=rapidly_cst_abc-_&email=jo%2Bx%20y%40example.com"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// TestRepresentable: the response union has fixed, custom and free; others
// are skipped rather than failing the endpoint (§3.22), and a custom price
// without a minimum shows the 50-cent default.
func TestRepresentable(t *testing.T) {
	amt := int32(100)
	for _, c := range []struct {
		p    dbgen.SharePrice
		want bool
	}{
		{dbgen.SharePrice{AmountType: "fixed", PriceCurrency: "usd", PriceAmount: &amt}, true},
		{dbgen.SharePrice{AmountType: "fixed", PriceCurrency: "usd"}, false},
		{dbgen.SharePrice{AmountType: "custom", PriceCurrency: "EUR"}, true},
		{dbgen.SharePrice{AmountType: "free", PriceCurrency: "usd"}, true},
		{dbgen.SharePrice{AmountType: "metered_unit", PriceCurrency: "usd"}, false},
		{dbgen.SharePrice{AmountType: "seat_based", PriceCurrency: "usd"}, false},
		{dbgen.SharePrice{AmountType: "free", PriceCurrency: "xyz"}, false},
	} {
		p, ok := representable(c.p)
		if ok != c.want {
			t.Errorf("%s/%s: %v", c.p.AmountType, c.p.PriceCurrency, ok)
		}
		if ok && p.AmountType == "custom" && (p.MinimumAmount == nil || *p.MinimumAmount != DefaultMinimumAmount || p.PriceCurrency != "eur") {
			t.Errorf("custom %+v", p)
		}
	}
}

func TestPublicURL(t *testing.T) {
	s := New(nil, nil, "http://127.0.0.1:8080")
	if got := s.publicURL("acme/a b.png"); got != "http://127.0.0.1:8080/media/acme/a%20b.png" {
		t.Fatal(got)
	}
	if got := s.publicURL("https://cdn.example.com/x.png"); got != "https://cdn.example.com/x.png" {
		t.Fatal(got)
	}
}
