package api

import "github.com/labstack/echo/v4"

func (h *Handlers) WorkspaceCreateFileShareSession(c echo.Context) error { return todo() }

func (h *Handlers) WorkspaceUpdateFileShareSession(c echo.Context) error { return todo() }

func (h *Handlers) WorkspaceCreateDownload(c echo.Context) error { return todo() }

func (h *Handlers) WorkspaceCreatePayment(c echo.Context) error { return todo() }

