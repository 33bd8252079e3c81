package auth

import (
	"crypto/rand"
	"strings"
)

// Sign-in codes (D18): 8 characters of Crockford's base-32 alphabet (no I,
// L, O, U), 40 bits from crypto/rand, shown as XXXX-XXXX, stored only as
// Hasher.Hash of the canonical 8-character form.
const (
	codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	CodeLength   = 8
)

// NewCode returns a fresh canonical code.
func NewCode() string {
	var b [CodeLength]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		// 256 is a multiple of 32, so the low five bits are uniform.
		b[i] = codeAlphabet[b[i]&31]
	}
	return string(b[:])
}

// DisplayCode formats a canonical code as XXXX-XXXX.
func DisplayCode(code string) string {
	if len(code) != CodeLength {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// NormalizeCode turns what a person typed into the canonical form: case
// folded, spaces and dashes dropped, O read as 0 and I or L as 1 (Crockford).
// ok is false when the result cannot be a code.
func NormalizeCode(in string) (string, bool) {
	if len(in) > 64 {
		return "", false
	}
	var sb strings.Builder
	// Case is folded per ASCII letter, not with strings.ToUpper on the whole
	// input: Unicode upper-casing maps look-alikes such as the dotless ı
	// (U+0131) to I and the long ſ (U+017F) to S, which would let a
	// homoglyph through as a code character (FuzzNormalizeCode checks it).
	for _, r := range in {
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		switch {
		case r == ' ' || r == '-' || r == '\t' || r == '\u00a0' || r == '\u2010' || r == '\u2011' || r == '\u2013' || r == '\u2212':
			continue
		case r == 'O':
			sb.WriteByte('0')
		case r == 'I' || r == 'L':
			sb.WriteByte('1')
		case r < 128 && strings.ContainsRune(codeAlphabet, r):
			sb.WriteRune(r)
		default:
			return "", false
		}
	}
	out := sb.String()
	if len(out) != CodeLength {
		return "", false
	}
	return out, true
}
