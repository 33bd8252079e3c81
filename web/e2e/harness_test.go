// Package e2e drives the portal's pages in headless Chromium (Debian's
// chromium, through chromedp): the real server on a loopback port, a
// private database seeded with the demo data, the card sandbox and an
// in-process SMTP sink. Every page visited is checked for console errors,
// CSP violations and serious accessibility violations (axe-core from npm).
package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/app"
	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/demo"
	"portal/internal/testkit"
	"portal/web/session"
	"portal/web/webtest"
)

const testSecret = "0123456789abcdef0123456789abcdef-e2e-browser"

var (
	browserOnce     sync.Once
	browserCtx      context.Context // the one Chromium process every test opens tabs in
	errBrowserStart error
	browserCancel   = func() {}
)

func TestMain(m *testing.M) {
	code := testkit.Main(m)
	browserCancel()
	os.Exit(code)
}

// chromiumPath finds Debian's chromium. A missing browser fails the tests
// (it never skips them): .ci/run installs it with apt-get.
func chromiumPath() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH: install Debian's chromium (apt-get install chromium) or set CHROMIUM")
}

// browser starts Chromium once per package run.
func browser(t *testing.T) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		path, err := chromiumPath()
		if err != nil {
			errBrowserStart = err
			return
		}
		dir, err := os.MkdirTemp("", "portal-e2e-chromium-")
		if err != nil {
			errBrowserStart = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.UserDataDir(dir),
			chromedp.NoSandbox, // CI runs as root
			chromedp.DisableGPU,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
			chromedp.WindowSize(1280, 900),
		)
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		if err := chromedp.Do(ctx); err != nil {
			cancelCtx()
			cancelAlloc()
			errBrowserStart = fmt.Errorf("start chromium %s: %w", path, err)
			return
		}
		browserCtx = ctx
		browserCancel = func() {
			cancelCtx()
			cancelAlloc()
			_ = os.RemoveAll(dir)
		}
	})
	if errBrowserStart != nil {
		t.Fatal(errBrowserStart)
	}
	return browserCtx
}

// env is one portal server with the demo data on its own database.
type env struct {
	t    *testing.T
	s    *webtest.Server
	pool *pgxpool.Pool
	svc  *app.Services
	sink *testkit.SMTPSink
	base string // http://127.0.0.1:port
}

func newEnv(t *testing.T) *env { return newEnvWith(t, nil) }

// newDevEnv is newEnv in development mode (for the page sweep): the same
// server, data and sink, plus the development-only pages (/_dev/mail) that
// an independent run of `portal dev` would also open.
func newDevEnv(t *testing.T) *env {
	return newEnvWith(t, func(cfg *config.Config, _ string) { cfg.Env = "development" })
}

// newEnvWith is newEnv with a hook that adjusts the configuration before the
// services are built (the linked-accounts journey points the OAuth
// providers at a fake).
func newEnvWith(t *testing.T, configure func(cfg *config.Config, base string)) *env {
	t.Helper()
	pool := testkit.DB(t)
	// The demo data is there before the server starts, as with `portal dev`.
	if _, err := demo.Seed(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	s := webtest.NewServer(t, webtest.Options{Pool: pool, Mail: true, Start: true, Listen: true,
		Config: func(cfg *config.Config) {
			cfg.Secret, cfg.Payments = testSecret, "sandbox"
			if configure != nil {
				configure(cfg, cfg.BaseURL)
			}
		},
		Services: func(svc *app.Services) { svc.SignIn.Floor = 0 },
	})
	return &env{t: t, s: s, pool: pool, svc: s.Services, sink: s.Mail, base: s.BaseURL}
}

func (e *env) url(path string) string { return e.base + path }

// customer returns the id of the demo customer with that email in the
// workspace with that slug.
func (e *env) customer(slug, email string) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	err := e.pool.QueryRow(context.Background(), `SELECT c.id FROM customers c JOIN workspaces w ON w.id = c.workspace_id
		WHERE w.slug = $1 AND c.email = $2 AND c.deleted_at IS NULL`, slug, email).Scan(&id)
	if err != nil {
		e.t.Fatalf("customer %s/%s: %v", slug, email, err)
	}
	return id
}

// member returns the ids of the demo member with that email in the team
// customer with that email.
func (e *env) member(slug, customerEmail, memberEmail string) (customerID, memberID uuid.UUID) {
	e.t.Helper()
	customerID = e.customer(slug, customerEmail)
	err := e.pool.QueryRow(context.Background(), `SELECT id FROM members WHERE customer_id = $1 AND email = $2 AND deleted_at IS NULL`,
		customerID, memberEmail).Scan(&memberID)
	if err != nil {
		e.t.Fatalf("member %s in %s: %v", memberEmail, customerEmail, err)
	}
	return customerID, memberID
}

var codeRE = regexp.MustCompile(`\b[0-9A-Z]{4}-[0-9A-Z]{4}\b`)

// code waits for the next sign-in mail to `to` and returns its code.
func (e *env) code(to string) string {
	e.t.Helper()
	m := e.sink.WaitFor(e.t, to, 15*time.Second)
	c := codeRE.FindString(m.Text)
	if c == "" {
		e.t.Fatalf("no code in mail to %s: %q", to, m.Text)
	}
	return c
}

// tab is one isolated browser context (its own cookies and storage) with a
// recorder of everything the page complains about.
type tab struct {
	t   *testing.T
	e   *env
	ctx context.Context

	mu       sync.Mutex
	problems []string // console errors, exceptions, CSP violations, failed loads
	allowed  []string // substrings of problems a test expects (e.g. its own 404)
	dialogs  []string // alert/confirm/prompt texts (an XSS payload would fire one)
}

func (e *env) tab() *tab {
	e.t.Helper()
	ctx, cancel := chromedp.NewContext(browser(e.t), chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	tb := &tab{t: e.t, e: e, ctx: ctx}
	e.t.Cleanup(func() {
		cancelTimeout()
		cancel()
	})
	if err := chromedp.Listen(ctx, tb.listen); err != nil {
		e.t.Fatal(err)
	}
	// The listener is in place before any page loads. A CSP violation is
	// reported by the page itself too, so one never goes unnoticed even if
	// Chromium's own log message for it changes.
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `document.addEventListener('securitypolicyviolation',
			e => console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI));`}); err != nil {
		e.t.Fatal(err)
	}
	return tb
}

func (tb *tab) listen(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch ev := ev.(type) {
	case *cdpruntime.EventConsoleAPICalled:
		if ev.Type == cdpruntime.ConsoleAPICalledTypeError || ev.Type == cdpruntime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			tb.problems = append(tb.problems, "console."+string(ev.Type)+": "+strings.Join(parts, " "))
		}
	case *cdpruntime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		tb.problems = append(tb.problems, "exception: "+msg)
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == "error" || ev.Entry.Source == "security" {
			tb.problems = append(tb.problems, "log "+string(ev.Entry.Source)+": "+ev.Entry.Text+" "+ev.Entry.URL)
		}
	case *page.EventJavascriptDialogOpening:
		tb.dialogs = append(tb.dialogs, string(ev.Type)+": "+ev.Message)
		go func() {
			_, _ = chromedp.Call(tb.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}()
	}
}

// allow marks problems containing s as expected (for example the 404 of a
// page the test opens on purpose).
func (tb *tab) allow(s string) {
	tb.mu.Lock()
	tb.allowed = append(tb.allowed, s)
	tb.mu.Unlock()
}

// clean fails the test when the page logged any unexpected problem or
// opened a JavaScript dialog, and resets the record.
func (tb *tab) clean(where string) {
	tb.t.Helper()
	tb.mu.Lock()
	var bad []string
	for _, p := range tb.problems {
		ok := false
		for _, a := range tb.allowed {
			if strings.Contains(p, a) {
				ok = true
			}
		}
		if !ok {
			bad = append(bad, p)
		}
	}
	bad = append(bad, tb.dialogs...)
	tb.problems, tb.dialogs = nil, nil
	tb.mu.Unlock()
	if len(bad) > 0 {
		tb.t.Errorf("%s: the page reported problems:\n  %s", where, strings.Join(bad, "\n  "))
	}
}

func (tb *tab) run(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		_, file, line, _ := runtime.Caller(1)
		tb.t.Fatalf("%s:%d: browser: %v (at %s)", filepath.Base(file), line, err, tb.location())
	}
}

func (tb *tab) location() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// open navigates to path (relative to the server) and waits for the body.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.run(chromedp.Navigate(tb.e.url(path)))
	tb.waitLoaded()
}

// path is the current location without the scheme and host.
func (tb *tab) path() string {
	return strings.TrimPrefix(tb.location(), tb.e.base)
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return strings.TrimSpace(value(tb, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// value runs one action that yields a value, failing the test on error.
func value[T any](tb *tab, a chromedp.Action[T]) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, a)
	if err != nil {
		_, file, line, _ := runtime.Caller(1)
		tb.t.Fatalf("%s:%d: browser: %v (at %s)", filepath.Base(file), line, err, tb.location())
	}
	return v
}

// eval evaluates a JS expression and decodes its value.
func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	return value(tb, chromedp.Evaluate[T](js))
}

// count is the number of elements matching a CSS selector right now.
func (tb *tab) count(sel string) int {
	tb.t.Helper()
	return eval[int](tb, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

// waitFor polls a JS condition until it holds (HTMX swaps are async).
func (tb *tab) waitFor(cond string) {
	tb.t.Helper()
	value(tb, chromedp.Poll[bool](`(`+cond+`) && `+htmxSettled, chromedp.WithPollingTimeout(15*time.Second)))
}

// htmxSettled holds once no HTMX request, swap or settle is under way and
// htmx has wired every hx-* element on the page. A swapped-in form is
// plain HTML for the few milliseconds before that: a click then would
// submit it without HTMX (which works, as it does without JavaScript, but
// is not the journey under test).
const htmxSettled = `(typeof window.htmx === 'undefined' || !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added') &&
	[...document.querySelectorAll('[hx-get], [hx-post], [hx-put], [hx-patch], [hx-delete]')].every(el => {
		const d = el['htmx-internal-data']; return !!(d && d.initHash) }))`

func tid(id string) string { return `[data-testid="` + id + `"]` }

// signInCookie signs the tab in without the mail round trip: it creates a
// browser session row as the sign-in would and sets its cookie. Journeys
// that test the sign-in itself go through the pages instead.
func (tb *tab) signInCookie(customerID, memberID uuid.UUID) {
	tb.t.Helper()
	e := tb.e
	// The page may still be posting the browser's time zone; that answer
	// rewrites the page cookie from the state it was sent with, and would
	// replace the session set here if it arrived after it.
	tb.waitZonePosted()
	var ws uuid.UUID
	if err := e.pool.QueryRow(context.Background(), `SELECT workspace_id FROM customers WHERE id = $1`, customerID).Scan(&ws); err != nil {
		tb.t.Fatal(err)
	}
	id, err := e.svc.Browser.Create(context.Background(), auth.BrowserSubject{WorkspaceID: ws, CustomerID: customerID, MemberID: memberID}, "e2e")
	if err != nil {
		tb.t.Fatal(err)
	}
	ck, err := session.New([]byte(e.svc.Config.Secret), e.svc.Config.Secure()).Encode(session.SignedIn(ws, id))
	if err != nil {
		tb.t.Fatal(err)
	}
	httpOnly := true
	if _, err := chromedp.Call(tb.ctx, network.SetCookie, network.SetCookieParams{Name: ck.Name, Value: ck.Value,
		URL: e.base + "/", Path: "/", HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax}); err != nil {
		tb.t.Fatal(err)
	}
}

// signIn goes through the real sign-in pages: email, then the code read
// from the SMTP sink. pick, when set, is the account picker's choice (the
// customer's name shown in the picker).
func (tb *tab) signIn(slug, email, pick string) {
	tb.t.Helper()
	tb.open("/" + slug + "/portal/request")
	tb.run(chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), email))
	tb.clickNav(tid("request-submit"))
	if pick != "" {
		tb.run(chromedp.WaitVisible(chromedp.CSS(tid("picker-form"))))
		tb.check("account picker")
		tb.choose(pick)
		tb.clickNav(tid("picker-continue"))
	}
	tb.run(chromedp.WaitVisible(chromedp.CSS(tid("code-form"))))
	code := tb.e.code(email)
	tb.run(chromedp.SendKeys(chromedp.CSS(`input[name="code"]`), code))
	tb.clickNav(tid("code-submit"))
	if p := tb.path(); !strings.HasSuffix(p, "/portal/overview") {
		tb.t.Fatalf("after the code: at %s, want the overview", p)
	}
}

// clickNav clicks sel and waits until the browser has loaded the next
// document (a form post, a link, a redirect chain).
func (tb *tab) clickNav(sel string) {
	tb.t.Helper()
	tb.run(chromedp.Evaluate[chromedp.Void](`window.__e2eOld = true`), chromedp.Click(chromedp.CSS(sel)))
	tb.waitLoaded()
}

// waitLoaded waits for a new document to finish loading after an action
// that navigates (the old one is marked by __e2eOld).
func (tb *tab) waitLoaded() {
	tb.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!window.__e2eOld && document.readyState === 'complete'`))
		cancel()
		if err == nil && done {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Say what the old page was doing, so a failure under load can be read.
	ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
	defer cancel()
	state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({old: !!window.__e2eOld, ready: document.readyState,
		dialog: !!document.querySelector('dialog[open]'), focus: document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : '',
		pending: [...document.querySelectorAll('button[disabled]')].map(b => b.textContent.trim()).join(',')})`))
	tb.t.Fatalf("no new page loaded (at %s; page state %s)", tb.location(), state)
}

// choose clicks the picker option whose label contains text.
func (tb *tab) choose(text string) {
	tb.t.Helper()
	ok := eval[bool](tb, fmt.Sprintf(`(() => { for (const l of document.querySelectorAll('[data-testid="account-choice"]')) {
		if (l.textContent.includes(%q)) { (l.querySelector('input') || l).click(); return true } } return false })()`, text))
	if !ok {
		tb.t.Fatalf("no account choice %q in the picker", text)
	}
}

// screenshotDir is where `make screenshots` asks the page sweep to write.
func screenshotDir() string { return os.Getenv("PORTAL_SCREENSHOTS") }

// get fetches path with plain HTTP (for headers and downloads the browser
// would not show), carrying the tab's cookies.
func (tb *tab) get(path string) *http.Response {
	tb.t.Helper()
	res, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{tb.e.base + "/"}})
	if err != nil {
		tb.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, tb.e.url(path), nil)
	for _, c := range res.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// waitZonePosted waits (at most 10 s) until the page has no time-zone post
// on its way (portal.js marks <html data-zone-posting> while it is).
func (tb *tab) waitZonePosted() {
	tb.t.Helper()
	for i := 0; i < 200; i++ {
		if !eval[bool](tb, `!!document.documentElement && document.documentElement.hasAttribute("data-zone-posting")`) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.t.Fatalf("the time-zone post never finished (at %s)", tb.location())
}
