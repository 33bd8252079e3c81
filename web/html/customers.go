package html

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (h *Handlers) Settings(c echo.Context) error { return c.String(http.StatusOK, "Settings: coming soon") }

