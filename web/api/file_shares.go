package api

import "github.com/labstack/echo/v4"

func (h *Handlers) ListFileShareSessions(c echo.Context) error { return todo() }

func (h *Handlers) GetFileShareSession(c echo.Context) error { return todo() }

func (h *Handlers) ListFileShareDownloads(c echo.Context) error { return todo() }

func (h *Handlers) ListFileSharePayments(c echo.Context) error { return todo() }

