package api

import "github.com/labstack/echo/v4"

func (h *Handlers) WorkspaceCreateCustomerSession(c echo.Context) error { return todo() }

func (h *Handlers) WorkspaceCreateMemberSession(c echo.Context) error { return todo() }

