package validate

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEmail(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"  Ada@Example.COM ", "Ada@example.com", ""},
		{"Ada Lovelace <ada@example.com>", "ada@example.com", ""},
		{"ada@example.com (work)", "ada@example.com", ""},
		{"jos\u0065\u0301@example.com", "jos\u00e9@example.com", ""}, // NFC
		{"", "", "An email address must have an @-sign."},
		{"ada.example.com", "", "An email address must have an @-sign."},
		{"@example.com", "", "not valid"},
		{"ada@localhost", "", "It should have a period."},
		{"ada@exa_mple.com", "", "contains invalid characters."},
		{`"a b"@example.com`, "", "invalid characters before the @-sign"},
		{`"a@b"@example.com`, "", "invalid characters before the @-sign"},
		{"a\u202eb@example.com", "", "unsafe characters: U+202E."},
		{"a\u200bb@example.com", "", "unsafe characters: U+200B."},
		{"a\u0085b@example.com", "", "unsafe characters: U+0085."},
		{"ab@exa\u202emple.com", "", "unsafe characters: U+202E."},
		{strings.Repeat("a", 310) + "@example.com", "", "too long"},
	} {
		got, err := Email(c.in)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("Email(%q) = %q, %v; want %q", c.in, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("Email(%q) = %q, %v; want error with %q", c.in, got, err, c.err)
		case c.err != "" && !strings.HasPrefix(err.Error(), "value is not a valid email address: "):
			t.Errorf("Email(%q): error %q lacks the original's prefix", c.in, err)
		}
	}
}

// FuzzEmail: Email never panics; what it accepts is valid UTF-8 of at most
// MaxEmail characters with exactly one @, something on both sides, no
// whitespace, control or format (bidi, zero-width) characters; and it is a
// fixed point: Email(accepted) returns it unchanged.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{"ada@example.com", "Ada <ADA@EXAMPLE.COM>", `"a b"@example.com`, `"a@b"@example.com`,
		"a\u202e@example.com", "a@exa\u0085mple.com", "\x00@example.com", "<script>@example.com",
		"=cmd|' /C calc'!A0@example.com", "a'--@example.com", "a%40b@example.com", "ada@ex\u0430mple.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := Email(s)
		if err != nil {
			if out != "" {
				t.Fatalf("%q rejected but returned %q", s, out)
			}
			if !strings.HasPrefix(err.Error(), "value is not a valid email address: ") {
				t.Fatalf("%q: error %q", s, err)
			}
			return
		}
		if !utf8.ValidString(out) {
			t.Fatalf("%q → invalid UTF-8 %q", s, out)
		}
		if n := utf8.RuneCountInString(out); n > MaxEmail {
			t.Fatalf("%q → %d characters", s, n)
		}
		if strings.Count(out, "@") != 1 {
			t.Fatalf("%q → %q: not exactly one @", s, out)
		}
		local, domain, _ := strings.Cut(out, "@")
		if local == "" || !strings.Contains(domain, ".") {
			t.Fatalf("%q → %q: empty local part or dotless domain", s, out)
		}
		for _, r := range out {
			if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("%q → %q holds %U", s, out, r)
			}
		}
		if domain != strings.ToLower(domain) {
			t.Fatalf("%q → %q: domain not lower-case", s, out)
		}
		again, err := Email(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, out, again, err)
		}
	})
}
