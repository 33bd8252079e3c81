package html

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"portal/views/layout"
	"portal/web/htmx"
	"portal/web/middleware"
)

// PageSession loads the browser session (cookie → server-side row, D19)
// and sets the principal. Pages ignore bearer tokens (D21).
// TODO(issue 3): browser sessions, pre-authenticated links (D11).
func (h *Handlers) PageSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error { return next(c) }
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

func (h *Handlers) redirectToSignIn(c echo.Context) error {
	ws := Workspace(c)
	target := "/"
	if ws != nil {
		target = "/" + ws.Slug + "/portal/request"
	}
	if htmx.IsRequest(c) {
		c.Response().Header().Set("HX-Redirect", target)
		return c.NoContent(http.StatusUnauthorized)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// csrfToken returns this request's CSRF token and its form field name.
// TODO(issue 3): echo CSRF middleware.
func csrfToken(c echo.Context) (string, string) { return "", "_csrf" }

// fillUser puts the signed-in person into the page data.
// TODO(issue 3): name and email of the customer or member.
func (h *Handlers) fillUser(c echo.Context, m *layout.Meta) {}

// Entry is /{slug}/portal: overview when signed in, else sign-in.
func (h *Handlers) Entry(c echo.Context) error {
	ws := Workspace(c)
	if middleware.Principal(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/"+ws.Slug+"/portal/overview")
	}
	return c.Redirect(http.StatusSeeOther, "/"+ws.Slug+"/portal/request")
}
