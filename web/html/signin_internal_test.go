package html

import (
	"strings"
	"testing"
	"time"

	"portal/views/signin"
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

// TestRetryAfter: the wait a rate-limited form names, in minutes rounded
// up, and the moment it ends (issue 16.3).
func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 7, 14, 17, 0, 0, time.UTC)
	for d, want := range map[time.Duration]Retry{
		0:                {At: now.Add(time.Second), Minutes: 1},
		61 * time.Second: {At: now.Add(61 * time.Second), Minutes: 2},
		15 * time.Minute: {At: now.Add(15 * time.Minute), Minutes: 15},
	} {
		if got := retryAfter(d, now); *got != want {
			t.Errorf("retryAfter(%v) = %+v, want %+v", d, *got, want)
		}
	}
}

type Retry = signin.Retry

// TestSafeNext: only pages of this workspace's portal survive as a
// destination after sign-in (issue 16.4); everything that a browser could
// read as another origin, another workspace or a sign-in page is dropped.
func TestSafeNext(t *testing.T) {
	for raw, want := range map[string]string{
		"/acme/portal/billing":                     "/acme/portal/billing",
		"/acme/portal/settings?tab=x#frag":         "/acme/portal/settings?tab=x",
		"/acme/portal/sessions/abc":                "/acme/portal/sessions/abc",
		"/acme/portal/overview?sorting=-created":   "/acme/portal/overview?sorting=-created",
		"/acme/portal/overview":                    "",
		"":                                         "",
		"//evil.example/acme/portal/billing":       "",
		"/\\evil.example/acme/portal/billing":      "",
		"/acme/portal/\\billing":                   "",
		"https://evil.example/acme/portal/billing": "",
		"http:/acme/portal/billing":                "",
		"javascript:alert(1)":                      "",
		"acme/portal/billing":                      "",
		"/other/portal/billing":                    "",
		"/acme/portalx/billing":                    "",
		"/acme/portal":                             "",
		"/acme/portal/../../evil":                  "",
		"/acme/portal/./billing":                   "",
		"/acme/portal/%2e%2e/%2e%2e/evil":          "",
		"/acme/portal/%2F%2Fevil":                  "",
		"/acme/portal/request":                     "",
		"/acme/portal/authenticate":                "",
		"/acme/portal/sign-out":                    "",
		"/acme/portal/continue":                    "",
		"/acme/portal/billing\r\nSet-Cookie: x":    "",
		"/acme/portal/billing\t":                   "",
	} {
		if got := SafeNext("acme", raw); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", raw, got, want)
		}
	}
	if got := SafeNext("acme", "/acme/portal/"+strings.Repeat("x", 600)); got != "" {
		t.Errorf("an overlong next kept: %d bytes", len(got))
	}
}
