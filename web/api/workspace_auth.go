package api

import "github.com/labstack/echo/v4"

// RequireWorkspaceToken authenticates the workspace API (rapidly_wat_ tokens).
func (h *Handlers) RequireWorkspaceToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error { return todo() }
}
