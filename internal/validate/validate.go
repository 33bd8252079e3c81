// Package validate holds input rules shared by every surface: email syntax
// and normalization, and the length limits of spec/INTERFACE.md.
package validate

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Limits from INTERFACE.md "Input limits everywhere".
const (
	MaxEmail    = 320
	MaxName     = 256
	MaxFileName = 255
	MaxURL      = 2048
	MaxBody     = 1 << 20
)

// Email checks syntax and returns the normalized address: a "Name <addr>"
// form reduced to the address, the domain lower-cased, the local part kept
// (§2.8). The error text is the original's "value is not a valid email
// address: <reason>".
func Email(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("value is not a valid email address: An email address must have an @-sign.")
	}
	if utf8.RuneCountInString(s) > MaxEmail {
		return "", fmt.Errorf("value is not a valid email address: The email address is too long (at most %d characters).", MaxEmail)
	}
	addr, err := mail.ParseAddress(s)
	if err != nil {
		if !strings.Contains(s, "@") {
			return "", fmt.Errorf("value is not a valid email address: An email address must have an @-sign.")
		}
		return "", fmt.Errorf("value is not a valid email address: The email address is not valid.")
	}
	local, domain, ok := strings.Cut(addr.Address, "@")
	if !ok || local == "" {
		return "", fmt.Errorf("value is not a valid email address: There must be something before the @-sign.")
	}
	domain = strings.ToLower(domain)
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", fmt.Errorf("value is not a valid email address: The part after the @-sign is not valid. It should have a period.")
	}
	for _, r := range domain {
		if !(r == '.' || r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127) {
			return "", fmt.Errorf("value is not a valid email address: The part after the @-sign contains invalid characters.")
		}
	}
	out := local + "@" + domain
	if utf8.RuneCountInString(out) > MaxEmail {
		return "", fmt.Errorf("value is not a valid email address: The email address is too long (at most %d characters).", MaxEmail)
	}
	return out, nil
}

// TooLong reports whether s has more than max characters.
func TooLong(s string, max int) bool { return utf8.RuneCountInString(s) > max }
