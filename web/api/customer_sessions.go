package api

import "github.com/labstack/echo/v4"

func (h *Handlers) GetUser(c echo.Context) error { return todo() }

func (h *Handlers) Introspect(c echo.Context) error { return todo() }

func (h *Handlers) RequestCode(c echo.Context) error { return todo() }

func (h *Handlers) Authenticate(c echo.Context) error { return todo() }

