package html

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (h *Handlers) Team(c echo.Context) error { return c.String(http.StatusOK, "Team: coming soon") }

