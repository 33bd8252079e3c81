package api

import "github.com/labstack/echo/v4"

func (h *Handlers) WorkspaceCreateCustomer(c echo.Context) error { return todo() }

func (h *Handlers) WorkspaceGetCustomer(c echo.Context) error { return todo() }

func (h *Handlers) WorkspaceUpdateCustomer(c echo.Context) error { return todo() }

func (h *Handlers) WorkspaceCreateMember(c echo.Context) error { return todo() }

