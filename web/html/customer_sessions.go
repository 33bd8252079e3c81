package html

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (h *Handlers) RequestPage(c echo.Context) error { return c.String(http.StatusOK, "RequestPage: coming soon") }

func (h *Handlers) RequestSubmit(c echo.Context) error { return c.String(http.StatusOK, "RequestSubmit: coming soon") }

func (h *Handlers) AuthenticatePage(c echo.Context) error { return c.String(http.StatusOK, "AuthenticatePage: coming soon") }

func (h *Handlers) AuthenticateSubmit(c echo.Context) error { return c.String(http.StatusOK, "AuthenticateSubmit: coming soon") }

func (h *Handlers) SignOut(c echo.Context) error { return c.String(http.StatusOK, "SignOut: coming soon") }

