package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// wireBudget is the most a first visit of a page may transfer (document,
// scripts, icon; headers included). Compressed, with htmx (about 16 KB in
// brotli) and the inlined stylesheet, every page is well under it; without
// compression htmx alone is 51 KB.
const wireBudget = 48 << 10

// wireReport is what the browser measured of one page load.
type wireReport struct {
	Total        int      `json:"total"`        // bytes transferred, same origin
	Uncompressed []string `json:"uncompressed"` // text over 1 KiB sent as it is
	Blocking     []string `json:"blocking"`     // render-blocking resources
	HeadBlocking []string `json:"headBlocking"` // stylesheet links, synchronous scripts in <head>
	Static       []string `json:"static"`       // /static/ URLs the page loaded
	Cached       []string `json:"cached"`       // /static/ URLs served from the browser's cache
	Missing      []string `json:"missing"`      // /static/ URLs without immutable caching
	FCP          float64  `json:"fcp"`          // first contentful paint, ms
}

const wireJS = `(async () => {
	const nav = performance.getEntriesByType('navigation')[0];
	const res = performance.getEntriesByType('resource').filter(e => e.name.startsWith(location.origin));
	const all = [nav, ...res];
	const stat = res.filter(e => new URL(e.name).pathname.startsWith('/static/'));
	const missing = [];
	for (const e of stat) {
		const r = await fetch(e.name, {cache: 'no-store'});
		if (r.headers.get('cache-control') !== 'public, max-age=31536000, immutable') missing.push(e.name + ' ' + r.headers.get('cache-control'));
	}
	// The paint entry can trail the load event by a frame or two.
	let fcp;
	for (let i = 0; i < 40 && !(fcp = performance.getEntriesByName('first-contentful-paint')[0]); i++) {
		await new Promise(r => setTimeout(r, 50));
	}
	return {
		total: all.reduce((s, e) => s + e.transferSize, 0),
		uncompressed: all.filter(e => e.transferSize > 0 && e.decodedBodySize >= 1024 && e.encodedBodySize >= e.decodedBodySize
			&& !/\.(png|jpe?g|webp|woff2?)$/.test(new URL(e.name).pathname)).map(e => e.name + ' ' + e.decodedBodySize),
		blocking: all.filter(e => e.renderBlockingStatus === 'blocking').map(e => e.name),
		headBlocking: [...document.head.querySelectorAll('link[rel="stylesheet"], script[src]:not([defer]):not([async]):not([type="module"])')].map(e => e.outerHTML),
		static: stat.map(e => e.name),
		cached: stat.filter(e => e.transferSize === 0).map(e => e.name),
		missing: missing,
		fcp: fcp ? fcp.startTime : -1,
	};
})()`

var hashedStatic = regexp.MustCompile(`/static/.+\.[0-9a-f]{12}\.[a-z]+$`)

// audit is the Lighthouse checks that can fail here (mobile preset's
// "enable text compression", "serve static assets with an efficient cache
// policy", "eliminate render-blocking resources", "avoid enormous network
// payloads", axe for accessibility) run on the page the tab just opened,
// then on a second visit, which must take every static file from the
// browser's cache.
func (tb *tab) audit(name, path string) {
	tb.t.Helper()
	r := value(tb, chromedp.Evaluate[wireReport](wireJS, chromedp.EvalAwaitPromise))
	if len(r.Uncompressed) > 0 {
		tb.t.Errorf("%s: text sent uncompressed: %s", name, strings.Join(r.Uncompressed, ", "))
	}
	if len(r.Blocking) > 0 || len(r.HeadBlocking) > 0 {
		tb.t.Errorf("%s: render-blocking: %s %s", name, strings.Join(r.Blocking, ", "), strings.Join(r.HeadBlocking, ", "))
	}
	if len(r.Static) == 0 {
		tb.t.Errorf("%s: no static file loaded (htmx and portal.js expected)", name)
	}
	for _, u := range r.Static {
		if !hashedStatic.MatchString(u) {
			tb.t.Errorf("%s: %s is not a content-hashed URL", name, u)
		}
	}
	if len(r.Missing) > 0 {
		tb.t.Errorf("%s: static files without immutable caching: %s", name, strings.Join(r.Missing, ", "))
	}
	if r.Total > wireBudget {
		tb.t.Errorf("%s: first visit transferred %d bytes, budget %d", name, r.Total, wireBudget)
	}
	// First contentful paint is logged, not judged: on a shared 2-core
	// machine it swings by seconds with the load, while what decides it
	// (bytes, blocking resources, caching) is judged above.
	tb.t.Logf("%s: first visit %d bytes, FCP %.0f ms, %d static files", name, r.Total, r.FCP, len(r.Static))
	tb.lighter(name) // before axe, which lays out the whole page
	tb.axe(name)

	tb.open(path)
	again := value(tb, chromedp.Evaluate[wireReport](wireJS, chromedp.EvalAwaitPromise))
	if len(again.Cached) != len(again.Static) {
		tb.t.Errorf("%s: second visit fetched static files again: loaded %v, from cache %v", name, again.Static, again.Cached)
	}
	tb.clean(name)
}

// lighter checks what keeps the browser's work on a first visit small, for
// Lighthouse's total blocking time (docs/design.md "Assets"): the inlined
// stylesheet comes minified; the page's text asks for one font family and
// the generic one behind it (each further family is one more font lookup
// for every character the first lacks); nothing on the first screens waits
// for content-visibility (it would be laid out in a second pass, after the
// first paint); the icon is a PNG (an SVG icon is parsed as a document on
// the page's main thread, 10 to 20 ms).
func (tb *tab) lighter(name string) {
	tb.t.Helper()
	r := value(tb, chromedp.Evaluate[struct {
		Style    int      `json:"style"`
		Spare    bool     `json:"spare"`
		Font     string   `json:"font"`
		Deferred []string `json:"deferred"`
		Icons    string   `json:"icons"`
	}](`(() => {
		const css = document.querySelector('style[data-asset]').textContent;
		return {style: css.length, spare: css.includes('/*') || css.includes('\n') || css.includes('  '),
			font: getComputedStyle(document.body).fontFamily,
			deferred: [...document.querySelectorAll('body *')].filter(e => getComputedStyle(e).contentVisibility === 'auto'
				&& getComputedStyle(e).display !== 'table-row-group' && e.getBoundingClientRect().top < 1.5 * innerHeight).map(e => e.tagName + '.' + e.className),
			icons: [...document.querySelectorAll('link[rel~="icon"]')].map(l => l.type + ' ' + new URL(l.href).pathname.split('.').pop()).join(',')};
	})()`))
	if r.Style == 0 || r.Spare {
		tb.t.Errorf("%s: the inlined stylesheet (%d bytes) is not minified", name, r.Style)
	}
	if r.Font != "system-ui, sans-serif" {
		tb.t.Errorf("%s: body font %q, want system-ui, sans-serif", name, r.Font)
	}
	if r.Icons != "image/png png" {
		tb.t.Errorf("%s: icons %q, want one PNG", name, r.Icons)
	}
	if len(r.Deferred) > 0 {
		tb.t.Errorf("%s: content-visibility: auto on the first screens: %v", name, r.Deferred)
	}
}

// longListDeferred: on a phone, the overview's shares far down the list
// are not laid out until they come near the screen, and then they are.
func (tb *tab) longListDeferred() {
	tb.t.Helper()
	tb.setLook(look{375, "light"})
	tb.open("/teamco/portal/overview")
	r := value(tb, chromedp.Evaluate[struct {
		Shares  int  `json:"shares"`
		Skipped bool `json:"skipped"`
		Drawn   bool `json:"drawn"`
	}](`(async () => {
		const all = document.querySelectorAll('.sessions > tbody.session');
		const last = all[all.length - 1];
		if (!last) return {shares: 0};
		const skipped = !last.querySelector('a').checkVisibility({contentVisibilityAuto: true});
		last.scrollIntoView();
		await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
		const drawn = last.querySelector('a').checkVisibility({contentVisibilityAuto: true});
		window.scrollTo(0, 0);
		return {shares: all.length, skipped, drawn};
	})()`, chromedp.EvalAwaitPromise))
	if r.Shares < 5 || !r.Skipped || !r.Drawn {
		tb.t.Errorf("overview at 375 px: %d shares, last one skipped at first: %v, drawn once scrolled to: %v", r.Shares, r.Skipped, r.Drawn)
	}
	tb.setLook(looks[0])
}

// timeWritesJS counts, from DOMContentLoaded on, every change to the text
// of a <time> (installed before the page's own scripts run).
const timeWritesJS = `window.__timeWrites = 0;
document.addEventListener('DOMContentLoaded', () => new MutationObserver(ms => {
	for (const m of ms) { const n = m.target.nodeType === 1 ? m.target : m.target.parentElement; if (n && n.closest('time')) window.__timeWrites++; }
}).observe(document.body, {subtree: true, childList: true, characterData: true}));`

// TestWireLocalTimes: until the server knows the browser's zone it prints
// times in UTC; a browser in UTC leaves those texts alone (rewriting them
// only lays the page out again, a long task on a phone), a browser in
// Tokyo gets them in its zone, and both post their zone.
func TestWireLocalTimes(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		zone   string
		writes bool
	}{{"UTC", false}, {"Asia/Tokyo", true}} {
		tb := e.tab()
		if _, err := chromedp.Call(tb.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: c.zone}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: timeWritesJS}); err != nil {
			t.Fatal(err)
		}
		tb.signInCookie(e.member("teamco", designTeam, "olivia@example.com"))
		tb.open("/teamco/portal/overview")
		if n := tb.count("time[datetime]"); n == 0 {
			t.Fatalf("%s: no times on the overview", c.zone)
		}
		zone := ""
		for i := 0; i < 200 && zone == ""; i++ {
			res, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{e.base + "/"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, ck := range res.Cookies {
				if ck.Name == "portal-tz" {
					zone = ck.Value
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		tb.waitZonePosted()
		if zone == "" {
			t.Errorf("%s: the zone was never posted", c.zone)
		}
		writes := eval[int](tb, `window.__timeWrites`)
		if c.writes != (writes > 0) {
			t.Errorf("%s: %d changes to times (zone cookie %q)", c.zone, writes, zone)
		}
		tb.clean(c.zone)
	}
}

// TestWireAudits: sign-in, overview, settings, billing and team pass the
// over-the-wire audits above (docs/design.md "Assets"). This is the
// Lighthouse-equivalent check in the browser harness: Lighthouse itself
// would add a Node toolchain and minutes per run to make test.
func TestWireAudits(t *testing.T) {
	e := newEnv(t)
	out := e.tab()
	out.open("/teamco/portal/request")
	out.audit("sign in", "/teamco/portal/request")

	owner := e.tab()
	owner.signInCookie(e.member("teamco", designTeam, "olivia@example.com"))
	for _, p := range []string{"overview", "settings", "billing", "team"} {
		path := "/teamco/portal/" + p
		owner.open(path)
		owner.audit(p, path)
	}
	owner.longListDeferred()
	// The browser's time zone is found off the main thread (static/js/tz.js)
	// and still reaches the session: the next page comes without the
	// request for it.
	owner.open("/teamco/portal/overview")
	if eval[bool](owner, `document.documentElement.hasAttribute('data-tz-url')`) {
		t.Error("the time-zone worker did not post the browser's zone into the session")
	}
}
