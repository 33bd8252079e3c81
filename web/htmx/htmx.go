// Package htmx knows the HTMX request and response headers.
package htmx

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// IsRequest reports whether the request was made by htmx (and is not a
// history restore, which wants a full page).
func IsRequest(c echo.Context) bool {
	h := c.Request().Header
	return h.Get("HX-Request") == "true" && h.Get("HX-History-Restore-Request") != "true"
}

// Redirect sends a browser to url after a form post: HX-Redirect for htmx,
// 303 See Other otherwise.
func Redirect(c echo.Context, url string) error {
	if IsRequest(c) {
		c.Response().Header().Set("HX-Redirect", url)
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, url)
}
