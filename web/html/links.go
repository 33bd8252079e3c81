package html

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/validate"
	"portal/views/paths"
	"portal/views/signin"
	"portal/web/htmx"
	"portal/web/middleware"
	"portal/web/session"
)

// Pre-authenticated links (D11, D23). A GET with ?customer_session_token=
// or ?member_session_token= signs nobody in: the token is taken off the
// URL at once (303 to the same page without it) and only a reference to it
// is kept in the encrypted cookie; the next page view asks "Continue as
// <email> · <workspace>" at /{slug}/portal/continue, and only the POST of
// that page (CSRF-protected) creates the browser session. This closes login
// CSRF: a link planted by someone else cannot sign a visitor into the
// planter's account without the visitor's own click on a page that names
// the account.

const (
	msgLinkUsed    = "signin.link_used"
	msgLinkExpired = "signin.link_expired"
)

// takeLinkToken strips the link token (and the email that rides along)
// from the URL. When the link's own person is already signed in here the
// browser just goes to the clean URL; otherwise the link is remembered for
// the continue page.
func (h *Handlers) takeLinkToken(c echo.Context, token string, st *session.State) error {
	ws := Workspace(c)
	q := c.Request().URL.Query()
	email := q.Get("email")
	for _, name := range tokenParams {
		q.Del(name)
	}
	q.Del("email")
	target := c.Request().URL.Path
	if enc := q.Encode(); enc != "" {
		target += "?" + enc
	}
	toSignIn := func() error {
		to := paths.SignIn(c.Param("slug"))
		if email != "" && len(email) <= validate.MaxEmail {
			to += "?" + url.Values{"email": {email}}.Encode()
		}
		return c.Redirect(http.StatusSeeOther, to)
	}
	ref := h.S.Browser.LinkRef(token)
	if ws == nil || ref == "" {
		return toSignIn()
	}
	inv, err := h.S.Browser.Link(c.Request().Context(), ref, ws.ID)
	if err != nil {
		if apperr.IsKind(err, apperr.KindUnauthenticated) {
			return toSignIn()
		}
		return err
	}
	if samePrincipal(middleware.Principal(c), inv.Subject) {
		return c.Redirect(http.StatusSeeOther, target)
	}
	if inv.Used {
		st.Link = session.Link{}
		st.Flash, st.FlashKind = h.locale(c).T(msgLinkUsed), "error"
		if err := h.writeState(c, *st); err != nil {
			return err
		}
		return toSignIn()
	}
	st.Link = session.Link{WorkspaceID: ws.ID, Ref: ref, Next: target, Fresh: true}
	if err := h.writeState(c, *st); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// samePrincipal reports whether p (the signed-in browser session) is the
// person subject names.
func samePrincipal(p *auth.Principal, s auth.BrowserSubject) bool {
	if p == nil || p.WorkspaceID != s.WorkspaceID || p.CustomerID != s.CustomerID {
		return false
	}
	if p.IsMember() {
		return p.MemberID == s.MemberID
	}
	return s.MemberID == uuid.Nil
}

// pendingLink is this workspace's link waiting for "Continue", or nil.
func (h *Handlers) pendingLink(c echo.Context) *session.Link {
	st := h.state(c)
	if ws := Workspace(c); ws == nil || st.Link.Ref == "" || st.Link.WorkspaceID != ws.ID {
		return nil
	}
	l := st.Link
	return &l
}

// linkNext is where a link leads after continuing: the page it named,
// always inside this workspace's portal.
func linkNext(c echo.Context, next string) string {
	home := paths.Portal(Workspace(c).Slug)
	rest, ok := strings.CutPrefix(next, paths.Portal(c.Param("slug")))
	if !ok || (rest != "" && rest[0] != '/' && rest[0] != '?') || strings.Contains(next, "//") || strings.Contains(next, `\`) {
		return home
	}
	return next
}

// linkFailed forgets the link and sends the browser to sign in, saying why.
func (h *Handlers) linkFailed(c echo.Context, err error) error {
	ae, ok := apperr.As(err)
	if !ok || (ae.Kind != apperr.KindUnauthenticated && ae.Name != auth.ErrLinkUsed().Name) {
		return err
	}
	st := *h.state(c)
	st.Link = session.Link{}
	st.Flash, st.FlashKind = h.locale(c).T(msgLinkExpired), "error"
	if ae.Name == auth.ErrLinkUsed().Name {
		st.Flash = h.locale(c).T(msgLinkUsed)
	}
	if err := h.writeState(c, st); err != nil {
		return err
	}
	return htmx.Redirect(c, paths.Page(Workspace(c).Slug, "request"))
}

// ContinuePage is GET /{slug}/portal/continue: "Continue as <email> ·
// <workspace>", one button that POSTs here. When someone else is signed in
// to this workspace, the page says that continuing switches accounts.
func (h *Handlers) ContinuePage(c echo.Context) error {
	link := h.pendingLink(c)
	if link == nil {
		return c.Redirect(http.StatusSeeOther, paths.Portal(Workspace(c).Slug))
	}
	inv, err := h.S.Browser.Link(c.Request().Context(), link.Ref, Workspace(c).ID)
	if err == nil && inv.Used {
		err = auth.ErrLinkUsed()
	}
	if err != nil {
		return h.linkFailed(c, err)
	}
	if samePrincipal(middleware.Principal(c), inv.Subject) {
		st := *h.state(c)
		st.Link = session.Link{}
		if err := h.writeState(c, st); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, linkNext(c, link.Next))
	}
	m := h.Meta(c, "title.continue", "")
	p := signin.ContinueProps{Action: paths.Page(Workspace(c).Slug, "continue"), Email: inv.Email, Workspace: Workspace(c).Name,
		RequestURL: paths.Page(Workspace(c).Slug, "request")}
	if m.User != nil {
		p.Current = m.User.Email
	}
	return Render(c, http.StatusOK, signin.ContinuePage(m, p))
}

// ContinueSubmit is POST /{slug}/portal/continue: the link is exchanged for
// a browser session (once: a used link goes to sign-in saying so) and the
// browser goes to the page the link named.
func (h *Handlers) ContinueSubmit(c echo.Context) error {
	link := h.pendingLink(c)
	if link == nil {
		return htmx.Redirect(c, paths.Portal(Workspace(c).Slug))
	}
	ws := Workspace(c).ID
	err := h.signIn(c, h.state(c), ws, func(ctx context.Context) (uuid.UUID, error) {
		id, _, err := h.S.Browser.ExchangeLink(ctx, link.Ref, ws, h.signInMeta(c, auth.MethodLink))
		return id, err
	})
	if err != nil {
		return h.linkFailed(c, err)
	}
	return htmx.Redirect(c, linkNext(c, link.Next))
}
