package device

import (
	"testing"

	"portal/internal/i18n"
)

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		ua   string
		name string
		kind Kind
	}{
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on macOS", Desktop},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iOS", Mobile},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux", Desktop},
		{"", "Unknown browser", ""},
		{"curl/8.5.0", "Unknown browser", ""},
	} {
		got := Describe(tc.ua)
		if got.Name != tc.name || got.Kind != tc.kind {
			t.Errorf("Describe(%q) = %+v, want %q %q", tc.ua, got, tc.name, tc.kind)
		}
	}
}

// TestDescribeIn: the words around browser and system names come from the
// catalog in the page's language; the proper names stay as they are.
func TestDescribeIn(t *testing.T) {
	mac := "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	cases := []struct{ lang, ua, want string }{
		{"de", mac, "Chrome unter macOS"},
		{"fr", mac, "Chrome sur macOS"},
		{"ja", mac, "macOS の Chrome"},
		{"de", "", "Unbekannter Browser"},
		{"es", "", "Navegador desconocido"},
		{"en", "", "Unknown browser"},
	}
	for _, c := range cases {
		if got := DescribeIn(i18n.New(c.lang, nil), c.ua).Name; got != c.want {
			t.Errorf("%s %q → %q, want %q", c.lang, c.ua, got, c.want)
		}
	}
}
