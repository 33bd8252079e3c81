package html

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (h *Handlers) Overview(c echo.Context) error { return c.String(http.StatusOK, "Overview: coming soon") }

func (h *Handlers) SessionDetail(c echo.Context) error { return c.String(http.StatusOK, "SessionDetail: coming soon") }

