package i18n

import (
	"context"
	"strings"
	"testing"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

func TestNegotiate(t *testing.T) {
	cases := []struct {
		name                 string
		explicit, accept, ws string
		want                 string
	}{
		{"lang wins over the header", "de", "fr", "es", "de"},
		{"lang is case-insensitive", "PT-br", "", "", "pt-BR"},
		{"regional lang", "de-AT", "", "", "de"},
		{"unknown lang falls through to the header", "xx", "fr-CH, en;q=0.5", "", "fr"},
		{"a language the matcher maps to English is unknown", "tlh", "", "de", "de"},
		{"weights", "", "fr;q=0.3, ja;q=0.9, en;q=0.1", "", "ja"},
		{"de-AT is de", "", "de-AT", "", "de"},
		{"pt is pt-BR", "", "pt", "", "pt-BR"},
		{"pt-PT is pt-BR", "", "pt-PT,en;q=0.1", "", "pt-BR"},
		{"es-419 is es", "", "es-419", "", "es"},
		{"ja-JP", "", "ja-JP", "", "ja"},
		{"unknown header → workspace default", "", "zh-CN, ko;q=0.8", "de", "de"},
		{"wildcard → workspace default", "", "*", "ja", "ja"},
		{"garbage header → workspace default", "", ";;;q=x", "fr", "fr"},
		{"nothing → English", "", "", "", "en"},
		{"invalid workspace default → English", "", "", "xx", "en"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Negotiate(tc.explicit, tc.accept, tc.ws); got != tc.want {
				t.Errorf("Negotiate(%q, %q, %q) = %q, want %q", tc.explicit, tc.accept, tc.ws, got, tc.want)
			}
		})
	}
}

func TestT(t *testing.T) {
	de := WithLocale(context.Background(), New("de", nil))
	if got := T(de, "nav.billing"); got != "Abrechnung" {
		t.Errorf("de nav.billing = %q", got)
	}
	if got := T(de, "layout.back", map[string]any{"Workspace": "Acme"}); got != "← Zurück zu Acme" {
		t.Errorf("de layout.back = %q", got)
	}
	if got := T(context.Background(), "nav.billing"); got != "Billing" {
		t.Errorf("no locale: %q", got)
	}
	if got := T(de, "no.such_id"); got != "no.such_id" {
		t.Errorf("missing id = %q", got)
	}
}

func TestMoney(t *testing.T) {
	cases := []struct {
		lang  string
		minor int64
		cur   string
		want  string
	}{
		{"en", 123450, "eur", "€1,234.50"},
		{"de", 123450, "eur", "1.234,50\u00a0€"},
		{"pt-BR", 123450, "brl", "R$\u00a01.234,50"},
		{"fr", 123450, "eur", "1\u202f234,50\u00a0€"},
		{"es", 123450, "eur", "1234,50\u00a0€"}, // CLDR: es groups from five digits
		{"es", 1234500, "eur", "12.345,00\u00a0€"},
		{"ja", 1500, "jpy", "￥1,500"},
		{"en", 1500, "jpy", "¥1,500"},
		{"en", 1250, "usd", "$12.50"},
		{"de", 1250, "usd", "12,50\u00a0$"},
	}
	for _, tc := range cases {
		got, ok := New(tc.lang, nil).Money(tc.minor, tc.cur)
		if !ok || got != tc.want {
			t.Errorf("%s Money(%d, %s) = %q, want %q", tc.lang, tc.minor, tc.cur, got, tc.want)
		}
	}
	if _, ok := New("en", nil).Money(1, "zzz"); ok {
		t.Error("unknown currency formatted")
	}
}

func TestDates(t *testing.T) {
	at := time.Date(2026, 12, 3, 7, 36, 0, 0, time.UTC)
	berlin, _ := Zone("Europe/Berlin")
	tokyo, _ := Zone("Asia/Tokyo")
	saoPaulo, _ := Zone("America/Sao_Paulo")
	paris, _ := Zone("Europe/Paris")
	madrid, _ := Zone("Europe/Madrid")
	cases := []struct {
		loc      *Locale
		date, dt string
	}{
		{New("en", nil), "3 Dec 2026", "3 Dec 2026, 07:36 UTC"},
		{New("de", berlin), "3. Dez. 2026", "3. Dez. 2026, 08:36 MEZ"},
		{New("fr", paris), "3 déc. 2026", "3 déc. 2026, 08:36 CET"},
		{New("es", madrid), "3 dic 2026", "3 dic 2026, 08:36 CET"},
		{New("pt-BR", saoPaulo), "3 de dez. de 2026", "3 de dez. de 2026, 04:36 GMT-3"},
		{New("ja", tokyo), "2026年12月3日", "2026年12月3日 16:36 JST"},
		{New("de", nil), "3. Dez. 2026", "3. Dez. 2026, 07:36 UTC"},
	}
	for _, tc := range cases {
		if got := tc.loc.Date(at); got != tc.date {
			t.Errorf("%s Date = %q, want %q", tc.loc.Lang, got, tc.date)
		}
		if got := tc.loc.DateTime(at); got != tc.dt {
			t.Errorf("%s DateTime = %q, want %q", tc.loc.Lang, got, tc.dt)
		}
	}
	// Summer time in Berlin, and a month whose German abbreviation is whole.
	if got := New("de", berlin).DateTime(time.Date(2026, 3, 30, 10, 5, 0, 0, time.UTC)); got != "30. März 2026, 12:05 MESZ" {
		t.Errorf("de summer = %q", got)
	}
	if got := ISO(time.Date(2026, 12, 3, 8, 36, 0, 0, berlin)); got != "2026-12-03T07:36:00Z" {
		t.Errorf("ISO = %q", got)
	}
}

func TestZone(t *testing.T) {
	for _, bad := range []string{"", "Local", "../etc/passwd", "/etc/localtime", "Mars/Olympus", "Europe/Berlin\x00"} {
		if _, ok := Zone(bad); ok {
			t.Errorf("Zone(%q) accepted", bad)
		}
	}
	if z, ok := Zone("Asia/Kolkata"); !ok || z.String() != "Asia/Kolkata" {
		t.Errorf("Asia/Kolkata: %v %v", z, ok)
	}
}

// TestGermanZoneNames: German has CLDR short names for the three European
// metazones (MEZ/MESZ, OEZ/OESZ, WEZ/WESZ); the tz database's letters
// stand elsewhere.
func TestGermanZoneNames(t *testing.T) {
	winter, summer := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC), time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)
	for zone, want := range map[string][2]string{
		"Europe/Berlin": {"MEZ", "MESZ"},
		"Europe/Athens": {"OEZ", "OESZ"},
		"Europe/Lisbon": {"WEZ", "WESZ"},
		"Europe/London": {"GMT", "BST"},
	} {
		z, ok := Zone(zone)
		if !ok {
			t.Fatalf("no zone %s", zone)
		}
		l := New("de", z)
		if got := l.Clock(winter); !strings.HasSuffix(got, " "+want[0]) {
			t.Errorf("%s winter: %q, want … %s", zone, got, want[0])
		}
		if got := l.Clock(summer); !strings.HasSuffix(got, " "+want[1]) {
			t.Errorf("%s summer: %q, want … %s", zone, got, want[1])
		}
	}
	if got := New("fr", mustZone(t, "Europe/Athens")).Clock(winter); !strings.HasSuffix(got, " EET") {
		t.Errorf("fr Athens: %q (the tz database's letters)", got)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, ok := Zone(name)
	if !ok {
		t.Fatalf("no zone %s", name)
	}
	return z
}

func TestSizesAndNumbers(t *testing.T) {
	cases := []struct {
		lang string
		b    int64
		want string
	}{
		{"en", 0, "0 B"},
		{"en", 512, "512 B"},
		{"en", 1023, "1,023 B"}, // grouped, as CLDR writes numbers
		{"en", 1024, "1 KB"},
		{"en", 1536, "1.5 KB"},
		{"en", 1572864, "1.5 MB"},
		{"en", 1 << 30, "1 GB"},
		{"en", 5 << 29, "2.5 GB"},
		{"en", 1 << 40, "1 TB"},
		{"de", 1536, "1,5 KB"},
		{"fr", 1572864, "1,5 Mo"},
		{"es", 20 * 1024 * 1024, "20 MB"},
		{"pt-BR", 3435973837, "3,2 GB"},
		{"ja", 1536, "1.5 KB"},
	}
	for _, tc := range cases {
		if got := New(tc.lang, nil).Size(tc.b); got != tc.want {
			t.Errorf("%s Size(%d) = %q, want %q", tc.lang, tc.b, got, tc.want)
		}
	}
	for lang, want := range map[string]string{"en": "12,345", "de": "12.345", "fr": "12\u202f345", "ja": "12,345", "pt-BR": "12.345"} {
		if got := New(lang, nil).Int(12345); got != want {
			t.Errorf("%s Int = %q, want %q", lang, got, want)
		}
	}
}

// Messages without data are localized once and kept (issue 15); what is
// kept is exactly what go-i18n says, in every language, and an unknown id
// is answered with itself but never kept.
func TestPlainMessagesKept(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for lang := range c.localizers {
		l := New(lang, nil)
		for id := range c.ids {
			want := l.localize(&goi18n.LocalizeConfig{MessageID: id})
			if got, again := l.T(id), l.T(id); got != want || again != want {
				t.Fatalf("%s %s: %q then %q, want %q", lang, id, got, again, want)
			}
		}
	}
	(&Locale{Lang: "xx"}).T("nav.billing")
	New("de", nil).T("no.such_id.kept")
	c.plain.Range(func(k, _ any) bool {
		if pk := k.(plainKey); pk.id == "no.such_id.kept" || pk.lang == "xx" {
			t.Fatalf("kept %+v", pk)
		}
		return true
	})
}

// BenchmarkT is a page label (no data), the common case on every page.
func BenchmarkT(b *testing.B) {
	l := New("de", nil)
	b.ReportAllocs()
	for range b.N {
		_ = l.T("nav.billing")
	}
}

// Int's shortcut below a thousand says what the locale's printer says, in
// every supported language.
func TestIntSmallIsPlainDigits(t *testing.T) {
	for _, lang := range Locales {
		p := printers[lang]
		for n := int64(0); n < 1000; n++ {
			if got, want := New(lang, nil).Int(n), p.Sprintf("%d", n); got != want {
				t.Fatalf("%s %d: %q, printer says %q", lang, n, got, want)
			}
		}
		if got := New(lang, nil).Int(1000); got == "1000" && lang != "es" {
			t.Errorf("%s: 1000 not grouped: %q", lang, got)
		}
	}
}
