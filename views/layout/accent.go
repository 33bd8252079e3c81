package layout

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/a-h/templ"

	"portal/static"
)

// Page backgrounds of the two themes (portal.css --bg and --surface); a
// link must read on both.
var (
	lightBackgrounds = [][3]float64{{0xf7, 0xf7, 0xf8}, {0xff, 0xff, 0xff}}
	darkBackgrounds  = [][3]float64{{0x0f, 0x10, 0x14}, {0x18, 0x1a, 0x20}}
)

// accentStyle emits the workspace colour and what is derived from it: the
// text colour on accent buttons and a link colour per theme that keeps 4.5:1
// contrast (WCAG AA) whatever colour the workspace picked. Accent is
// validated as #rrggbb before it reaches Meta, and the nonce is base64, so
// neither can break out of the element.
func accentStyle(nonce, accent string) string {
	if !validHex(accent) {
		return ""
	}
	c := parseHex(accent)
	light := readableOn(c, lightBackgrounds, [3]float64{0, 0, 0})
	dark := readableOn(c, darkBackgrounds, [3]float64{255, 255, 255})
	return `<style nonce="` + nonce + `">:root{--accent:` + accent + `;--accent-text:` + textOn(accent) +
		`;--link:` + light + `}@media (prefers-color-scheme: dark){:root:not([data-theme="light"]){--link:` + dark +
		`}}html[data-theme="dark"]{--link:` + dark + `}</style>`
}

// readableOn mixes c toward target (black or white) in small steps until it
// has 4.5:1 contrast against every background.
func readableOn(c [3]float64, bgs [][3]float64, target [3]float64) string {
	for t := 0.0; t <= 1.0; t += 0.05 {
		m := [3]float64{}
		for i := range m {
			m[i] = c[i] + (target[i]-c[i])*t
		}
		ok := true
		for _, bg := range bgs {
			if contrast(m, bg) < 4.5 {
				ok = false
			}
		}
		if ok {
			return fmt.Sprintf("#%02x%02x%02x", int(math.Round(m[0])), int(math.Round(m[1])), int(math.Round(m[2])))
		}
	}
	return fmt.Sprintf("#%02x%02x%02x", int(target[0]), int(target[1]), int(target[2]))
}

func contrast(a, b [3]float64) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is WCAG's relative luminance of an sRGB colour (0–255 each).
func luminance(c [3]float64) float64 {
	lin := func(v float64) float64 {
		v /= 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}

func parseHex(hex string) [3]float64 {
	return [3]float64{
		float64(hexByte(hex[1])*16 + hexByte(hex[2])),
		float64(hexByte(hex[3])*16 + hexByte(hex[4])),
		float64(hexByte(hex[5])*16 + hexByte(hex[6])),
	}
}

// textOn picks black or white text for a #rrggbb background, whichever
// contrasts more, so any workspace colour keeps primary buttons readable.
func textOn(hex string) string {
	c := parseHex(hex)
	if contrast(c, [3]float64{0, 0, 0}) > contrast(c, [3]float64{255, 255, 255}) {
		return "#000"
	}
	return "#fff"
}

func hexByte(b byte) int {
	switch {
	case b >= '0' && b <= '9':
		return int(b - '0')
	case b >= 'a' && b <= 'f':
		return int(b-'a') + 10
	case b >= 'A' && b <= 'F':
		return int(b-'A') + 10
	}
	return 0
}

func validHex(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, r := range s[1:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}

// portalStyle is portal.css inlined in a nonce'd style element: no
// stylesheet request blocks the first paint (docs/design.md "Assets"). The
// stylesheet is our own embedded file, so it cannot close the element. Its
// parts go to the page one after the other: joined into one string first,
// the ~25 KB stylesheet was copied anew for every page.
func portalStyle(nonce string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		for _, part := range [...]string{`<style nonce="`, nonce, `" data-asset="css/portal.css">`, static.CSS("css/portal.css"), `</style>`} {
			if _, err := io.WriteString(w, part); err != nil {
				return err
			}
		}
		return nil
	})
}
