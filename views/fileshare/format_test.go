package fileshare

import "testing"

func TestFileSize(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	cases := map[string]*int64{"—": nil, "0 B": n(0), "1023 B": n(1023), "1 KB": n(1024), "1.5 KB": n(1536),
		"1.5 MB": n(1572864), "1 GB": n(1 << 30), "2.5 GB": n(5 << 29), "1 TB": n(1 << 40)}
	for want, in := range cases {
		if got := FileSize(in); got != want {
			t.Errorf("FileSize(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestDownloads(t *testing.T) {
	if got := Downloads(3, 10); got != "3 / 10" {
		t.Error(got)
	}
	if got := Downloads(3, 0); got != "3 / ∞" {
		t.Error(got)
	}
}

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
	zero, p := int32(0), int32(1999)
	if Price(nil, "usd") != "Free" || Price(&zero, "usd") != "Free" || Price(&p, "usd") != "$19.99" {
		t.Error("Price")
	}
}
