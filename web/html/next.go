package html

import (
	"net/url"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/views/paths"
	"portal/web/htmx"
)

// maxNext bounds a remembered destination (it travels in a query string,
// a hidden field and the cookie).
const maxNext = 512

// signInPages are never a destination after sign-in: they are the way in.
var signInPages = map[string]bool{"": true, "request": true, "authenticate": true, "authenticate/resend": true,
	"continue": true, "sign-out": true}

// SafeNext returns raw when it is a page of this workspace's portal that
// sign-in may return to, else "" (docs/design.md "Sign-in"): a path
// relative to this origin (no scheme, host or user; not "//x" nor "/\x",
// which browsers read as another host), under /{slug}/portal/, with no
// "." or ".." segments, no backslashes or control characters, and not a
// sign-in page itself. The query is kept, a fragment is dropped.
func SafeNext(slug, raw string) string {
	if raw == "" || len(raw) > maxNext || !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") {
		return ""
	}
	for _, r := range raw {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return ""
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	prefix := paths.Portal(slug) + "/"
	p := u.Path
	if !strings.HasPrefix(p, prefix) || path.Clean(p) != p || strings.Contains(u.RawPath, "%2") {
		return ""
	}
	if signInPages[strings.TrimPrefix(p, prefix)] {
		return ""
	}
	u.Fragment, u.RawFragment = "", ""
	if u.RequestURI() == paths.Page(slug, "overview") {
		return "" // where sign-in lands anyway
	}
	return u.RequestURI()
}

// nextOf is the page a browser sent to sign in was on: the request itself
// for a page load, the page htmx reports for an htmx request. "" when it is
// not one sign-in may return to.
func nextOf(c echo.Context, slug string) string {
	if htmx.IsRequest(c) {
		cur, err := url.Parse(c.Request().Header.Get("HX-Current-URL"))
		if err != nil {
			return ""
		}
		return SafeNext(slug, cur.RequestURI())
	}
	if c.Request().Method != "GET" {
		return ""
	}
	return SafeNext(slug, c.Request().URL.RequestURI())
}

// signInURL is the sign-in page, remembering next when there is one.
func signInURL(slug, next string) string {
	if next == "" {
		return paths.SignIn(slug)
	}
	return paths.SignIn(slug) + "?" + url.Values{"next": {next}}.Encode()
}
