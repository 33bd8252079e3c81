package html

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (h *Handlers) Billing(c echo.Context) error { return c.String(http.StatusOK, "Billing: coming soon") }

