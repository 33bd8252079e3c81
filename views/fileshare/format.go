// Package fileshare holds the file-sharing views: the overview table, the
// session page and the expanded-row fragment, plus the display formatting
// they share (money for currencies CLDR does not know, machine dates);
// people-facing sizes, dates and amounts come from internal/i18n.
package fileshare

import (
	"strconv"
	"strings"
	"time"
)

// minorUnits lists the currencies whose minor unit is not 1/100 (ISO 4217,
// as Stripe uses them). Everything else has two decimals.
var minorUnits = map[string]int{
	"bif": 0, "clp": 0, "djf": 0, "gnf": 0, "jpy": 0, "kmf": 0, "krw": 0, "mga": 0,
	"pyg": 0, "rwf": 0, "ugx": 0, "vnd": 0, "vuv": 0, "xaf": 0, "xof": 0, "xpf": 0, "isk": 0,
	"bhd": 3, "jod": 3, "kwd": 3, "omr": 3, "tnd": 3,
}

// symbols are printed before the amount; other currencies get their code after it.
var symbols = map[string]string{
	"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "CA$", "aud": "A$", "nzd": "NZ$",
	"inr": "₹", "krw": "₩", "cny": "CN¥", "brl": "R$", "mxn": "MX$", "chf": "CHF ",
}

// Decimals is the number of minor-unit digits of a currency.
func Decimals(currency string) int {
	if d, ok := minorUnits[strings.ToLower(currency)]; ok {
		return d
	}
	return 2
}

// Amount formats minor units as a plain decimal ("1234.50", "1500" for
// JPY), the number part of Money.
func Amount(minor int64, currency string) string {
	d := Decimals(currency)
	neg := minor < 0
	if neg {
		minor = -minor
	}
	s := strconv.FormatInt(minor, 10)
	if d > 0 {
		for len(s) <= d {
			s = "0" + s
		}
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Money formats minor units for people: "$12.50", "¥1,500", "12.500 KWD".
func Money(minor int64, currency string) string {
	cur := strings.ToLower(currency)
	plain := Amount(minor, cur)
	neg := strings.HasPrefix(plain, "-")
	plain = strings.TrimPrefix(plain, "-")
	whole, frac, _ := strings.Cut(plain, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	num := b.String()
	if frac != "" {
		num += "." + frac
	}
	sign := ""
	if neg {
		sign = "-"
	}
	if sym, ok := symbols[cur]; ok {
		return sign + sym + num
	}
	return sign + num + " " + strings.ToUpper(cur)
}

// ISO is the machine-readable form for <time datetime>.
func ISO(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// StatusLabel capitalizes a status for its badge.
func StatusLabel(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
