package api

import (
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/workspace"
)

// Context keys of the workspace API. keyTokenWorkspaceID is also what the
// file-sharing workspace handlers read.
const (
	keyTokenWorkspace   = "portal.token_workspace"
	keyTokenWorkspaceID = "portal.workspace_id"
)

// RequireWorkspaceToken authenticates the workspace API: a Bearer
// rapidly_wat_ token of a live workspace. A missing, malformed, unknown or
// revoked token is 401 invalid_token (RFC 6750 shape). The workspace is kept
// in the context for TokenWorkspace / TokenWorkspaceID, and everything the
// handlers do is confined to it.
func (h *Handlers) RequireWorkspaceToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, ok := auth.ParseBearer(c.Request().Header.Get(echo.HeaderAuthorization))
		if !ok {
			return apperr.InvalidToken()
		}
		ws, err := h.S.Workspaces.Authenticate(c.Request().Context(), token)
		if err != nil {
			return err
		}
		c.Set(keyTokenWorkspace, &ws)
		c.Set(keyTokenWorkspaceID, ws.ID)
		return next(c)
	}
}

// TokenWorkspace is the workspace of the request's access token (nil outside
// the workspace API).
func TokenWorkspace(c echo.Context) *workspace.Workspace {
	ws, _ := c.Get(keyTokenWorkspace).(*workspace.Workspace)
	return ws
}

// TokenWorkspaceID is the id of the request's workspace (uuid.Nil outside
// the workspace API, which matches no row).
func TokenWorkspaceID(c echo.Context) uuid.UUID {
	id, _ := c.Get(keyTokenWorkspaceID).(uuid.UUID)
	return id
}
