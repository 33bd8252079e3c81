// Package fileshare holds the file-sharing views: the overview table, the
// session page and the expanded-row fragment, plus the display formatting
// they share (sizes, money, dates).
package fileshare

import (
	"strconv"
	"strings"
	"time"
)

// FileSize formats bytes for people: "512 B", "1.5 KB", "20 MB", "3.2 GB".
// Binary multiples, labelled the way file managers do.
func FileSize(b *int64) string {
	if b == nil {
		return "—"
	}
	n := *b
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"KB", "MB", "GB", "TB", "PB"}
	v := float64(n) / 1024
	u := 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + units[u]
}

// Downloads is "used / max", with ∞ for an unlimited session (max 0).
func Downloads(used, max int32) string {
	m := "∞"
	if max > 0 {
		m = strconv.Itoa(int(max))
	}
	return strconv.Itoa(int(used)) + " / " + m
}

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
// JPY), for CSV cells.
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

// Price is a session's price: "Free" when it has none.
func Price(cents *int32, currency string) string {
	if cents == nil || *cents == 0 {
		return "Free"
	}
	return Money(int64(*cents), currency)
}

// DateTime is the one way pages print a timestamp: UTC, unambiguous.
func DateTime(t time.Time) string {
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
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
