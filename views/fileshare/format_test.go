package fileshare

import "testing"

func TestMoney(t *testing.T) {
	cases := []struct {
		minor int64
		cur   string
		want  string
		plain string
	}{
		{1250, "usd", "$12.50", "12.50"},
		{5, "usd", "$0.05", "0.05"},
		{123456789, "eur", "€1,234,567.89", "1234567.89"},
		{1500, "jpy", "¥1,500", "1500"},
		{1500, "JPY", "¥1,500", "1500"},
		{12500, "kwd", "12.500 KWD", "12.500"},
		{999, "sek", "9.99 SEK", "9.99"},
		{-250, "gbp", "-£2.50", "-2.50"},
		{0, "krw", "₩0", "0"},
	}
	for _, c := range cases {
		if got := Money(c.minor, c.cur); got != c.want {
			t.Errorf("Money(%d, %s) = %q, want %q", c.minor, c.cur, got, c.want)
		}
		if got := Amount(c.minor, c.cur); got != c.plain {
			t.Errorf("Amount(%d, %s) = %q, want %q", c.minor, c.cur, got, c.plain)
		}
	}
}
