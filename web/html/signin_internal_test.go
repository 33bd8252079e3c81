package html

import (
	"testing"
	"time"
)

func TestMaskEmail(t *testing.T) {
	for in, want := range map[string]string{
		"alice@example.com": "a***@example.com",
		"é@example.com":     "é***@example.com",
		"":                  "your email address",
		"nope":              "your email address",
	} {
		if got := MaskEmail(in); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTooMany(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                "Too many attempts. Please try again in 1 minute.",
		61 * time.Second: "Too many attempts. Please try again in 2 minutes.",
		15 * time.Minute: "Too many attempts. Please try again in 15 minutes.",
	} {
		if got := tooMany(d); got != want {
			t.Errorf("tooMany(%v) = %q", d, got)
		}
	}
}
