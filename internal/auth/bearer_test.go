package auth

import (
	"strings"
	"testing"
)

// FuzzParseBearer: ParseBearer never panics; a token it returns is a
// substring of the header, 1–512 bytes of visible ASCII (no whitespace, no
// control or non-ASCII byte), after a scheme that is "Bearer" in any case
// followed by a space, and "Bearer <token>" gives the same token back. An
// over-long value is reported as (“”, true): a bad token, not anonymity.
// The router-level rules (401 shapes) are FuzzBearerHeader in web/middleware.
func FuzzParseBearer(f *testing.F) {
	for _, s := range []string{"", "Bearer rapidly_cst_abc", "bearer  x ", "Bearer", "Bearer ", "Basic abc", "Bearer a b",
		"Bearer é", "Bearer \x00", "Bearer\ttok", "Bearer\u00a0tok", "\u0085Bearer tok\u0085", "Bearer " + strings.Repeat("a", 513)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, hdr string) {
		tok, ok := ParseBearer(hdr)
		if !ok {
			if tok != "" {
				t.Fatalf("%q rejected with token %q", hdr, tok)
			}
			return
		}
		scheme, _, found := strings.Cut(strings.TrimSpace(hdr), " ")
		if !found || !strings.EqualFold(scheme, "Bearer") {
			t.Fatalf("%q accepted without a Bearer scheme", hdr)
		}
		if tok == "" {
			if len(strings.TrimSpace(strings.TrimSpace(hdr)[len(scheme):])) <= 512 {
				t.Fatalf("%q: empty token for a value that is not over-long", hdr)
			}
			return
		}
		if len(tok) > 512 || !strings.Contains(hdr, tok) {
			t.Fatalf("%q → %q", hdr, tok)
		}
		for i := 0; i < len(tok); i++ {
			if tok[i] <= ' ' || tok[i] > '~' {
				t.Fatalf("%q → %q holds byte %#x", hdr, tok, tok[i])
			}
		}
		if again, ok := ParseBearer("Bearer " + tok); !ok || again != tok {
			t.Fatalf("%q does not round-trip: %q, %v", tok, again, ok)
		}
		if again, ok := ParseBearer("bEaReR " + tok); !ok || again != tok {
			t.Fatalf("scheme case matters for %q", tok)
		}
	})
}
