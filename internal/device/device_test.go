package device

import "testing"

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
