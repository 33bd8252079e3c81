package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

var (
	axeOnce    sync.Once
	axeSource  string
	errAxeLoad error
)

// axe is axe-core's source, copied from npm into static/vendor by
// `make vendor` (which `make test` runs first).
func loadAxe() (string, error) {
	axeOnce.Do(func() {
		b, err := os.ReadFile(filepath.Join("..", "..", "static", "vendor", "axe.min.js"))
		if err != nil {
			errAxeLoad = fmt.Errorf("axe-core is missing (run make vendor): %w", err)
			return
		}
		axeSource = string(b)
	})
	return axeSource, errAxeLoad
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// renderAll lays out what content-visibility: auto leaves until it comes
// near the screen (docs/design.md "Assets"), as scrolling through the page
// would: axe judges the contrast of what is drawn, the width check measures
// it, and a full-page screenshot shows only what is drawn. A constructed
// stylesheet, which the page's CSP does not govern; gone with the page.
func (tb *tab) renderAll() {
	tb.t.Helper()
	tb.run(chromedp.Evaluate[chromedp.Void](`if (!window.__renderAll) { const s = new CSSStyleSheet();
		s.replaceSync('*, *::before, *::after { content-visibility: visible !important; }');
		document.adoptedStyleSheets = [...document.adoptedStyleSheets, s]; window.__renderAll = true; }`))
}

// axe runs axe-core on the current page and fails the test on every
// serious or critical violation.
func (tb *tab) axe(where string) {
	tb.t.Helper()
	tb.renderAll()
	src, err := loadAxe()
	if err != nil {
		tb.t.Fatal(err)
	}
	if !eval[bool](tb, `typeof window.axe === 'object'`) {
		// Evaluated over the DevTools protocol, so the page's CSP (which
		// rightly forbids this script) does not apply.
		tb.run(chromedp.Evaluate[chromedp.Void](src))
	}
	vs := value(tb, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
		.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => ({id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' '))})))`,
		chromedp.EvalAwaitPromise))
	for _, v := range vs {
		tb.t.Errorf("%s: axe %s (%s): %s\n    %s", where, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n    "))
	}
}

// fits fails when the page scrolls sideways at the current width (tables
// may scroll inside their own wrapper; the page itself must not).
func (tb *tab) fits(where string) {
	tb.t.Helper()
	tb.renderAll()
	over := eval[struct {
		Scroll int    `json:"scroll"`
		Width  int    `json:"width"`
		Widest string `json:"widest"`
	}](tb, `(() => { const w = document.documentElement.clientWidth; let widest = '';
		for (const el of document.querySelectorAll('body *')) { const r = el.getBoundingClientRect();
			if (r.right > w + 1 && getComputedStyle(el).position !== 'fixed' && !el.closest('.table-wrap, [data-scroll-x]')) {
				widest = el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).replace(/ /g, '.') : ''); break } }
		return {scroll: document.documentElement.scrollWidth, width: w, widest} })()`)
	if over.Scroll > over.Width+1 {
		tb.t.Errorf("%s: the page is %d px wide in a %d px viewport (first overflowing element: %s)", where, over.Scroll, over.Width, over.Widest)
	}
}

type look struct {
	width int64
	theme string // light or dark (the system preference the page follows)
}

var looks = []look{{1280, "light"}, {1280, "dark"}, {375, "light"}, {375, "dark"}}

func (tb *tab) setLook(l look) {
	tb.t.Helper()
	h := int64(900)
	if l.width < 600 {
		h = 780
	}
	tb.run(chromedp.EmulateViewport(l.width, h))
	if _, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: l.theme}}}); err != nil {
		tb.t.Fatal(err)
	}
}

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

// check runs every page check on the page as it is now: no console errors
// or CSP violations so far, and at both widths and in both themes no
// serious accessibility violation and no sideways scrolling. With
// PORTAL_SCREENSHOTS set (make screenshots) it also writes a PNG per look.
func (tb *tab) check(name string) {
	tb.t.Helper()
	tb.clean(name)
	for _, l := range looks {
		tb.setLook(l)
		where := fmt.Sprintf("%s @%dpx %s", name, l.width, l.theme)
		tb.axe(where)
		tb.fits(where)
		if dir := screenshotDir(); dir != "" {
			// From the top: a click further down scrolled the page, and the
			// sticky navigation would be drawn where the viewport was.
			tb.run(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
			tb.renderAll()
			png := value(tb, chromedp.FullScreenshot(100))
			file := fmt.Sprintf("%s-%d-%s.png", strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(name), "-"), "-"), l.width, l.theme)
			if err := os.WriteFile(filepath.Join(dir, file), png, 0o644); err != nil {
				tb.t.Fatal(err)
			}
		}
	}
	tb.setLook(looks[0])
	tb.clean(name + " (while checking)")
}

// focusVisible reports whether the focused element draws a focus ring.
func (tb *tab) focusVisible() (string, bool) {
	tb.t.Helper()
	r := eval[struct {
		Desc    string `json:"desc"`
		Visible bool   `json:"visible"`
	}](tb, `(() => { const el = document.activeElement; if (!el || el === document.body) return {desc: 'body', visible: false};
		const s = getComputedStyle(el); const box = el.getBoundingClientRect();
		const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== 'none');
		return {desc: el.tagName.toLowerCase() + ' ' + (el.getAttribute('data-testid') || el.className || el.textContent.trim().slice(0, 30)),
			visible: ring && box.width > 0 && box.height > 0 && box.bottom > 0} })()`)
	return r.Desc, r.Visible
}

// press sends one key (Tab, Enter, Escape…) to the page.
func (tb *tab) press(key string) {
	tb.t.Helper()
	tb.run(chromedp.KeyEvent(key))
}
