// Package validate holds input rules shared by every surface: email syntax
// and normalization, and the length limits of docs/design.md "Interface".
package validate

import (
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits from docs/design.md "Interface", "Input limits everywhere".
const (
	MaxEmail    = 320
	MaxName     = 256
	MaxFileName = 255
	MaxURL      = 2048
	MaxBody     = 1 << 20
)

// Email checks syntax and returns the normalized address: a "Name <addr>"
// form reduced to the address, the local part kept but NFC-normalized, the
// domain lower-cased and NFC-normalized (§2.8). The error text is the
// original's "value is not a valid email address: <reason>".
//
// net/mail accepts more than an address a person can be mailed at: it
// unquotes a quoted local part (`"a b"@x.com` gives `a b@x.com`,
// `"a@b"@x.com` gives `a@b@x.com`) and lets any non-ASCII character
// through, bidirectional overrides and zero-width spaces included. So the
// result is checked again as email-validator does: the local part must be a
// dot-atom, and no part may hold a control, format, separator, private-use
// or unassigned character. That keeps the output free of whitespace and
// control characters, with exactly one @, and Email(Email(x)) == Email(x)
// (FuzzEmail).
func Email(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", emailErr("An email address must have an @-sign.")
	}
	if utf8.RuneCountInString(s) > MaxEmail {
		return "", emailErr(fmt.Sprintf("The email address is too long (at most %d characters).", MaxEmail))
	}
	addr, err := mail.ParseAddress(s)
	if err != nil {
		if !strings.Contains(s, "@") {
			return "", emailErr("An email address must have an @-sign.")
		}
		return "", emailErr("The email address is not valid.")
	}
	at := strings.LastIndexByte(addr.Address, '@')
	if at < 0 {
		return "", emailErr("An email address must have an @-sign.")
	}
	local, domain := addr.Address[:at], addr.Address[at+1:]
	if local == "" {
		return "", emailErr("There must be something before the @-sign.")
	}
	if !utf8.ValidString(local) || !utf8.ValidString(domain) {
		return "", emailErr("The email address contains an invalid character.")
	}
	if !dotAtom(local) {
		return "", emailErr("The email address contains invalid characters before the @-sign.")
	}
	local = norm.NFC.String(local)
	if bad := unsafeChars(local); bad != "" {
		return "", emailErr("The email address contains unsafe characters: " + bad + ".")
	}
	domain = norm.NFC.String(strings.ToLower(domain))
	if bad := unsafeChars(domain); bad != "" {
		return "", emailErr("The email address contains unsafe characters: " + bad + ".")
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", emailErr("The part after the @-sign is not valid. It should have a period.")
	}
	for _, r := range domain {
		if !(r == '.' || r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127) {
			return "", emailErr("The part after the @-sign contains invalid characters.")
		}
	}
	out := local + "@" + domain
	if utf8.RuneCountInString(out) > MaxEmail {
		return "", emailErr(fmt.Sprintf("The email address is too long (at most %d characters).", MaxEmail))
	}
	return out, nil
}

func emailErr(reason string) error {
	return errors.New("value is not a valid email address: " + reason)
}

// atextSpecials are the printable ASCII characters RFC 5322 allows in an
// unquoted local part besides letters and digits.
const atextSpecials = "!#$%&'*+-/=?^_`{|}~"

// dotAtom reports whether a local part is an RFC 5322 dot-atom (with RFC
// 6531's non-ASCII characters): atext runs separated by single dots.
func dotAtom(local string) bool {
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	for _, r := range local {
		ok := r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r > 127 || strings.ContainsRune(atextSpecials, r)
		if !ok {
			return false
		}
	}
	return true
}

// unsafeChars lists (as U+XXXX, sorted) the characters of s that
// email-validator calls unsafe: anything but letters, marks, numbers,
// punctuation and symbols, and a combining mark at the start (it would
// combine with whatever precedes the address). "" when there are none.
func unsafeChars(s string) string {
	var bad []rune
	for i, r := range s {
		switch {
		case unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S):
		case unicode.Is(unicode.M, r) && i > 0:
		default:
			if !slices.Contains(bad, r) {
				bad = append(bad, r)
			}
		}
	}
	slices.Sort(bad)
	parts := make([]string, len(bad))
	for i, r := range bad {
		parts[i] = fmt.Sprintf("U+%04X", r)
	}
	return strings.Join(parts, ", ")
}

// MsgBadText is the 422 message for text that cannot be stored.
const MsgBadText = "Input should be valid UTF-8 text without NUL characters"

// StorableText reports whether PostgreSQL can store s as text or inside
// jsonb: valid UTF-8 and no NUL (U+0000) anywhere.
func StorableText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// TooLong reports whether s has more than max characters.
func TooLong(s string, max int) bool { return utf8.RuneCountInString(s) > max }
