package api

import "github.com/labstack/echo/v4"

func (h *Handlers) OAuthAuthorize(c echo.Context) error { return todo() }

func (h *Handlers) OAuthCallback(c echo.Context) error { return todo() }

