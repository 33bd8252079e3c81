package auth

import "testing"

// TestMaskIP: the devices page never shows a whole address (issue 18).
func TestMaskIP(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":          "203.0.113.x",
		" 198.51.100.250 ":     "198.51.100.x",
		"::ffff:192.0.2.1":     "192.0.2.x",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::x",
		"2001:db8::1":          "2001:db8::x",
		"fe80::1%eth0":         "fe80::x",
		"":                     "",
		"not an address":       "",
		"203.0.113.7:443":      "",
	} {
		if got := MaskIP(in); got != want {
			t.Errorf("MaskIP(%q) = %q, want %q", in, got, want)
		}
	}
}
