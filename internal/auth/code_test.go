package auth

import (
	"strings"
	"testing"
)

func TestNewCodeIsUniformlyCrockford(t *testing.T) {
	seen := map[rune]int{}
	for i := 0; i < 4000; i++ {
		c := NewCode()
		if len(c) != CodeLength {
			t.Fatalf("length %d", len(c))
		}
		for _, r := range c {
			seen[r]++
		}
		if n, ok := NormalizeCode(c); !ok || n != c {
			t.Fatalf("canonical code %q does not normalize to itself", c)
		}
	}
	if len(seen) != 32 {
		t.Errorf("%d distinct symbols, want 32", len(seen))
	}
	for _, bad := range "ILOU" {
		if seen[bad] > 0 {
			t.Errorf("symbol %q drawn", bad)
		}
	}
}

// separators are the characters NormalizeCode drops between code symbols.
const separators = " -\t\u00a0\u2010\u2011\u2013\u2212"

// FuzzNormalizeCode: whatever is typed, the result is either rejected or a
// canonical code — exactly CodeLength symbols of the Crockford alphabet —
// that normalizes to itself; and an accepted input holds nothing but ASCII
// letters and digits plus the separators, so no Unicode look-alike (ı, ſ,
// Cyrillic О, full-width digits) is ever read as a code symbol.
func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"ABCD-2345", "abcd 2345", "ooii-ll00", "", "ÄÖ", "----------",
		"ıııı-ıııı", "ſſſſſſſſ", "ОООО-ОООО", "０１２３４５６７", "ABCD\x002345", "ABCD\u202e2345",
		"UUUU-UUUU", "abcd\u22122345", "<script>", "' OR 1=1--", "ABCD%2D2345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := NormalizeCode(s)
		if !ok {
			if out != "" {
				t.Fatalf("rejected %q but returned %q", s, out)
			}
			return
		}
		if len(out) != CodeLength {
			t.Fatalf("%q → %q: length %d", s, out, len(out))
		}
		for _, r := range out {
			if !strings.ContainsRune(codeAlphabet, r) {
				t.Fatalf("%q → %q: %q is not a Crockford symbol", s, out, r)
			}
		}
		for _, r := range s {
			ascii := r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
			if !ascii && !strings.ContainsRune(separators, r) {
				t.Fatalf("%q accepted (→ %q) with %q in it", s, out, r)
			}
		}
		if again, ok := NormalizeCode(out); !ok || again != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, again)
		}
		if again, ok := NormalizeCode(DisplayCode(out)); !ok || again != out {
			t.Fatalf("display form %q does not normalize back to %q", DisplayCode(out), out)
		}
	})
}

// FuzzCodeVariants: every way a person may retype a real code — lower
// case, spaces and hyphens anywhere, O for 0, I or L for 1 — normalizes to
// that code. raw picks the code, shape picks the variant of each symbol.
func FuzzCodeVariants(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07"), []byte("\xff\x00\x13\x27"))
	f.Add([]byte("01OIL10o"), []byte("lower-and-hyphen"))
	f.Add([]byte{31, 30, 29, 28, 27, 26, 25, 24}, []byte{})
	f.Fuzz(func(t *testing.T, raw, shape []byte) {
		var code [CodeLength]byte
		for i := range code {
			var b byte
			if i < len(raw) {
				b = raw[i]
			}
			code[i] = codeAlphabet[b&31]
		}
		want := string(code[:])
		next := func(i int) byte {
			if len(shape) == 0 {
				return 0
			}
			return shape[i%len(shape)]
		}
		var typed strings.Builder
		for i, c := range want {
			v := next(i)
			switch {
			case c == '0' && v&1 == 1:
				typed.WriteString([]string{"O", "o"}[v>>1&1])
			case c == '1' && v&1 == 1:
				typed.WriteString([]string{"I", "i", "L", "l"}[v>>1&3])
			case v&2 == 2:
				typed.WriteString(strings.ToLower(string(c)))
			default:
				typed.WriteRune(c)
			}
			if v&4 == 4 {
				typed.WriteString([]string{" ", "-", "\t", "\u00a0", "\u2010", "\u2011", "\u2013", "\u2212"}[v>>3&7])
			}
		}
		got, ok := NormalizeCode(typed.String())
		if !ok || got != want {
			t.Fatalf("%q typed as %q → %q, %v", want, typed.String(), got, ok)
		}
	})
}
