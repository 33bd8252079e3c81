// Package workspace owns workspaces, their access tokens and settings, the
// public workspace endpoint (§3.22) and the workspace API's session minting
// (§2.10).
package workspace

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/apperr"
	"portal/internal/auth"
	"portal/internal/db"
	"portal/internal/db/dbgen"
)

// Service is the workspace domain.
type Service struct {
	pool   *pgxpool.Pool
	hasher *auth.Hasher
	// baseURL is PORTAL_BASE_URL without a trailing slash: portal links and
	// media URLs are built on it.
	baseURL string
}

// New builds the service; baseURL is the portal's public URL.
func New(pool *pgxpool.Pool, h *auth.Hasher, baseURL string) *Service {
	return &Service{pool: pool, hasher: h, baseURL: baseURL}
}

// dbErr classifies an unexpected database error: unreachable is 503,
// anything else 500 with the cause logged.
func dbErr(op string, err error) error {
	if db.IsUnavailable(err) {
		return apperr.Unavailable("", 0, err)
	}
	return apperr.Internal(op, err)
}

// BySlug returns the live (not deleted, not blocked) workspace with this
// slug, case-insensitively: the pages' tenant. Unknown is 404; a database
// outage is 503, never a misleading 404.
func (s *Service) BySlug(ctx context.Context, slug string) (dbgen.Workspace, error) {
	ws, err := dbgen.New(s.pool).GetWorkspaceBySlug(ctx, slug)
	if err != nil {
		if db.IsNotFound(err) {
			return dbgen.Workspace{}, apperr.NotFound("")
		}
		return dbgen.Workspace{}, dbErr("workspace.by_slug", err)
	}
	return ws, nil
}
