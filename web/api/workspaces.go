package api

import "github.com/labstack/echo/v4"

func (h *Handlers) GetWorkspace(c echo.Context) error { return todo() }

func (h *Handlers) WorkspaceUpdate(c echo.Context) error { return todo() }

