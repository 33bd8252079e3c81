package html

import "github.com/labstack/echo/v4"

// devRoutes registers development-only pages (/_dev/mail).
// TODO(issue 3): the dev mail page.
func (h *Handlers) devRoutes(e *echo.Echo) {}
