// Package workspace owns workspaces, their access tokens and settings, and
// the public workspace endpoint (§3.22).
package workspace

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
)

// Service is the workspace domain.
type Service struct {
	pool   *pgxpool.Pool
	hasher *auth.Hasher
}

func New(pool *pgxpool.Pool, h *auth.Hasher) *Service { return &Service{pool: pool, hasher: h} }
