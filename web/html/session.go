package html

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/views/layout"
	"portal/views/paths"
	"portal/web/htmx"
	"portal/web/middleware"
	"portal/web/session"
)

const (
	keyBrowser = "portal.browser_session"
	keyState   = "portal.cookie_state"
	// keySessionEnded marks a request whose browser session had ended
	// (idle or absolute expiry, revoked): sign-in says so.
	keySessionEnded = "portal.session_ended"
	// csrfContextKey is where echo's CSRF middleware leaves the token.
	csrfContextKey = "csrf"
	// CSRFField is the hidden input every form carries.
	CSRFField = "_csrf"
)

// tokenParams are the pre-authenticated link parameters (D11).
var tokenParams = []string{"customer_session_token", "member_session_token"}

// Cookies is the pages' cookie store (tests use it to sign a client in).
func (h *Handlers) Cookies() *session.Store { return h.cookies }

// PageSession loads the browser session (cookie → server-side row, D19)
// and sets the principal. Pages ignore bearer tokens (D21): only the cookie
// counts. A pre-authenticated link's token (D11) never signs in by itself:
// it is taken off the URL and the browser is asked to continue (D23).
func (h *Handlers) PageSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// Everything under the portal is personal or part of sign-in:
		// never cached, so the back button after sign-out shows nothing.
		c.Response().Header().Set("Cache-Control", "no-store")
		ws := Workspace(c)
		st, ok := c.Get(keyState).(*session.State) // read by LoadWorkspace
		if !ok {
			read := h.cookies.Read(c.Request())
			st = &read
			c.Set(keyState, st)
		}
		if ws != nil {
			if err := h.loadSession(c, st, ws.ID); err != nil {
				return err
			}
		}
		if m := c.Request().Method; m == http.MethodGet || m == http.MethodHead {
			// Links are followed with GET; a token on a form post is ignored.
			q := c.Request().URL.Query()
			for _, name := range tokenParams {
				if q.Has(name) {
					return h.takeLinkToken(c, q.Get(name), st)
				}
			}
			if ws != nil && st.Link.Fresh && st.Link.WorkspaceID == ws.ID && !htmx.IsRequest(c) {
				// The page a link named, just without its token: ask first.
				st.Link.Fresh = false
				if err := h.writeState(c, *st); err != nil {
					return err
				}
				if c.Path() != paths.Prefix+"/continue" {
					return c.Redirect(http.StatusSeeOther, paths.Page(Workspace(c).Slug, "continue"))
				}
			}
		}
		return next(c)
	}
}

// loadSession sets the principal from this workspace's browser session.
// One session per workspace (D25): another workspace's session in the same
// cookie is neither used nor touched here.
func (h *Handlers) loadSession(c echo.Context, st *session.State, ws uuid.UUID) error {
	sid := st.Session(ws)
	if sid == uuid.Nil {
		return nil
	}
	var bs *auth.BrowserSession
	var err error
	if pre, ok := c.Get(keyPreloaded).(preloaded); ok {
		// LoadWorkspace read it with the workspace; none live is what Load
		// says with apperr.Unauthorized.
		if bs = pre.bs; bs == nil {
			err = apperr.Unauthorized()
		}
	} else {
		bs, err = h.S.Browser.Load(c.Request().Context(), sid, ws)
	}
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Kind == apperr.KindUnauthenticated {
			// Expired, revoked, or its owner is gone: forget it. The route
			// guard sends the browser to sign in, saying why.
			c.Set(keySessionEnded, true)
			h.noteEndedSession(c, st, sid, ws)
			st.DropSession(ws)
			return h.writeState(c, *st)
		}
		return err
	}
	middleware.SetPrincipal(c, bs.Principal)
	c.Set(keyBrowser, bs)
	return nil
}

// startSession begins a new browser session for subject (code sign-in);
// see signIn.
func (h *Handlers) startSession(c echo.Context, st *session.State, subject auth.BrowserSubject) error {
	return h.signIn(c, st, subject.WorkspaceID, func(ctx context.Context) (uuid.UUID, error) {
		return h.S.Browser.CreateWith(ctx, subject, h.signInMeta(c, auth.MethodCode))
	})
}

// signInMeta is what a new browser session records about this request's
// browser for the devices page (issue 18).
// It is kept on the request too, for the sign-in event signIn records.
func (h *Handlers) signInMeta(c echo.Context, m auth.Method) auth.SignInMeta {
	meta := auth.SignInMeta{UserAgent: c.Request().UserAgent(), ClientIP: c.RealIP(), Method: m}
	c.Set(keySignInMeta, meta)
	return meta
}

// keySignInMeta holds this request's sign-in metadata (signInMeta).
const keySignInMeta = "portal.sign_in_meta"

// recordSignIn writes the sign-in event of the new session id and, when
// this browser's device cookie (D26) does not know the account yet, lets
// the service queue the "new sign-in" heads-up (issue 18). A failure here
// does not fail the sign-in.
func (h *Handlers) recordSignIn(c echo.Context, id, ws uuid.UUID) {
	ctx := c.Request().Context()
	meta, _ := c.Get(keySignInMeta).(auth.SignInMeta)
	bs, err := h.S.Browser.Load(ctx, id, ws)
	if err == nil {
		known := false
		for _, p := range h.S.SignIn.Devices.Known(h.deviceValue(c)) {
			known = known || p == bs.Principal.DeviceID()
		}
		err = h.S.Browser.RecordSignIn(ctx, bs, meta, known)
	}
	if err != nil {
		middleware.Log(c).Warn("sign-in event not recorded", "error", err.Error())
	}
}

// signIn is the one place a browser sign-in completes, whatever the path
// (code, link, and later passkeys): create makes the new browser session
// for workspace ws (a new session at every sign-in, D19); then the one the
// browser had in that workspace is revoked (other workspaces are left
// alone, D25), a new CSRF token is issued (D27), the device cookie names
// the new principal (D26), and the cookie is written with any pending
// sign-in request or link cleared. Anything else that must happen at every
// sign-in belongs here: the sign-in event and its heads-up mail are. When create fails nothing changes.
func (h *Handlers) signIn(c echo.Context, st *session.State, ws uuid.UUID, create func(context.Context) (uuid.UUID, error)) error {
	ctx := c.Request().Context()
	id, err := create(ctx)
	if err != nil {
		return err
	}
	if old := st.Session(ws); old != uuid.Nil {
		if err := h.S.Browser.Revoke(ctx, old); err != nil {
			return err
		}
	}
	// The browser's time zone is the browser's, not the account's: it stays.
	next := session.State{Sessions: st.Sessions, Flash: st.Flash, FlashKind: st.FlashKind, Switch: st.Switch, TimeZone: st.TimeZone}
	if st.Kept.Page != "" {
		// Form content kept when the last session ended waits only for
		// the same person (docs/design.md "Kept form content").
		who, err := h.S.Browser.SubjectOf(ctx, id, ws)
		if err != nil {
			return err
		}
		next.Kept = carryKept(st.Kept, ws, who)
	}
	next.SetSession(ws, id)
	next.SetSwitch(ws, st.Picked)
	*st = next
	h.rotateCSRF(c)
	h.recordSignIn(c, id, ws)
	h.rememberDevice(c, id, ws)
	return h.writeState(c, *st)
}

// state is this request's cookie state (read once by PageSession).
func (h *Handlers) state(c echo.Context) *session.State {
	if st, ok := c.Get(keyState).(*session.State); ok {
		return st
	}
	st := h.cookies.Read(c.Request())
	c.Set(keyState, &st)
	return &st
}

func (h *Handlers) writeState(c echo.Context, st session.State) error {
	c.Set(keyState, &st)
	return h.cookies.Write(c.Response(), c.Request(), st)
}

// setFlash keeps a one-shot message for the next page.
func (h *Handlers) setFlash(c echo.Context, kind, msg string) error {
	st := *h.state(c)
	st.Flash, st.FlashKind = msg, kind
	return h.writeState(c, st)
}

// takeFlash returns and clears the pending flash message.
func (h *Handlers) takeFlash(c echo.Context) (string, string) {
	st := h.state(c)
	if st.Flash == "" {
		return "", ""
	}
	msg, kind := st.Flash, st.FlashKind
	next := *st
	next.Flash, next.FlashKind = "", ""
	if err := h.writeState(c, next); err != nil {
		middleware.Log(c).Warn("flash not cleared", "error", err.Error())
	}
	return msg, kind
}

// RequireSignedIn sends anonymous visitors to sign in.
func (h *Handlers) RequireSignedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if middleware.Principal(c) == nil {
			return h.redirectToSignIn(c)
		}
		return next(c)
	}
}

// redirectToSignIn: 303 for a page, HX-Redirect for an htmx request (its
// session expired while the page was open). The sign-in page gets the page
// the browser was on as next (a safe, same-portal path), and a session
// that just ended says so: "Your session ended — sign in to continue."
func (h *Handlers) redirectToSignIn(c echo.Context) error {
	ws := Workspace(c)
	target := "/"
	if ws != nil {
		next := nextOf(c, ws.Slug)
		// A form posted as its session ended keeps what was typed, and
		// sign-in returns to its page.
		page, err := h.keepPostedForm(c, ws)
		if err != nil {
			return err
		}
		if next == "" {
			next = page
		}
		target = signInURL(ws.Slug, next)
		if ended, _ := c.Get(keySessionEnded).(bool); ended {
			if err := h.setFlash(c, "warn", h.locale(c).T("signin.extra.session_ended")); err != nil {
				return err
			}
		}
	}
	if htmx.IsRequest(c) {
		c.Response().Header().Set("HX-Redirect", target)
		return c.NoContent(http.StatusUnauthorized)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// csrfToken returns this request's CSRF token and its form field name.
func csrfToken(c echo.Context) (string, string) {
	tok, _ := c.Get(csrfContextKey).(string)
	return tok, CSRFField
}

// csrfCookieName is echo's CSRF cookie: __Host- over https.
func csrfCookieName(secure bool) string {
	if secure {
		return "__Host-csrf"
	}
	return "csrf"
}

// csrfMiddleware is D21's pair: Go's cross-origin protection (Sec-Fetch-Site
// and Origin) and echo's token, carried in the _csrf hidden input or, for
// htmx, the X-CSRF-Token header, never in the query string (D27). Failures
// are echo 403/400 errors, which web/errors.go renders as the friendly
// "Your form expired" page.
// CSRF is the page routes' cross-site request protection (D21, D27): Go's
// cross-origin check plus echo's token.
func CSRF(secure bool) []echo.MiddlewareFunc {
	cop := http.NewCrossOriginProtection()
	origin := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := cop.Check(c.Request()); err != nil {
				return echo.NewHTTPError(http.StatusForbidden, "cross-origin request refused")
			}
			return next(c)
		}
	}
	token := echomw.CSRFWithConfig(echomw.CSRFConfig{
		TokenLookup:    "form:" + CSRFField + ",header:X-CSRF-Token",
		ContextKey:     csrfContextKey,
		CookieName:     csrfCookieName(secure),
		CookiePath:     "/",
		CookieMaxAge:   int(session.MaxAge.Seconds()),
		CookieSecure:   secure,
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteStrictMode,
	})
	return []echo.MiddlewareFunc{origin, bodyOnlyCSRF, token}
}

// bodyOnlyCSRF keeps a _csrf query parameter away from echo's "form:"
// lookup, which reads r.Form (query and body merged): after the body is
// parsed, r.Form's _csrf is exactly the body's, so a token that leaked into
// a URL (logs, Referer, history) never authorizes a post (D27).
func bodyOnlyCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			return next(c)
		}
		if r.Form == nil {
			// What echo's lookup would do; a malformed body leaves r.Form
			// holding what could be read, and the token check fails.
			_ = r.ParseMultipartForm(32 << 20)
		}
		if r.Form == nil {
			r.Form = url.Values{}
		}
		if v := r.PostForm[CSRFField]; len(v) > 0 {
			r.Form[CSRFField] = append([]string(nil), v...)
		} else {
			delete(r.Form, CSRFField)
		}
		return next(c)
	}
}

// rotateCSRF issues a new CSRF token (D27): at sign-in and at sign-out the
// browser gets a fresh cookie, replacing the one echo's middleware set on
// this response, so a token seen before the change of identity stops
// working. Pages rendered later in this request use the new token.
func (h *Handlers) rotateCSRF(c echo.Context) {
	var b [24]byte
	_, _ = rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	secure := h.S.Config.Secure()
	name := csrfCookieName(secure)
	hdr := c.Response().Header()
	old := hdr.Values("Set-Cookie")
	hdr.Del("Set-Cookie")
	for _, v := range old {
		if !strings.HasPrefix(v, name+"=") {
			hdr.Add("Set-Cookie", v)
		}
	}
	c.SetCookie(&http.Cookie{Name: name, Value: tok, Path: "/", Expires: time.Now().Add(session.MaxAge),
		Secure: secure, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	c.Set(csrfContextKey, tok)
}

// fillUser puts the signed-in person into the page data.
func (h *Handlers) fillUser(c echo.Context, m *layout.Meta) {
	bs, _ := c.Get(keyBrowser).(*auth.BrowserSession)
	p := middleware.Principal(c)
	if p == nil {
		return
	}
	u := &layout.User{Role: p.Role, CanBill: p.CanBill(), CanTeam: p.CanManageTeam() && p.CustomerType == "team",
		CanSwitch: h.state(c).CanSwitch(p.WorkspaceID)}
	if bs != nil {
		u.Name, u.Email, u.Account = bs.Name, bs.Email, bs.Account
	}
	m.User = u
	if p.ReturnURL != nil && isHTTPS(*p.ReturnURL) {
		m.ReturnURL = *p.ReturnURL
	}
}

func isHTTPS(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

// Entry is /{slug}/portal: overview when signed in, else sign-in.
func (h *Handlers) Entry(c echo.Context) error {
	ws := Workspace(c)
	if middleware.Principal(c) != nil {
		return c.Redirect(http.StatusSeeOther, paths.Page(ws.Slug, "overview"))
	}
	return c.Redirect(http.StatusSeeOther, paths.SignIn(ws.Slug))
}
