package i18n

import (
	"strconv"
	"strings"
	"time"

	"github.com/bojanz/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// dateForm is a locale's CLDR medium date (yMMMd skeleton) and short time.
type dateForm struct {
	months [12]string // abbreviated month names, format context
	date   func(d int, mon string, m time.Month, y int) string
	clock  string // Go layout of the short time
	join   string // between date and time
}

// forms come from CLDR 46 (yMMMd, Hm, dateTimeFormat medium). English is
// the day-first form the portal always printed ("3 Dec 2026").
var forms = map[string]dateForm{
	"en": {
		months: [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
		date:   func(d int, mon string, _ time.Month, y int) string { return itoa(d) + " " + mon + " " + itoa(y) },
		clock:  "15:04", join: ", ",
	},
	"de": {
		months: [12]string{"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."},
		date:   func(d int, mon string, _ time.Month, y int) string { return itoa(d) + ". " + mon + " " + itoa(y) },
		clock:  "15:04", join: ", ",
	},
	"fr": {
		months: [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
		date:   func(d int, mon string, _ time.Month, y int) string { return itoa(d) + " " + mon + " " + itoa(y) },
		clock:  "15:04", join: ", ",
	},
	"es": {
		months: [12]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"},
		date:   func(d int, mon string, _ time.Month, y int) string { return itoa(d) + " " + mon + " " + itoa(y) },
		clock:  "15:04", join: ", ",
	},
	"pt-BR": {
		months: [12]string{"jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.", "nov.", "dez."},
		date:   func(d int, mon string, _ time.Month, y int) string { return itoa(d) + " de " + mon + " de " + itoa(y) },
		clock:  "15:04", join: ", ",
	},
	"ja": {
		date: func(d int, _ string, m time.Month, y int) string {
			return itoa(y) + "年" + itoa(int(m)) + "月" + itoa(d) + "日"
		},
		clock: "15:04", join: " ",
	},
}

func itoa(n int) string { return strconv.Itoa(n) }

func (l *Locale) form() dateForm {
	if f, ok := forms[l.Lang]; ok {
		return f
	}
	return forms[Default]
}

// Date is t's calendar day in the viewer's zone ("3. Dez. 2026").
func (l *Locale) Date(t time.Time) string {
	t = t.In(l.Zone)
	f := l.form()
	return f.date(t.Day(), f.months[t.Month()-1], t.Month(), t.Year())
}

// DateTime is t in the viewer's zone with the zone's abbreviation
// ("3. Dez. 2026, 08:36 MEZ"); UTC until the browser's zone is known.
func (l *Locale) DateTime(t time.Time) string {
	t = t.In(l.Zone)
	f := l.form()
	return l.Date(t) + f.join + t.Format(f.clock) + " " + l.zoneName(t)
}

// zoneAbbr are CLDR's localized short names where a language has its own:
// German names the three European metazones (Central, Eastern, Western).
// Elsewhere the tz database's letters stand (CLDR's own where it has short
// names: JST, EST, CET in Spanish); where CLDR has none (French, for
// instance) it would write an offset ("UTC+1"), which the portal does not
// (docs/design.md "Languages and time zones"). golang.org/x/text keeps its
// CLDR zone tables unexported, so this short list is kept here.
var zoneAbbr = map[string]map[string]string{
	"de": {"CET": "MEZ", "CEST": "MESZ", "EET": "OEZ", "EEST": "OESZ", "WET": "WEZ", "WEST": "WESZ"},
}

// zoneName is t's zone abbreviation; zones without a letter abbreviation
// in the tz database ("-03") are written the way CLDR does, "GMT-3".
func (l *Locale) zoneName(t time.Time) string {
	abbr := t.Format("MST")
	if a, ok := zoneAbbr[l.Lang][abbr]; ok {
		return a
	}
	if abbr != "" && (abbr[0] == '+' || abbr[0] == '-') {
		_, off := t.Zone()
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		s := "GMT" + sign + itoa(off/3600)
		if m := off % 3600 / 60; m != 0 {
			s += ":" + pad2(m)
		}
		return s
	}
	return abbr
}

func pad2(n int) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}

// ISO is the machine-readable form for <time datetime="…">: RFC 3339 in UTC.
func ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// decimal is each locale's CLDR decimal separator.
var decimal = map[string]string{"en": ".", "de": ",", "fr": ",", "es": ",", "pt-BR": ",", "ja": "."}

// sizeUnits are the byte units as each language writes them (French counts
// octets).
var sizeUnits = map[string][]string{
	"fr": {"o", "Ko", "Mo", "Go", "To", "Po"},
}
var defaultUnits = []string{"B", "KB", "MB", "GB", "TB", "PB"}

// Size is a file size for people: "1.5 MB", "1,5 MB" in German, "1,5 Mo"
// in French. Binary multiples, one decimal, labelled the way file
// managers do.
func (l *Locale) Size(b int64) string {
	units := defaultUnits
	if u, ok := sizeUnits[l.Lang]; ok {
		units = u
	}
	if b < 1024 {
		return l.Int(b) + " " + units[0]
	}
	v := float64(b) / 1024
	u := 1
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if sep := decimal[l.Lang]; sep != "." {
		s = strings.Replace(s, ".", sep, 1)
	}
	return s + " " + units[u]
}

// Int is a whole number with the locale's grouping ("1,234", "1.234").
func (l *Locale) Int(n int64) string {
	// Below a thousand there is nothing to group: every supported
	// language writes the plain digits (TestIntSmallIsPlainDigits), and
	// x/text's printer costs a microsecond or two a number (issue 15).
	if n >= 0 && n < 1000 {
		return strconv.FormatInt(n, 10)
	}
	p, ok := printers[l.Lang]
	if !ok {
		p = printers[Default]
	}
	s := p.Sprintf("%d", n)
	if l.Lang == "fr" {
		// CLDR groups French digits with a narrow no-break space, as
		// bojanz/currency does; x/text still has the wide one.
		s = strings.ReplaceAll(s, "\u00a0", "\u202f")
	}
	return s
}

var printers = func() map[string]*message.Printer {
	out := map[string]*message.Printer{}
	for _, l := range Locales {
		out[l] = message.NewPrinter(language.MustParse(l))
	}
	return out
}()

// Money is an amount in minor units as the locale writes it, from CLDR via
// bojanz/currency: "€1,234.50", "1.234,50 €", "R$ 1.234,50". ok is false
// for a currency code CLDR does not know (callers show the plain form).
func (l *Locale) Money(minor int64, code string) (string, bool) {
	a, err := currency.NewAmountFromInt64(minor, strings.ToUpper(code))
	if err != nil {
		return "", false
	}
	return formatter(l.Lang).Format(a), true
}

var formatters = func() map[string]*currency.Formatter {
	out := map[string]*currency.Formatter{}
	for _, l := range Locales {
		out[l] = currency.NewFormatter(currency.NewLocale(l))
	}
	return out
}()

func formatter(lang string) *currency.Formatter {
	if f, ok := formatters[lang]; ok {
		return f
	}
	return formatters[Default]
}

// Clock is t's time of day in the viewer's zone with the zone's
// abbreviation ("08:36 MEZ").
func (l *Locale) Clock(t time.Time) string {
	t = t.In(l.Zone)
	return t.Format(l.form().clock) + " " + l.zoneName(t)
}
